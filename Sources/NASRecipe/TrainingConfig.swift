// The training recipe as plain values, written once: the trainer (NASTraining) runs it, a
// search's proxy settings (NASSearchSpace) override it, and `nas train` takes its defaults
// from it. No kernels here, so the pure search space can depend on it.

/// One recipe for training a network briefly: what every candidate of a search gets.
public struct TrainingConfig: Codable, Hashable, Sendable {
    /// Passes over the training split; `steps` overrides it.
    public var epochs: Double = 1
    public var steps: Int?
    public var batchSize = 128
    /// Peak learning rate (after warmup).
    public var learningRate: Float = 0.2
    public var optimizer = OptimizerConfig()
    public var schedule: LearningRateSchedule.Kind = .cosine
    /// Linear warmup, as a fraction of all steps.
    public var warmupFraction = 0.05
    public var labelSmoothing: Float = 0.1
    /// Random crops (and flips where the dataset allows them) on training batches. Off by
    /// default: a brief proxy run underfits, and augmentation only slows it (Docs/TRAINING.md).
    public var augment = false
    /// Evaluate with an exponential moving average of the weights (e.g. 0.999); nil = off.
    public var emaDecay: Float?
    public var seed: UInt64 = 1
    public var threads = 1
    /// Training resolution; nil = the dataset's image size.
    public var resolution: Int?
    /// Proxy multipliers applied to the architecture before building it.
    public var width = 1.0
    public var depth = 1.0
    /// The stem's stride for this training (1 keeps a small image's resolution through the
    /// stem, so a 32-px proxy has B0's spatial structure at 64 px); nil = the architecture's.
    public var stemStride: Int?
    /// Overrides of the architecture's dropout and drop-connect rates (nil = the
    /// architecture's). The brief-training defaults are lighter than EfficientNet's 0.2/0.2.
    public var dropout: Double? = 0.1
    public var dropConnect: Double? = 0
    /// Training batches over which BN statistics are re-estimated before evaluation (0 = keep
    /// the running averages).
    public var recalibrationBatches = 20
    /// Validation images the trained network is scored on: a fixed subset of the held-out
    /// split, stratified by class and the same for every training on that split (the trainer's
    /// `scoredImages`); nil, or more than the split holds, = the whole split. Only the
    /// scoring changes: the training data and the split stay as they are.
    public var evaluationImages: Int?
    /// EfficientNetV2's progressive learning: image size and regularization grow over the run
    /// towards this recipe's (nil = every step at the recipe's).
    public var progressive: ProgressiveLearning?

    /// The defaults, for settings and options that start from them (`ProxySettings`, `nas train`).
    public static let defaults = TrainingConfig()

    /// Bounds of the training budget (Docs/TRAINING.md): beyond them a step count no longer
    /// fits the schedule's arithmetic. `nas train` and a search's proxy share them.
    public static let maxEpochs = 1000.0
    public static let stepsRange = 1...10_000_000
    /// Images per batch: batch norm needs 2 to train; every buffer is sized for the largest.
    public static let batchRange = 2...4096
    /// Batches of batch-norm recalibration (0: the running averages).
    public static let recalibrationRange = 0...10_000
    /// Validation images scored (more than the split: all of it).
    public static let evaluationImagesRange = 1...10_000_000
    /// Threads of the kernels and OpenBLAS.
    public static let threadsRange = 1...256
    /// Training resolution in pixels.
    public static let resolutionRange = 8...1024
    /// Proxy width and depth multipliers: (0, maxMultiplier].
    public static let maxMultiplier = 8.0

    public init() {}

    /// `value` as the decimal it prints as (0.2, not 0.20000000298…): settings stored as
    /// Double show the Float defaults as they are written, and convert back to the same Float.
    public static func decimal(_ value: Float) -> Double {
        Double(value.description) ?? Double(value)
    }

    /// Refuses a recipe the trainer cannot run, naming the `nas train` option at fault.
    public func validate() throws(RecipeError) {
        func check(_ ok: Bool, _ message: String) throws(RecipeError) {
            if !ok { throw RecipeError(message) }
        }
        try check(epochs > 0 || (steps ?? 0) > 0, "epochs or steps must be positive")
        try check(epochs <= Self.maxEpochs, "--epochs must be at most \(Int(Self.maxEpochs)), got \(epochs)")
        try check(
            steps.map(Self.stepsRange.contains) ?? true,
            "--steps must be from \(Self.stepsRange.lowerBound) to \(Self.stepsRange.upperBound)")
        try check(
            Self.batchRange.contains(batchSize),
            "--batch must be from \(Self.batchRange.lowerBound) to \(Self.batchRange.upperBound) (batch norm needs 2)")
        try check(learningRate > 0 && learningRate.isFinite, "--lr must be positive")
        try check(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing must be in [0, 1)")
        try check(emaDecay.map { $0 > 0 && $0 < 1 } ?? true, "--ema must be in (0, 1)")
        try check(
            Self.threadsRange.contains(threads),
            "--threads must be from \(Self.threadsRange.lowerBound) to \(Self.threadsRange.upperBound)")
        let resolutions = Self.resolutionRange
        try check(
            resolution.map(resolutions.contains) ?? true,
            "--resolution must be from \(resolutions.lowerBound) to \(resolutions.upperBound)")
        try check(width > 0 && width <= Self.maxMultiplier, "--width must be in (0, \(Int(Self.maxMultiplier))]")
        try check(depth > 0 && depth <= Self.maxMultiplier, "--depth must be in (0, \(Int(Self.maxMultiplier))]")
        try check(stemStride.map { (1...2).contains($0) } ?? true, "the stem stride must be 1 or 2")
        try check(
            Self.recalibrationRange.contains(recalibrationBatches),
            "--recalibration must be from \(Self.recalibrationRange.lowerBound) to \(Self.recalibrationRange.upperBound) batches")
        try check(
            evaluationImages.map(Self.evaluationImagesRange.contains) ?? true,
            "--evaluation-images must be from \(Self.evaluationImagesRange.lowerBound) to \(Self.evaluationImagesRange.upperBound) images")
        try check(dropout.map { $0 >= 0 && $0 < 1 } ?? true, "--dropout must be in [0, 1)")
        try check(dropConnect.map { $0 >= 0 && $0 < 1 } ?? true, "--drop-connect must be in [0, 1)")
        try check(warmupFraction >= 0 && warmupFraction < 1, "warmup fraction must be in [0, 1)")
        try progressive?.validate(finalResolution: resolution)
    }
}

/// A recipe value out of its bounds; the message names the `nas train` option.
public struct RecipeError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
