import Foundation
import NASFormatting
import NASArchitecture
import NASRecipe
import Yams

/// The reward, proxy and search sections of a space file.
extension SpaceParser {
    /// `key` is the `reward:` key, where a missing target is reported.
    func reward(_ node: Node, key: Node) throws(SearchSpaceError) -> RewardSettings {
        let entries = try r.mapping(node, "reward")
        let costKeys = ["metric", "target", "preset", "alpha", "beta"]
        let awareKeys = ["metric", "step-exponent", "step-reference", "params-exponent", "params-reference"]
        try r.checkKeys(entries, allowed: Array(Set(costKeys + awareKeys)).sorted(), "reward")
        func value(_ key: String) -> Node? { entries.first { $0.key == key }?.value }

        let metric = try rewardMetric(value("metric"))
        let allowed = metric == .trainingAware ? awareKeys : costKeys
        for entry in entries where !allowed.contains(entry.key) {
            throw r.fail(
                entry.keyNode, "reward.\(entry.key)",
                metric == .trainingAware
                    ? "not used by metric training-aware (A × S^w × P^v: step-exponent, step-reference, params-exponent, params-reference)"
                    : "used only by metric training-aware")
        }
        func real(_ key: String, _ ok: (Double) -> Bool = { _ in true }, _ expected: String = "a finite number")
            throws(SearchSpaceError) -> Double?
        {
            guard let node = value(key) else { return nil }
            let number = try r.double(node, "reward.\(key)", what: "a finite number")
            guard ok(number) else {
                throw r.fail(node, "reward.\(key)", "\(Formatting.shortest(number)) — expected \(expected)")
            }
            return number
        }

        if metric == .trainingAware {
            return .trainingAware(
                stepExponent: try real("step-exponent") ?? -0.07,
                stepReference: try value("step-reference").map { node throws(SearchSpaceError) in
                    try quantity(node, "reward.step-reference", units: ["s": 1, "ms": 0.001], bare: 1, example: "1s or 500ms")
                } ?? 1,
                paramsExponent: try real("params-exponent") ?? -0.05,
                paramsReference: try value("params-reference").map { node throws(SearchSpaceError) in
                    try quantity(node, "reward.params-reference", units: countUnits, bare: 1, example: "1M or 5000000")
                } ?? 1_000_000)
        }

        guard let targetNode = value("target") else {
            throw r.fail(
                key, "reward.target",
                metric == .macs
                    ? "missing — metric macs needs a target MAC count such as 400M"
                    : "missing — metric latency needs a target time such as 75ms")
        }
        let target =
            metric == .macs
            ? try quantity(
                targetNode, "reward.target", units: countUnits, bare: 1, example: "400M, 0.4G or 400000000",
                otherKind: timeUnits.keys.sorted())
            : try quantity(
                targetNode, "reward.target", units: timeUnits, bare: 1, example: "75ms or 0.075s",
                otherKind: countUnits.keys.sorted())
        var preset: RewardSettings.Preset? = .soft
        if let node = value("preset") {
            let text = try r.string(node, "reward.preset", what: "soft, hard or absolute")
            guard let parsed = RewardSettings.Preset(rawValue: text) else {
                throw r.fail(
                    node, "reward.preset",
                    "unknown preset '\(text)'\(suggestion(text, ["soft", "hard", "absolute"])) (expected soft, hard or absolute, or free alpha and beta)"
                )
            }
            preset = parsed
        }
        let alpha = try real("alpha")
        let beta = try real("beta")
        if alpha != nil, beta != nil, value("preset") == nil { preset = nil }
        // Free exponents keep the preset's form: `preset: absolute` with its own beta.
        return RewardSettings(metric: metric, target: target, preset: preset, alpha: alpha, beta: beta)
    }

    /// The reward's metric: macs unless `node` names another.
    func rewardMetric(_ node: Node?) throws(SearchSpaceError) -> RewardSettings.Metric {
        guard let node else { return .macs }
        let text = try r.string(node, "reward.metric", what: "a metric")
        let names = RewardSettings.Metric.allCases.map(\.rawValue)
        guard let parsed = RewardSettings.Metric(rawValue: text) else {
            throw r.fail(
                node, "reward.metric",
                "unknown metric '\(text)'\(suggestion(text, names)) (expected \(names.joined(separator: ", ")))")
        }
        return parsed
    }

    var countUnits: [String: Double] { Quantity.countUnits }
    var timeUnits: [String: Double] { Quantity.millisecondUnits }

    /// A positive number with an optional unit suffix: `400M`, `0.4G`, `75ms`, `0.5s`.
    func quantity(
        _ node: Node, _ path: String, units: [String: Double], bare: Double, example: String, otherKind: [String] = []
    ) throws(SearchSpaceError) -> Double {
        let text = try r.scalar(node, path, what: "a value such as \(example)").trimmingCharacters(in: .whitespaces)
        switch Quantity.parse(text, units: units, bare: bare, otherUnits: otherKind) {
        case .success(let value): return value
        case .failure(.wrongUnit):
            throw r.fail(node, path, "'\(text)' has the wrong unit for this metric — expected a value such as \(example)")
        case .failure(.notPositive):
            throw r.fail(node, path, "'\(text)' — expected a positive value such as \(example)")
        case .failure(.malformed):
            throw r.fail(node, path, "'\(text)' — expected a value such as \(example)")
        }
    }

    static let proxyKeys = [
        "dataset", "data", "validation", "resolution", "width", "depth", "epochs", "steps", "batch", "learning-rate",
        "label-smoothing", "dropout", "drop-connect", "augment", "threads", "stem-stride",
        "schedule", "warmup", "recalibration", "evaluation-images",
    ]

    /// The `proxy:` section, or (`base`) overrides of another proxy: keys not given keep
    /// `base`'s values, and epochs given clear `base`'s steps (and the reverse).
    func proxy(_ node: Node, base: ProxySettings = ProxySettings()) throws(SearchSpaceError) -> ProxySettings {
        let entries = try r.mapping(node, "proxy")
        try r.checkKeys(entries, allowed: Self.proxyKeys, "proxy")
        var proxy = base
        func real(_ node: Node, _ path: String, _ ok: (Double) -> Bool, _ expected: String) throws(SearchSpaceError)
            -> Double
        {
            let value = try r.double(node, path)
            guard ok(value) else {
                throw r.fail(node, path, "\(Formatting.shortest(value)) is out of range — expected \(expected)")
            }
            return value
        }
        var epochsNode: Node?
        var datasetNode: Node = node
        let multiplier = { (value: Double) in value > 0 && value <= ProxySettings.maxMultiplier }
        let multiplierText = "a multiplier in (0, \(Formatting.shortest(ProxySettings.maxMultiplier))]"
        for (key, _, value) in entries {
            let path = "proxy.\(key)"
            switch key {
            case "dataset":
                let text = try r.string(value, path, what: "a dataset")
                guard ProxySettings.datasets.contains(text) else {
                    throw r.fail(
                        value, path,
                        "unknown dataset '\(text)'\(suggestion(text, ProxySettings.datasets)) (expected \(ProxySettings.datasets.joined(separator: ", ")))"
                    )
                }
                proxy.dataset = text
                datasetNode = value
            // `~` unsets it (an override back to Fashion-MNIST's default files).
            case "data": proxy.data = r.isNull(value) ? nil : try r.string(value, path, what: "a path")
            case "validation":
                proxy.validation = try r.int(value, path, in: ProxySettings.validationRange, what: "a number of images")
            case "resolution":
                proxy.resolution = try r.int(value, path, in: ProxySettings.resolutionRange, what: "a resolution in pixels")
            case "width": proxy.width = try real(value, path, multiplier, multiplierText)
            case "depth": proxy.depth = try real(value, path, multiplier, multiplierText)
            case "epochs":
                proxy.epochs = try real(
                    value, path, { $0 > 0 && $0 <= ProxySettings.maxEpochs },
                    "epochs in (0, \(Formatting.shortest(ProxySettings.maxEpochs))]")
                proxy.steps = nil
                epochsNode = value
            case "steps":
                if epochsNode != nil || entries.contains(where: { $0.key == "epochs" }) {
                    throw r.fail(value, path, "give epochs or steps, not both")
                }
                proxy.steps = try r.int(value, path, in: ProxySettings.stepsRange, what: "a number of steps")
            case "batch":
                proxy.batch = try r.int(value, path, in: ProxySettings.batchRange, what: "a batch size (batch norm needs 2)")
            case "learning-rate":
                proxy.learningRate = try real(value, path, { $0 > 0 && $0 <= 100 }, "a learning rate in (0, 100]")
            case "label-smoothing":
                proxy.labelSmoothing = try real(value, path, { $0 >= 0 && $0 < 1 }, "a rate in [0, 1)")
            case "dropout": proxy.dropout = try real(value, path, { $0 >= 0 && $0 < 1 }, "a rate in [0, 1)")
            case "drop-connect": proxy.dropConnect = try real(value, path, { $0 >= 0 && $0 < 1 }, "a rate in [0, 1)")
            case "augment": proxy.augment = try r.bool(value, path)
            case "threads": proxy.threads = try r.int(value, path, in: ProxySettings.threadsRange, what: "a thread count")
            case "stem-stride": proxy.stemStride = try r.int(value, path, in: 1...2, what: "a stem stride (1 or 2)")
            case "schedule":
                let text = try r.string(value, path, what: "a schedule")
                guard let kind = LearningRateSchedule.Kind(rawValue: text) else {
                    throw r.fail(value, path, "unknown schedule '\(text)' (expected \(LearningRateSchedule.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                proxy.schedule = kind
            case "warmup": proxy.warmup = try real(value, path, { $0 >= 0 && $0 < 1 }, "a fraction of the steps in [0, 1)")
            case "recalibration":
                proxy.recalibration = try r.int(value, path, in: ProxySettings.recalibrationRange, what: "a number of batches (0: the running averages)")
            case "evaluation-images":  // `~`: the whole split again
                proxy.evaluationImages = r.isNull(value) ? nil : try r.int(value, path, in: ProxySettings.evaluationImagesRange, what: "a number of validation images to score")
            default: break
            }
        }
        if proxy.dataset != "fashion-mnist", proxy.data == nil {
            throw r.fail(datasetNode, "proxy.data", "missing — dataset \(proxy.dataset) needs a data path")
        }
        return proxy
    }

    func search(_ node: Node, baseline: Network, resolution: Int) throws(SearchSpaceError) -> (SearchSettings, [Network]) {
        let entries = try r.mapping(node, "search")
        try r.checkKeys(entries, allowed: ["batch", "trials", "strategy", "references"], "search")
        var search = SearchSettings()
        var references: [Network] = []
        for (key, _, value) in entries {
            let path = "search.\(key)"
            switch key {
            case "batch":
                search.batch = try r.int(
                    value, path, in: SearchSettings.batchRange, what: "architectures per controller update")
            case "trials": search.trials = try r.int(value, path, in: SearchSettings.trialsRange, what: "a number of trials")
            case "strategy":
                let text = try r.string(value, path, what: "a strategy name")
                guard text.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else {
                    throw r.fail(value, path, "'\(text)' — expected a strategy name such as reinforce")
                }
                search.strategy = text
            case "references":
                guard case .sequence(let items) = value else {
                    throw r.fail(
                        value, path, "expected a list of model names or inline networks, found \(r.kind(value))")
                }
                for (index, item) in items.enumerated() {
                    let network = try self.network(item, path, defaultName: "reference-\(index + 1)", inherit: baseline)
                    // References are counted at the space's resolution, maybe above their own.
                    do { try network.resolved(resolution: resolution).checkCost() } catch {
                        throw r.fail(item, path, "\(network.name): \(error)")
                    }
                    references.append(network)
                    search.references.append(network.name)
                }
            default: break
            }
        }
        return (search, references)
    }
}

extension ProxySettings {
    /// These settings with some replaced: `text` is `key=value` pairs joined by commas, keys
    /// as in a space file's `proxy:` section (`epochs=3,width=0.5,learning-rate=0.1`), checked
    /// against the same bounds. Epochs given clear a step budget and steps given replace the
    /// epochs, so the result trains exactly as the text says.
    public func overriding(_ text: String) throws(SearchSpaceError) -> ProxySettings {
        let pairs = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        var lines: [String] = []
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "="), !pair[..<equals].isEmpty else {
                throw SearchSpaceError(file: "budget '\(text)'", line: nil, field: "",
                                       message: "'\(pair)' is not key=value (keys: \(SpaceParser.proxyKeys.joined(separator: ", ")))")
            }
            lines.append("\(pair[..<equals].trimmingCharacters(in: .whitespaces)): \(pair[pair.index(after: equals)...].trimmingCharacters(in: .whitespaces))")
        }
        guard !lines.isEmpty else {
            throw SearchSpaceError(file: "budget '\(text)'", line: nil, field: "", message: "sets nothing (expected key=value pairs such as epochs=3)")
        }
        let parser = SpaceParser(file: "budget '\(text)'")
        let node = try parser.r.compose(lines.joined(separator: "\n"))
        return try parser.proxy(node, base: self)
    }

    /// The settings that differ from `base`, as `overriding` reads them (for labels).
    public func differences(from base: ProxySettings) -> String {
        var parts: [String] = []
        func add<T: Equatable>(_ key: String, _ mine: T, _ theirs: T, _ show: (T) -> String) {
            if mine != theirs { parts.append("\(key)=\(show(mine))") }
        }
        let number = { (value: Double) in Formatting.shortest(value) }
        add("resolution", resolution, base.resolution) { String($0) }
        add("width", width, base.width, number)
        add("depth", depth, base.depth, number)
        if steps != base.steps || (steps == nil && epochs != base.epochs) {
            parts.append(steps.map { "steps=\($0)" } ?? "epochs=\(number(epochs))")
        }
        add("batch", batch, base.batch) { String($0) }
        add("learning-rate", learningRate, base.learningRate, number)
        add("label-smoothing", labelSmoothing, base.labelSmoothing, number)
        add("dropout", dropout, base.dropout, number)
        add("drop-connect", dropConnect, base.dropConnect, number)
        add("augment", augment, base.augment) { String($0) }
        add("stem-stride", stemStride, base.stemStride) { $0.map(String.init) ?? "~" }
        add("schedule", schedule, base.schedule) { $0?.rawValue ?? "~" }
        add("warmup", warmup, base.warmup) { $0.map(number) ?? "~" }
        add("recalibration", recalibration, base.recalibration) { $0.map(String.init) ?? "~" }
        add("evaluation-images", evaluationImages, base.evaluationImages) { $0.map(String.init) ?? "~" }
        return parts.joined(separator: ",")
    }
}
