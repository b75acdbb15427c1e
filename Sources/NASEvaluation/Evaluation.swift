import Foundation
import NASArchitecture
import NASSearchSpace
import NASTraining

/// One trial as an evaluator sees it: the candidate (its own, unscaled form), its seed, the
/// controller's decisions and the shared training budget.
public struct EvaluationJob: Sendable {
    /// The trial's number in its run.
    public let trial: Int
    public let seed: UInt64
    public let network: Network
    /// In decision order; empty for a reference trial.
    public let decisions: [(name: String, value: String)]
    public let proxy: ProxySettings
    public let isReference: Bool
    /// The promotion rung the trial is evaluated at (0: the proxy); `proxy` is its recipe.
    public let rung: Int

    public init(trial: Int, seed: UInt64, network: Network, decisions: [(name: String, value: String)], proxy: ProxySettings,
                isReference: Bool, rung: Int = 0) {
        self.trial = trial
        self.seed = seed
        self.network = network
        self.decisions = decisions
        self.proxy = proxy
        self.isReference = isReference
        self.rung = rung
    }

    /// The object an external command reads on its stdin (Docs/SEARCH.md): `trial`, `seed`,
    /// `arch` (timm arch-def), `tf` (TF block strings, or null when a block has none),
    /// `decisions`, `budget` (the proxy settings: the trial's own recipe, a promotion rung's or
    /// a fidelity study budget's), `rung` (0, or the promotion rung), `architecture` (the
    /// canonical architecture file text) and `reference`.
    /// What an external evaluator finds in its environment.
    var environment: [String: String] { ["SWIFTNAS_TRIAL": String(trial), "SWIFTNAS_SEED": String(seed)] }

    public func json() -> Data {
        var decisionObject: [String: Any] = [:]
        for (name, value) in decisions { decisionObject[name] = Double(value).map { $0 as Any } ?? value }
        let budget = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(proxy))) ?? [:]
        let object: [String: Any] = [
            "trial": trial,
            "seed": seed,
            "arch": network.timmArchDef,
            "tf": (try? network.tfBlockStrings()).map { $0 as Any } ?? NSNull(),
            "decisions": decisionObject,
            "budget": budget,
            "architecture": ArchitectureFile.encode(network),
            "reference": isReference,
            "rung": rung,
        ]
        return try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}

/// What an evaluation measured. Accuracy is a fraction in [0, 1].
public struct TrialMeasurement: Sendable, Hashable {
    public var accuracy: Double
    /// Per-image CPU inference latency, when measured (the `latency` reward metric).
    public var latencyMs: Double?
    /// Seconds per training step (the training-aware reward metric).
    public var stepSeconds: Double?
    /// Anything else worth keeping with the trial (stored among its reward components).
    public var extra: [String: Double]

    public init(accuracy: Double, latencyMs: Double? = nil, stepSeconds: Double? = nil, extra: [String: Double] = [:]) {
        self.accuracy = accuracy
        self.latencyMs = latencyMs
        self.stepSeconds = stepSeconds
        self.extra = extra
    }

    /// Measures here what the reward needs and the evaluator did not report: per-image
    /// latency at the space's `resolution`, seconds per training step at the proxy's.
    public mutating func measureMissing(_ network: Network, latency: Bool, stepTime: Bool, resolution: Int, proxy: ProxySettings) {
        if latency, latencyMs == nil {
            latencyMs = InferenceBenchmark.latency(network: network, resolution: resolution)
        }
        if stepTime, stepSeconds == nil {
            stepSeconds = TrainingBenchmark.run(
                network: network, resolution: proxy.resolution, batch: proxy.batch, steps: 3, threads: 1
            ).millisecondsPerStep / 1000
        }
    }
}

/// Why one trial failed: stored with the trial, and the search goes on.
public struct EvaluationFailure: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Trains (or has something else train) one candidate. Called from several worker threads at
/// once, so implementations must be safe to share.
public protocol TrialEvaluator: Sendable {
    /// `progress` takes the fraction done, when the evaluator knows it.
    func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement
}
