import Foundation
import NASController
import NASSearchSpace

/// What the command line may override of a space's defaults; nil = the space's value.
public struct SearchOptions: Sendable {
    public var trials: Int?
    public var batch: Int?
    public var strategy: StrategyKind?
    public var policy: PolicyKind?
    /// "builtin" or a shell command.
    public var evaluator: String?
    public var timeout: Double?
    public var workers: Int?
    /// T with a unit: "400M" MACs, "75ms", or a plain number in the metric's unit.
    public var target: String?
    public var preset: RewardSettings.Preset?
    public var alpha: Double?
    public var beta: Double?
    public var metric: RewardSettings.Metric?
    public var seed: UInt64?
    public var steps: Int?
    public var epochs: Double?
    public var data: String?

    public init() {}

    /// The run's configuration: the space's settings with these overrides.
    public func config(space: SearchSpace, spaceFile: String) throws(SearchError) -> SearchConfig {
        var controller = ControllerConfig()
        if let strategy {
            controller.strategy = strategy
        } else {
            guard let kind = StrategyKind(rawValue: space.search.strategy) else {
                throw .invalid("\(spaceFile): search.strategy '\(space.search.strategy)' is not one of \(StrategyKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            controller.strategy = kind
        }
        if let policy { controller.policy = policy }

        var reward = space.reward
        if let metric { reward.metric = metric }
        if let preset {
            reward.preset = preset
            reward.alpha = preset.alpha
            reward.beta = preset.beta
        }
        if alpha != nil || beta != nil { reward.preset = nil }
        if let alpha { reward.alpha = alpha }
        if let beta { reward.beta = beta }
        for (name, value) in [("--alpha", reward.alpha), ("--beta", reward.beta)] where !value.isFinite {
            throw .invalid("\(name) must be a finite number")
        }
        if let target { reward.target = try Self.quantity(target, metric: reward.metric) }

        var proxy = space.proxy
        if let steps {
            guard steps >= 1 else { throw .invalid("--steps must be at least 1, got \(steps)") }
            proxy.steps = steps
        }
        if let epochs {
            guard epochs > 0 else { throw .invalid("--epochs must be positive, got \(epochs)") }
            proxy.epochs = epochs
            proxy.steps = nil
        }
        if let data { proxy.data = data }

        var config = SearchConfig(
            spaceFile: spaceFile, trials: trials ?? space.search.trials, batch: batch ?? space.search.batch,
            controller: controller, reward: reward, proxy: proxy,
            workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
        config.seed = seed ?? 1
        config.evaluator = evaluator ?? "builtin"
        config.timeout = timeout
        config.references = space.search.references
        try config.validate()
        return config
    }

    /// "400M" → 4e8, "1.2G" → 1.2e9, "75ms" → 75 (latency in ms), "0.5s" → 0.5 or 500 ms.
    static func quantity(_ text: String, metric: RewardSettings.Metric) throws(SearchError) -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("K", 1e3), ("k", 1e3), ("M", 1e6), ("G", 1e9), ("B", 1e9)]
        var number = trimmed
        var scale = 1.0
        var isTime = false
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = String(trimmed.dropLast(suffix.count))
            scale = factor
            isTime = suffix == "ms" || suffix == "s"
            break
        }
        guard let value = Double(number), value.isFinite, value > 0 else {
            throw .invalid("--target '\(text)' is not a positive number with an optional unit (400M, 1.2G, 75ms)")
        }
        switch metric {
        case .macs:
            guard !isTime else { throw .invalid("--target '\(text)' is a time, but the reward counts MACs (use --metric latency)") }
            return value * scale
        case .latency:
            // Latency targets are in milliseconds.
            return isTime ? value * scale * 1000 : value
        case .trainingAware:
            return isTime ? value * scale : value
        }
    }
}
