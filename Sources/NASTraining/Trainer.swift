import Foundation
import NASArchitecture
import NASData
import NASKernels
import NASModel
import NASRandom
import NASRecipe

public enum TrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidConfig(String)
    case nonFiniteLoss(step: Int, loss: Float)
    case architecture(ArchitectureError)

    public var description: String {
        switch self {
        case .invalidConfig(let message): message
        case let .nonFiniteLoss(step, loss): "training diverged: loss \(loss) at step \(step) (try a lower --lr)"
        case .architecture(let error): error.description
        }
    }
}

/// A snapshot for progress displays.
public struct TrainingProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var epoch: Double
    /// Exponential moving averages over recent steps.
    public var loss: Float
    public var accuracy: Double
    public var learningRate: Float
    public var imagesPerSecond: Double
    public var elapsed: Double
    /// With progressive learning, the stage being trained (its image size and dropout) of `stages`.
    public var stage: ProgressiveStage?
    public var stages = 1
    public var eta: Double { step > 0 ? elapsed / Double(step) * Double(totalSteps - step) : 0 }
}

public struct TrainingSummary: Codable, Sendable, Hashable {
    public var valAccuracy: Double
    public var testAccuracy: Double?
    /// Training throughput (images per second of training steps, data included).
    public var imagesPerSecond: Double
    /// Wall time of training and evaluation.
    public var seconds: Double
    public var params: Int
    /// Multiply-adds per image at the training resolution.
    public var macs: Int
    public var steps: Int
    public var finalLoss: Float
    /// Where `seconds` went: the training steps (data included), batch-norm recalibration, and
    /// evaluation (validation and, if asked, test). Nil in model folders saved before they
    /// were recorded.
    public var trainingSeconds: Double?
    public var recalibrationSeconds: Double?
    public var evaluationSeconds: Double?
    /// Validation images `valAccuracy` was measured on (the recipe's `evaluationImages`, or
    /// the whole split). Nil in model folders saved before it was recorded.
    public var evaluationImages: Int?
    /// With progressive learning, each stage's image size, regularization, steps and time.
    public var stages: [StageSummary]?

    enum CodingKeys: String, CodingKey {
        case valAccuracy = "val_accuracy", testAccuracy = "test_accuracy", imagesPerSecond = "images_per_second"
        case seconds, params, macs, steps, finalLoss = "final_loss"
        case trainingSeconds = "training_seconds", recalibrationSeconds = "recalibration_seconds"
        case evaluationSeconds = "evaluation_seconds", evaluationImages = "evaluation_images", stages
    }
}

/// Builds the network for a dataset and trains it with one recipe.
public final class Trainer {
    public let config: TrainingConfig
    /// The network as trained: classes and channels from the data, proxy multipliers applied.
    public let network: Network
    public let resolved: ResolvedNetwork
    /// The model at the training resolution: what is evaluated and saved (progressive stages at
    /// other sizes train models of their own and hand their weights back to it).
    public let model: Model
    public let data: DatasetSplits
    let optimizer: Optimizer
    let average: WeightAverage?
    let assembler: BatchAssembler
    let images: FloatBuffer
    var labels: [Int32]
    /// The validation images scored (`scoredImages`), picked once per trainer; nil = all.
    public let scored: [Int]?

    public init(architecture: Network, data: DatasetSplits, config: TrainingConfig) throws(TrainingError) {
        do { try config.validate() } catch { throw .invalidConfig(error.description) }
        self.config = config
        self.data = data
        let network = try Trainer.network(for: architecture, data: data, config: config)
        let resolution = network.resolution
        self.network = network
        resolved = network.resolved(resolution: resolution)
        if let progressive = config.progressive {
            do { try progressive.validate(finalResolution: resolution) } catch { throw .invalidConfig(error.description) }
            let steps = Self.totalSteps(config, trainingImages: data.train.count)
            guard steps >= progressive.stages else {
                throw .invalidConfig("progressive learning needs a step per stage: \(steps) steps for \(progressive.stages) stages")
            }
        }
        configureThreads(config.threads)
        var generator = SeededGenerator(seed: config.seed)
        let model = Model(resolved, maxBatch: config.batchSize, generator: &generator)
        self.model = model
        optimizer = Optimizer(model: model, config: config.optimizer)
        average = config.emaDecay.map { WeightAverage(model: model, decay: $0) }
        assembler = BatchAssembler(data, outputSize: resolution)
        images = FloatBuffer(config.batchSize * resolution * resolution * data.train.channels)
        labels = Array(repeating: 0, count: config.batchSize)
        scored = Self.scoredImages(of: data.validation, count: config.evaluationImages)
    }

    /// Indices (ascending) of the `count` images of `validation` a recipe with
    /// `evaluationImages: count` is scored on: stratified by class and fixed, drawn as the
    /// validation split itself is drawn (`DatasetLoader.validationSplit`, its seed), so every
    /// training on the same split scores the same images. Nil (the whole split) when `count`
    /// is nil or not below the split's size.
    public static func scoredImages(of validation: ImageSet, count: Int?) -> [Int]? {
        guard let count, count < validation.count else { return nil }
        return DatasetLoader.validationSplit(labels: validation.labels, classCount: validation.classNames.count, count: count).validation
    }

    /// The network as the recipe trains it on this data: width and depth multipliers, stem
    /// stride, dropout and the resolution applied; classes and input channels the data's.
    public static func network(for architecture: Network, data: DatasetSplits, config: TrainingConfig) throws(TrainingError) -> Network {
        var network = architecture
        if config.width != 1 || config.depth != 1 { network = network.scaled(width: config.width, depth: config.depth) }
        if let stemStride = config.stemStride { network.stemStride = stemStride }
        network.classes = data.train.classNames.count
        network.inputChannels = data.train.channels
        network.resolution = config.resolution ?? data.train.height
        if let dropout = config.dropout { network.dropout = dropout }
        if let dropConnect = config.dropConnect { network.dropConnect = dropConnect }
        do { try network.validate() } catch { throw .architecture(error) }
        return network
    }

    public var totalSteps: Int { Self.totalSteps(config, trainingImages: data.train.count) }

    static func totalSteps(_ config: TrainingConfig, trainingImages: Int) -> Int {
        config.steps ?? max(1, Int((config.epochs * Double(trainingImages / config.batchSize)).rounded()))
    }

    /// Trains, then evaluates on the validation split (its `scored` images only, when the recipe
    /// sets `evaluationImages`) and the test split if asked. With progressive learning the
    /// steps run in stages of growing image size and regularization (`ProgressiveTraining.swift`);
    /// evaluation is always at the final resolution.
    public func train(measureTest: Bool = false, progress: ((TrainingProgress) -> Void)? = nil) throws(TrainingError)
        -> TrainingSummary
    {
        let start = Date()
        let total = totalSteps
        var loop = StepLoop(trainer: self, total: total)
        var current = StageRun(model: model, optimizer: optimizer, assembler: assembler)
        var stages: [StageSummary] = []
        for stage in plan(totalSteps: total) {
            let stageStart = Date()
            current = prepare(stage, after: current)
            try run(stage, on: current, loop: &loop, progress: progress)
            stages.append(StageSummary(stage, seconds: Date().timeIntervalSince(stageStart), batch: config.batchSize))
        }
        let trainSeconds = Date().timeIntervalSince(loop.trainStart)
        average?.swap()
        let recalibrationStart = Date()
        recalibrate()
        let evaluationStart = Date()
        let validation = accuracy(on: data.validation, indices: scored)
        let test = measureTest ? data.test.map { accuracy(on: $0) } : nil
        return TrainingSummary(
            valAccuracy: validation, testAccuracy: test, imagesPerSecond: Double(total * config.batchSize) / trainSeconds,
            seconds: Date().timeIntervalSince(start), params: model.parameterCount, macs: resolved.cost.macs,
            steps: total, finalLoss: loop.smoothedLoss, trainingSeconds: trainSeconds,
            recalibrationSeconds: evaluationStart.timeIntervalSince(recalibrationStart),
            evaluationSeconds: Date().timeIntervalSince(evaluationStart), evaluationImages: scored?.count ?? data.validation.count,
            stages: config.progressive == nil ? nil : stages)
    }

    /// One stage's steps on its model: a batch, forward and backward, the optimizer's update.
    func run(_ stage: ProgressiveStage, on current: StageRun, loop: inout StepLoop, progress: ((TrainingProgress) -> Void)?)
        throws(TrainingError)
    {
        let batch = config.batchSize
        for step in stage.steps {
            loop.sampler.next(into: &loop.indices)
            labels.withUnsafeMutableBufferPointer { labelBuffer in
                current.assembler.fill(
                    data.train, indices: loop.indices, augment: config.augment, generator: &loop.augmentation,
                    images: images.pointer, labels: labelBuffer.baseAddress!)
            }
            let (loss, correct) = labels.withUnsafeBufferPointer {
                current.model.trainStep(
                    images: images.pointer, labels: $0.baseAddress!, batch: batch, labelSmoothing: config.labelSmoothing,
                    generator: &loop.dropout)
            }
            guard loss.isFinite else { throw .nonFiniteLoss(step: step + 1, loss: loss) }
            let rate = loop.schedule.rate(at: step)
            current.optimizer.step(learningRate: rate)
            average?.update(from: current.model)
            let weight: Float = step == 0 ? 1 : 0.05
            loop.smoothedLoss += weight * (loss - loop.smoothedLoss)
            loop.smoothedAccuracy += Double(weight) * (Double(correct) / Double(batch) - loop.smoothedAccuracy)
            if let progress, step % 10 == 9 || step == loop.total - 1 {
                let elapsed = Date().timeIntervalSince(loop.trainStart)
                progress(
                    TrainingProgress(
                        step: step + 1, totalSteps: loop.total, epoch: Double((step + 1) * batch) / Double(data.train.count),
                        loss: loop.smoothedLoss, accuracy: loop.smoothedAccuracy, learningRate: rate,
                        imagesPerSecond: Double((step + 1) * batch) / elapsed, elapsed: elapsed,
                        stage: config.progressive == nil ? nil : stage, stages: config.progressive?.stages ?? 1))
            }
        }
    }

    /// BN statistics recomputed on `recalibrationBatches` training batches (no augmentation).
    func recalibrate() {
        var sampler = BatchSampler(
            count: data.train.count, batchSize: config.batchSize, generator: SeededGenerator(seed: config.seed &+ 0xBC), dropLast: true)
        var generator = SeededGenerator(seed: config.seed &+ 0xBD)
        var unused = SeededGenerator(seed: 0)
        var indices = [Int](repeating: 0, count: config.batchSize)
        let batches = min(config.recalibrationBatches, sampler.batchesPerEpoch)
        model.recalibrateBatchNorm(batches: batches, generator: &generator) { _ in
            sampler.next(into: &indices)
            labels.withUnsafeMutableBufferPointer {
                assembler.fill(data.train, indices: indices, augment: false, generator: &unused, images: images.pointer, labels: $0.baseAddress!)
            }
            return (UnsafePointer(images.pointer), config.batchSize)
        }
    }

    /// Top-1 accuracy on a set (inference mode: running BN statistics, no dropout).
    public func accuracy(on set: ImageSet, indices: [Int]? = nil) -> Double {
        Inference.accuracy(model: model, set: set, indices: indices, assembler: assembler, images: images, batchSize: config.batchSize)
    }
}

/// Inference over a whole image set in batches.
public enum Inference {
    /// Threads for the kernels and OpenBLAS in this process.
    public static func useThreads(_ count: Int) {
        configureThreads(count)
    }

    /// Top-1 accuracy on `set` (or on its images at `indices`), in that order, by the folded
    /// network (`InferenceModel`: batch norm inside the convolutions, as a deployment runs it);
    /// `logits`, when given, receives each batch's logits ([count, classes], row-major) as they
    /// are computed.
    public static func accuracy(
        model: Model, set: ImageSet, indices: [Int]? = nil, assembler: BatchAssembler, images: FloatBuffer, batchSize: Int,
        logits sink: ((UnsafeBufferPointer<Float>) -> Void)? = nil
    ) -> Double {
        let total = indices?.count ?? set.count
        guard total > 0 else { return 0 }
        let folded = InferenceModel(model.folded(), maxBatch: batchSize)
        var labels = [Int32](repeating: 0, count: batchSize)
        var generator = SeededGenerator(seed: 0)
        var correct = 0
        var start = 0
        while start < total {
            let count = min(batchSize, total - start)
            labels.withUnsafeMutableBufferPointer { labelBuffer in
                let (pixels, targets) = (images.pointer, labelBuffer.baseAddress!)
                if let indices {
                    assembler.fill(set, indices: indices[start..<(start + count)], augment: false, generator: &generator, images: pixels, labels: targets)
                } else {
                    assembler.fill(set, indices: start..<(start + count), augment: false, generator: &generator, images: pixels, labels: targets)
                }
                let logits = folded.forward(pixels, batch: count)
                let classes = model.architecture.network.classes
                correct += SoftmaxCrossEntropy.correct(logits: logits, labels: targets, batch: count, classes: classes)
                sink?(UnsafeBufferPointer(start: logits, count: count * classes))
            }
            start += count
        }
        return Double(correct) / Double(total)
    }
}
