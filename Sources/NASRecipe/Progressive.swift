// EfficientNetV2's progressive learning (Tan & Le, 2021, Algorithm 1) as plain values: the
// training split into stages, stage i of M at image size S0 + (Se − S0)·i/(M − 1) and
// regularization φ0 + (φe − φ0)·i/(M − 1), so early stages train fast on small images with
// weak regularization and the last one trains at the recipe's own size and strength.

/// How progressive learning grows the image size and regularization over a training run. The
/// last stage is the recipe itself (its resolution and dropout); this says where to start.
public struct ProgressiveLearning: Codable, Hashable, Sendable {
    /// Stages M (EfficientNetV2 uses 4 on ImageNet).
    public var stages = 4
    /// The first stage's image size; nil = half the final one (at least the smallest
    /// resolution).
    public var startResolution: Int?
    /// The first stage's dropout before the classifier; the last stage's is the recipe's.
    public var startDropout = 0.0

    /// Stages: one is no progression; more than 100 would leave stages of a step or two.
    public static let stagesRange = 2...100

    public init(stages: Int = 4, startResolution: Int? = nil, startDropout: Double = 0) {
        (self.stages, self.startResolution, self.startDropout) = (stages, startResolution, startDropout)
    }

    enum CodingKeys: String, CodingKey {
        case stages, startResolution = "start_resolution", startDropout = "start_dropout"
    }

    /// The first stage's image size for a final one.
    public func start(final: Int) -> Int {
        startResolution ?? min(final, max(TrainingConfig.resolutionRange.lowerBound, final / 2))
    }

    /// The stages of a run of `totalSteps` steps ending at `finalResolution` and
    /// `finalDropout`; `cropPadding` is the dataset's crop padding at full strength (0 without
    /// augmentation). Steps are split as evenly as whole steps allow; sizes and paddings are
    /// rounded to the nearest whole value.
    public func plan(totalSteps: Int, finalResolution: Int, finalDropout: Double, cropPadding: Int = 0) -> [ProgressiveStage] {
        let first = start(final: finalResolution)
        return (0..<stages).map { index in
            let ratio = Double(index) / Double(stages - 1)
            return ProgressiveStage(
                index: index, steps: (totalSteps * index / stages)..<(totalSteps * (index + 1) / stages),
                resolution: Int((Double(first) + Double(finalResolution - first) * ratio).rounded()),
                dropout: startDropout + (finalDropout - startDropout) * ratio,
                cropPadding: Int((Double(cropPadding) * ratio).rounded()))
        }
    }

    /// Refuses values out of bounds, naming the `nas train` option; `finalResolution` when known.
    public func validate(finalResolution: Int?) throws(RecipeError) {
        let stagesRange = Self.stagesRange
        guard stagesRange.contains(stages) else {
            throw RecipeError("--progressive-stages must be from \(stagesRange.lowerBound) to \(stagesRange.upperBound), got \(stages)")
        }
        let sizes = TrainingConfig.resolutionRange
        if let startResolution {
            let upper = finalResolution ?? sizes.upperBound
            guard sizes.lowerBound <= startResolution && startResolution <= upper else {
                throw RecipeError(
                    "--progressive-start-size must be from \(sizes.lowerBound) to the training resolution (\(upper)), got \(startResolution)")
            }
        }
        guard startDropout >= 0 && startDropout < 1 else {
            throw RecipeError("--progressive-start-dropout must be in [0, 1), got \(startDropout)")
        }
    }
}

/// One stage of progressive learning: its steps of the whole run (the learning-rate schedule
/// runs over the whole run, unaware of stages), image size and regularization.
public struct ProgressiveStage: Codable, Hashable, Sendable {
    public var index: Int
    public var steps: Range<Int>
    public var resolution: Int
    public var dropout: Double
    /// Random-crop padding (augmentation's strength) when the recipe augments.
    public var cropPadding: Int

    public init(index: Int, steps: Range<Int>, resolution: Int, dropout: Double, cropPadding: Int) {
        (self.index, self.steps, self.resolution, self.dropout, self.cropPadding) = (index, steps, resolution, dropout, cropPadding)
    }
}
