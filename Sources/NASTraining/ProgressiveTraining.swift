import Foundation
import NASData
import NASModel
import NASRandom
import NASRecipe

/// What trains during one stage: a model built for the stage's image size, its optimizer and
/// the batches' assembler (the stage's size and crop padding). Without progressive learning
/// there is one stage, the trainer's own model at the training resolution.
struct StageRun {
    var model: Model
    var optimizer: Optimizer
    var assembler: BatchAssembler
}

/// The state that runs through every stage: the batch order, the augmentation and dropout
/// streams, the learning-rate schedule over the whole run, and the smoothed loss.
struct StepLoop {
    let total: Int
    let schedule: LearningRateSchedule
    var sampler: BatchSampler
    var augmentation: SeededGenerator
    var dropout: SeededGenerator
    var indices: [Int]
    var smoothedLoss: Float = 0
    var smoothedAccuracy = 0.0
    let trainStart = Date()

    init(trainer: Trainer, total: Int) {
        let config = trainer.config, count = trainer.data.train.count
        self.total = total
        schedule = LearningRateSchedule(
            kind: config.schedule, peak: config.learningRate, warmupSteps: Int(Double(total) * config.warmupFraction),
            totalSteps: total, decaySteps: max(1, Int(2.4 * Double(count / config.batchSize))))
        // Independent streams for order, augmentation and dropout, all from the one seed.
        sampler = BatchSampler(
            count: count, batchSize: config.batchSize, generator: SeededGenerator(seed: config.seed &+ 0x51), dropLast: true)
        augmentation = SeededGenerator(seed: config.seed &+ 0xA6)
        dropout = SeededGenerator(seed: config.seed &+ 0xD4)
        indices = [Int](repeating: 0, count: config.batchSize)
    }
}

/// One stage as it ran, for `nas train --json` (`stages`) and Docs/TRAINING.md's measurements.
public struct StageSummary: Codable, Sendable, Hashable {
    public var resolution: Int
    public var dropout: Double
    public var cropPadding: Int
    public var steps: Int
    /// Wall time of the stage's steps (data included, building its model included).
    public var seconds: Double
    public var imagesPerSecond: Double

    init(_ stage: ProgressiveStage, seconds: Double, batch: Int) {
        (resolution, dropout, cropPadding, steps, self.seconds) = (stage.resolution, stage.dropout, stage.cropPadding, stage.steps.count, seconds)
        imagesPerSecond = Double(stage.steps.count * batch) / max(seconds, 1e-9)
    }

    enum CodingKeys: String, CodingKey {
        case resolution, dropout, steps, seconds, cropPadding = "crop_padding", imagesPerSecond = "images_per_second"
    }
}

extension Trainer {
    /// The stages `train` runs (one without progressive learning).
    public var stages: [ProgressiveStage] { plan(totalSteps: totalSteps) }

    /// The stages of this run: progressive learning's, or one stage of every step at the
    /// training resolution with the recipe's own regularization.
    func plan(totalSteps: Int) -> [ProgressiveStage] {
        let padding = config.augment ? data.augmentation.cropPadding : 0
        guard let progressive = config.progressive else {
            return [ProgressiveStage(
                index: 0, steps: 0..<totalSteps, resolution: resolved.resolution, dropout: network.dropout, cropPadding: padding)]
        }
        return progressive.plan(
            totalSteps: totalSteps, finalResolution: resolved.resolution, finalDropout: network.dropout, cropPadding: padding)
    }

    /// What trains `stage`, carrying on from `previous`: a model built for the stage's size
    /// (the trainer's own at the training resolution) takes the previous one's parameters, BN
    /// statistics and optimizer state, so the run goes on as on one model. Builds nothing when
    /// the size stays; the dropout and the assembler's crop padding are the stage's.
    func prepare(_ stage: ProgressiveStage, after previous: StageRun) -> StageRun {
        guard config.progressive != nil else { return previous }
        var next = previous
        if stage.resolution != previous.model.architecture.resolution {
            if stage.resolution == resolved.resolution {
                next.model = model
                next.optimizer = optimizer
            } else {
                next.model = Model(network.resolved(resolution: stage.resolution), maxBatch: config.batchSize, pool: nil)
                next.optimizer = Optimizer(model: next.model, config: config.optimizer)
            }
            next.model.copyWeights(from: previous.model)
            next.optimizer.copyState(from: previous.optimizer)
        }
        next.model.dropout = Float(stage.dropout)
        next.assembler = BatchAssembler(
            mean: data.mean, std: data.std,
            augmentation: Augmentation(cropPadding: stage.cropPadding, horizontalFlip: data.augmentation.horizontalFlip),
            outputSize: stage.resolution)
        return next
    }
}
