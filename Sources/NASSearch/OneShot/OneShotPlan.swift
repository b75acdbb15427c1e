import NASRecipe

/// A weight-sharing search (`nas search --weight-sharing`, Docs/WEIGHT_SHARING.md), TuNAS's
/// schedule on a supernet: shared weights trained one sampled path per step — drawn uniformly
/// during the warm-up, from the controller's policy after it — and, every `interval` steps
/// after the warm-up, `SearchConfig.batch` architectures drawn from the policy, scored with
/// the shared weights on one validation batch (the same batch for the whole update, so their
/// rewards differ by architecture, not by batch) and the controller updated on them. Every
/// scored architecture is a trial of the run (`rung` 0, its batch the update's number).
public struct OneShotPlan: Codable, Hashable, Sendable {
    /// Training steps of the shared weights, at the proxy's batch size and recipe.
    public var steps: Int
    /// Fraction of `steps` before the controller learns (TuNAS: 0.25).
    public var warmup: Double
    /// Shared-weight steps between controller updates after the warm-up.
    public var interval: Int
    /// Images each candidate is scored on (one validation batch per update).
    public var scoreImages: Int
    /// Batch norm while scoring: the scoring batch's own statistics (`batch`), or statistics
    /// re-estimated on `recalibration` training batches per candidate (`recalibrate`).
    public var batchNorm: BatchNormScoring
    public var recalibration: Int
    /// Steps between checkpoints of the shared weights, optimizer, controller and samplers.
    public var checkpointEvery: Int
    /// Stand-alone training at the end, at the run's promotion rung; nil = none.
    public var verification: OneShotVerification?
    /// Paths trained after the warm-up: drawn from the policy (TuNAS; nil) or uniformly
    /// (`uniform`: every architecture keeps the same share of training, so the weights are
    /// not co-adapted to the policy's favourites — SPOS's fairness, measured in
    /// Docs/WEIGHT_SHARING.md). Optional so runs made before it read unchanged.
    public var pathSampling: PathSampling?
    /// Each step also trains the space's largest network (on the labels) and its smallest
    /// (on the largest's predictions) before the sampled path, which learns from the largest's
    /// predictions too: BigNAS's sandwich rule with in-place distillation, about three paths'
    /// cost per step. nil (runs made before it) = off.
    public var sandwich: Bool?
    /// Threads of the shared training (the search's workers when it was created; fixed, so
    /// a resume computes the same numbers whatever its --workers).
    public var threads: Int

    public enum PathSampling: String, Codable, Hashable, Sendable, CaseIterable {
        case policy, uniform
    }

    public enum BatchNormScoring: String, Codable, Hashable, Sendable, CaseIterable {
        case batch, recalibrate
    }

    public static let stepsRange = 1...10_000_000
    public static let intervalRange = 1...10_000
    public static let scoreImagesRange = 1...100_000
    public static let recalibrationRange = 1...100
    public static let checkpointRange = 1...1_000_000

    public init(steps: Int, warmup: Double = 0.25, interval: Int = 1, scoreImages: Int, batchNorm: BatchNormScoring = .batch,
                recalibration: Int = 4, checkpointEvery: Int = 100, verification: OneShotVerification? = nil,
                pathSampling: PathSampling? = nil, sandwich: Bool = false, threads: Int = 1) {
        self.pathSampling = pathSampling == .policy ? nil : pathSampling
        self.sandwich = sandwich ? true : nil
        self.steps = steps
        self.warmup = warmup
        self.interval = interval
        self.scoreImages = scoreImages
        self.batchNorm = batchNorm
        self.recalibration = recalibration
        self.checkpointEvery = checkpointEvery
        self.verification = verification
        self.threads = threads
    }

    /// Steps with uniformly drawn paths and no controller update.
    public var warmupSteps: Int { Int((Double(steps) * warmup).rounded(.down)) }

    /// Controller updates in the whole search: one after every `interval` steps past the warm-up.
    public var updates: Int { (steps - warmupSteps) / interval }

    /// Whether the path trained at `step` (0-based) is drawn uniformly rather than from the policy.
    public func uniformPath(at step: Int) -> Bool { step < warmupSteps || pathSampling == .uniform }

    /// Sampled trials in all: `batch` scored per update, and the verified architectures.
    public func trials(batch: Int) -> Int {
        updates * batch + (verification.map { 1 + $0.top + $0.random } ?? 0)
    }

    /// Whether the controller updates after `step` (1-based) steps.
    public func updatesAfter(step: Int) -> Bool { step > warmupSteps && (step - warmupSteps) % interval == 0 }

    public func validate() throws(SearchError) {
        func check(_ ok: Bool, _ message: String) throws(SearchError) { if !ok { throw .invalid(message) } }
        try check(Self.stepsRange.contains(steps), "weight sharing: steps must be from 1 to \(Self.stepsRange.upperBound), got \(steps)")
        try check(warmup >= 0 && warmup < 1, "weight sharing: the warm-up must be a fraction in [0, 1), got \(warmup)")
        try check(Self.intervalRange.contains(interval), "weight sharing: the interval must be from 1 to \(Self.intervalRange.upperBound), got \(interval)")
        try check(Self.scoreImagesRange.contains(scoreImages), "weight sharing: score images must be from 1 to \(Self.scoreImagesRange.upperBound), got \(scoreImages)")
        try check(Self.recalibrationRange.contains(recalibration), "weight sharing: recalibration batches must be from 1 to \(Self.recalibrationRange.upperBound), got \(recalibration)")
        try check(Self.checkpointRange.contains(checkpointEvery), "weight sharing: checkpoint-every must be from 1 to \(Self.checkpointRange.upperBound), got \(checkpointEvery)")
        try check(TrainingConfig.threadsRange.contains(threads), "weight sharing: threads must be from \(TrainingConfig.threadsRange.lowerBound) to \(TrainingConfig.threadsRange.upperBound), got \(threads)")
        try check(updates >= 1, "weight sharing: \(steps) steps with a warm-up of \(warmup) and an interval of \(interval) leave no controller update")
    }
}
