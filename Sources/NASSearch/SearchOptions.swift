import Foundation
import NASController
import NASData
import NASEvaluation
import NASSearchSpace

/// What the command line may override of a space's defaults; nil = the space's value.
public struct SearchOptions: Sendable {
    public var trials: Int?
    public var batch: Int?
    public var strategy: StrategyKind?
    public var policy: PolicyKind?
    /// `field=value` settings of the controller (`--controller`), applied last.
    public var controllerFields: [String] = []
    /// "builtin" or a shell command.
    public var evaluator: String?
    public var timeout: Double?
    public var workers: Int?
    /// T with a unit: "400M" MACs, "75ms", or a plain number in the metric's unit.
    public var target: String?
    public var preset: RewardSettings.Preset?
    public var alpha: Double?
    public var beta: Double?
    /// Save every trial's trained model in the run folder.
    public var keepWeights = false
    public var metric: RewardSettings.Metric?
    public var seed: UInt64?
    public var steps: Int?
    public var epochs: Double?
    /// The proxy's data location (`--data`); class folders there make the proxy a `folder` one.
    public var data: String?
    /// Each trial as its own Slurm job (`--submit slurm`).
    public var submit: SubmitSettings?
    /// Leader evaluations at the end (`SearchConfig.leaderEvaluations`); nil = the
    /// recommended number for REINFORCE, none for the other strategies.
    public var leaderEvaluations: Int?
    /// Promotion rungs (`--promote`, each `top=F,seeds=N,KEY=VALUE…`), `["none"]` for none;
    /// nil = `PromotionPlan.recommended` with the built-in trainer, none with a command.
    public var promote: [String]?
    /// A weight-sharing search with this plan instead of training every candidate.
    public var oneShot: OneShotPlan?
    /// With `oneShot`: `--verify` text (`OneShotVerification.parse`); "none" for none.
    public var verify: String?

    public init() {}

    /// The run's configuration: the space's settings with these overrides.
    public func config(space: SearchSpace, spaceFile: String) throws(SearchError) -> SearchConfig {
        // Each policy's settings are its own (Docs/CONTROLLER.md).
        var controller = ControllerConfig.recommended(policy: policy ?? ControllerConfig.recommendedPolicy)
        if let strategy {
            controller.strategy = strategy
        } else {
            guard let kind = StrategyKind(rawValue: space.search.strategy) else {
                throw .invalid("\(spaceFile): search.strategy '\(space.search.strategy)' is not one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            controller.strategy = kind
        }
        controller = try Self.setting(controllerFields, on: controller)

        var reward = space.reward
        if let metric { reward.metric = metric }
        if let preset {
            reward.preset = preset
            reward.alpha = preset.alpha
            reward.beta = preset.beta
            reward.form = preset.storedForm
        }
        if alpha != nil || beta != nil { reward.preset = nil }
        if let alpha { reward.alpha = alpha }
        if let beta { reward.beta = beta }
        for (name, value) in [("--alpha", reward.alpha), ("--beta", reward.beta)] where !value.isFinite {
            throw .invalid("\(name) must be a finite number")
        }
        if let target { reward.target = try Self.quantity(target, metric: reward.metric) }

        let proxy = try self.proxy(space.proxy)
        var config = SearchConfig(
            spaceFile: spaceFile, trials: trials ?? space.search.trials, batch: batch ?? space.search.batch,
            controller: controller, reward: reward, proxy: proxy,
            workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
        config.seed = seed ?? 1
        config.evaluator = evaluator ?? "builtin"
        config.timeout = timeout
        config.references = space.search.references
        config.keepWeights = keepWeights ? true : nil
        config.submit = submit
        let leaders = leaderEvaluations ?? (controller.strategy == .reinforce ? SearchConfig.recommendedLeaderEvaluations : 0)
        config.leaderEvaluations = leaders == 0 ? nil : leaders
        config.promotion = try promotion(proxy: proxy, builtin: config.usesBuiltinTrainer)
        if let oneShot {
            // Candidates are scored on the supernet; trials count the scored ones. Stand-alone
            // training of references, leaders and promoted trials is not part of it.
            if trials != nil { throw .invalid("a weight-sharing search's trials follow from its steps: give --shared-steps, not --trials") }
            do { _ = try space.largestNetwork() } catch { throw .space(error) }
            config.oneShot = oneShot
            config.oneShot?.threads = max(1, config.workers)
            (config.promotion, config.leaderEvaluations) = (nil, nil)
            if verify != "none" {
                let (verification, rung) = try OneShotVerification.parse(verify ?? "", over: proxy)
                config.oneShot?.verification = verification
                config.promotion = PromotionPlan(rungs: [rung])
            }
            config.trials = config.oneShot!.trials(batch: config.batch)
        }
        try config.validate()
        return config
    }

    /// The space's proxy with --steps, --epochs and --data.
    func proxy(_ base: ProxySettings) throws(SearchError) -> ProxySettings {
        var proxy = base
        // Both would leave one silently unused: the run must train as it was asked to.
        if steps != nil, epochs != nil { throw .invalid("--steps and --epochs both set a candidate's training budget; give one of them") }
        if let steps {
            let range = ProxySettings.stepsRange
            guard range.contains(steps) else {
                throw .invalid("--steps must be from \(range.lowerBound) to \(range.upperBound), got \(steps)")
            }
            proxy.steps = steps
        }
        if let epochs {
            guard epochs > 0, epochs <= ProxySettings.maxEpochs else {
                throw .invalid("--epochs must be in (0, \(Int(ProxySettings.maxEpochs))], got \(epochs)")
            }
            proxy.epochs = epochs
            proxy.steps = nil
        }
        if let data {
            // The data says which loader reads it: a user's class folders make it a `folder`
            // proxy (the run's networks then take their classes and channels, `dataShape`),
            // whose held-out count is its own default.
            proxy.data = data
            if let kind = DatasetKind(rawValue: proxy.dataset) {
                let found = DatasetLoader.kind(for: data, proxy: kind)
                if found != kind { (proxy.dataset, proxy.validation) = (found.rawValue, nil) }
            }
        }
        return proxy
    }

    /// The run's promotion: as `--promote` says, else the recommended one for the built-in
    /// trainer (whose proxy is known to rank poorly), none for a command (its budgets are its own).
    func promotion(proxy: ProxySettings, builtin: Bool) throws(SearchError) -> PromotionPlan? {
        guard let promote else { return builtin ? PromotionPlan.recommended(proxy: proxy) : nil }
        if promote == ["none"] { return nil }
        var rungs: [PromotionRung] = []
        for text in promote { rungs.append(try PromotionPlan.rung(text, over: proxy)) }
        return PromotionPlan(rungs: rungs)
    }

    /// `controller` with `field=value` settings applied: each field is one of ControllerConfig's
    /// coding keys, its value a number, true/false, a name (strategy, policy), or `none` to
    /// unset an optional field (e.g. `ppoEpochs=none`: plain REINFORCE).
    static func setting(_ fields: [String], on controller: ControllerConfig) throws(SearchError) -> ControllerConfig {
        guard !fields.isEmpty else { return controller }
        var object = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(controller))) as? [String: Any] ?? [:]
        let known = ControllerConfig.fieldNames
        for field in fields {
            let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, known.contains(parts[0]) else {
                throw .invalid("--controller takes FIELD=VALUE with FIELD one of \(known.joined(separator: ", ")), got '\(field)'")
            }
            let value = parts[1]
            object[parts[0]] = value == "none" ? NSNull()
                : Double(value).map { $0 as Any } ?? (value == "true" || value == "false" ? (value == "true") as Any : value)
        }
        do {
            let data = try JSONSerialization.data(withJSONObject: object)
            let config = try JSONDecoder().decode(ControllerConfig.self, from: data)
            try config.validate()
            return config
        } catch let error as ControllerError {
            throw .controller(error)
        } catch {
            throw .invalid("--controller: \(fields.joined(separator: " ")) does not fit the controller's fields (\(error))")
        }
    }

    /// "400M" → 4e8 MACs, "75ms" → 75 (latency in ms), "0.5s" → 0.5 (training-aware, s/step).
    static func quantity(_ text: String, metric: RewardSettings.Metric) throws(SearchError) -> Double {
        switch Quantity.target(text, metric: metric) {
        case .success(let value): return value
        case .failure(.wrongUnit):
            throw .invalid("--target '\(text)' has the wrong unit for metric \(metric.rawValue) (MACs: 400M; latency: 75ms; training-aware: 0.5s)")
        case .failure:
            throw .invalid("--target '\(text)' is not a positive number with an optional unit (400M, 1.2G, 75ms)")
        }
    }
}
