import NASArchitecture
import NASData
import NASKernels
import NASModel
import NASRandom
import NASRecipe
import NASSupernet
import NASTraining

/// The supernet and the data it trains and scores on, with the proxy's recipe: one path
/// trained per step (the recipe's learning-rate schedule spread over all the search's steps),
/// candidates scored on a validation batch with the shared weights.
final class SharedTraining {
    let supernet: Supernet
    let data: DatasetSplits
    let config: TrainingConfig
    let schedule: LearningRateSchedule
    let assembler: BatchAssembler
    let images: FloatBuffer
    var labels: [Int32]
    /// The largest network's predictions for the training batch (sandwich steps).
    let teacher: FloatBuffer
    /// The scoring batch of the current update: images and labels.
    let scoreImages: FloatBuffer
    var scoreLabels: [Int32]
    var scoreCount = 0
    /// Fixed training batches for per-candidate BN recalibration.
    let recalibrationImages: [FloatBuffer]

    /// `largest`: the space's largest network (`SearchSpace.largestNetwork`).
    init(largest: Network, data: DatasetSplits, config: TrainingConfig, steps: Int, scoreImages: Int, recalibration: Int) throws {
        self.data = data
        self.config = config
        configureThreads(config.threads)
        let network = try Trainer.network(for: largest, data: data, config: config)
        var generator = SeededGenerator(seed: config.seed)
        supernet = Supernet(
            largest: network.resolved(resolution: network.resolution), maxBatch: max(config.batchSize, scoreImages),
            optimizer: config.optimizer, generator: &generator)
        schedule = LearningRateSchedule(
            kind: config.schedule, peak: config.learningRate, warmupSteps: Int(Double(steps) * config.warmupFraction),
            totalSteps: steps, decaySteps: max(1, Int(2.4 * Double(data.train.count / config.batchSize))))
        let resolution = network.resolution
        let assembler = BatchAssembler(data, outputSize: resolution)
        self.assembler = assembler
        let imageSize = resolution * resolution * data.train.channels
        images = FloatBuffer(config.batchSize * imageSize)
        labels = Array(repeating: 0, count: config.batchSize)
        teacher = FloatBuffer(config.batchSize * data.train.classNames.count)
        self.scoreImages = FloatBuffer(scoreImages * imageSize)
        scoreLabels = Array(repeating: 0, count: scoreImages)
        // Recalibration batches: the first training images, the same for every candidate.
        var unused = SeededGenerator(seed: 0)
        var labels = [Int32](repeating: 0, count: config.batchSize)
        recalibrationImages = (0..<recalibration).map { k in
            let buffer = FloatBuffer(config.batchSize * imageSize)
            let start = (k * config.batchSize) % max(1, data.train.count - config.batchSize + 1)
            labels.withUnsafeMutableBufferPointer {
                assembler.fill(
                    data.train, indices: start..<(start + config.batchSize), augment: false, generator: &unused,
                    images: buffer.pointer, labels: $0.baseAddress!)
            }
            return buffer
        }
    }

    /// A point of the space as trained here (width, stem, classes, resolution); with
    /// `scoring`, without dropout or drop-connect (scoring runs BN in training mode).
    func resolved(_ architecture: Network, scoring: Bool) throws -> ResolvedNetwork {
        var config = self.config
        if scoring { (config.dropout, config.dropConnect) = (0, 0) }
        let network = try Trainer.network(for: architecture, data: data, config: config)
        return network.resolved(resolution: network.resolution)
    }

    /// One step on training images `indices`; the loss of `architecture`'s path. With a
    /// `sandwich` (the space's largest and smallest networks: BigNAS's sandwich rule), the
    /// largest trains first on the labels, then the smallest and `architecture` on the largest's
    /// predictions for the same images (in-place distillation) — each path its own optimizer
    /// step, in that order.
    func train(_ architecture: Network, sandwich: Sandwich? = nil, indices: [Int], step: Int,
               augmentation: inout SeededGenerator, dropout: inout SeededGenerator) throws -> Float {
        labels.withUnsafeMutableBufferPointer {
            assembler.fill(data.train, indices: indices, augment: config.augment, generator: &augmentation, images: images.pointer,
                           labels: $0.baseAddress!)
        }
        let rate = schedule.rate(at: step)
        guard let sandwich else { return try train(architecture, batch: indices.count, rate: rate, dropout: &dropout) }
        _ = try train(sandwich.largest, batch: indices.count, rate: rate, dropout: &dropout, teach: true)
        _ = try train(sandwich.smallest, batch: indices.count, rate: rate, dropout: &dropout, learn: true)
        return try train(architecture, batch: indices.count, rate: rate, dropout: &dropout, learn: true)
    }

    /// The networks a sandwich step trains besides the sampled one.
    struct Sandwich {
        let largest: Network
        let smallest: Network
    }

    /// One step of `architecture`'s path on the loaded images: on the labels, or on `teacher`'s
    /// predictions (`learn`); with `teach`, its own predictions are kept as the next teacher.
    private func train(_ architecture: Network, batch: Int, rate: Float, dropout: inout SeededGenerator,
                       teach: Bool = false, learn: Bool = false) throws -> Float {
        let path = try supernet.path(try resolved(architecture, scoring: false))
        let loss = labels.withUnsafeBufferPointer {
            path.trainStep(images: images.pointer, labels: $0.baseAddress!, batch: batch, labelSmoothing: config.labelSmoothing,
                           learningRate: rate, teacher: learn ? UnsafePointer(teacher.pointer) : nil, generator: &dropout).loss
        }
        if teach { path.model.probabilities(batch: batch, into: teacher.pointer) }
        return loss
    }

    /// Loads the validation images every candidate of the next update is scored on.
    func prepareScoring(indices: [Int]) {
        var unused = SeededGenerator(seed: 0)
        scoreCount = indices.count
        scoreLabels.withUnsafeMutableBufferPointer {
            assembler.fill(data.validation, indices: indices, augment: false, generator: &unused, images: scoreImages.pointer,
                           labels: $0.baseAddress!)
        }
    }

    /// Accuracy with the shared weights on `images` validation images, scored `chunk` at a
    /// time: the same images for every architecture, drawn from one fixed shuffle of the split
    /// (a split stored class by class would give one-class chunks, and batch norm on a chunk's
    /// own statistics needs a mixed batch).
    ///
    /// With `finetune`, the path first trains that many steps alone on the inherited weights
    /// (the supernet unchanged: the path's copy trains, nothing is stored), at `rate`, on the
    /// same training batches for every architecture.
    func score(_ architecture: Network, images: Int, chunk: Int, batchNorm: OneShotPlan.BatchNormScoring,
               finetune: Int = 0, rate: Float = 0) throws -> Double {
        var sampler = BatchSampler(count: data.validation.count, batchSize: chunk, generator: SeededGenerator(seed: 0x5C0E), dropLast: false)
        let path = try scoringPath(architecture, batchNorm: batchNorm, finetune: finetune, rate: rate)
        var correct = 0.0
        var done = 0
        while done < images {
            let indices = Array(sampler.next().prefix(images - done))
            prepareScoring(indices: indices)
            correct += accuracy(path, batchNorm: batchNorm) * Double(indices.count)
            done += indices.count
        }
        return correct / Double(max(1, images))
    }

    /// Accuracy of `architecture` with the shared weights on the scoring batch. Nothing
    /// shared changes (the path is not stored).
    func score(_ architecture: Network, batchNorm: OneShotPlan.BatchNormScoring) throws -> Double {
        accuracy(try scoringPath(architecture, batchNorm: batchNorm), batchNorm: batchNorm)
    }

    /// The architecture's path, fine-tuned alone `finetune` steps if asked, its BN statistics
    /// re-estimated when scoring asks for it.
    private func scoringPath(_ architecture: Network, batchNorm: OneShotPlan.BatchNormScoring, finetune: Int = 0,
                             rate: Float = 0) throws -> SupernetPath {
        let path = try supernet.path(try resolved(architecture, scoring: true))
        if finetune > 0 { train(alone: path, steps: finetune, rate: rate) }
        if batchNorm == .recalibrate { recalibrate(path) }
        return path
    }

    private func recalibrate(_ path: SupernetPath) {
        var unused = SeededGenerator(seed: 0)
        path.model.recalibrateBatchNorm(batches: recalibrationImages.count, generator: &unused) { k in
            (UnsafePointer(recalibrationImages[k].pointer), config.batchSize)
        }
    }

    /// Trains `path` `steps` steps alone from its inherited weights, without dropout or
    /// augmentation, on training batches from one fixed shuffle; never stored.
    private func train(alone path: SupernetPath, steps: Int, rate: Float) {
        var sampler = BatchSampler(count: data.train.count, batchSize: config.batchSize, generator: SeededGenerator(seed: 0xF17E))
        var unused = SeededGenerator(seed: 0)
        for _ in 0..<steps {
            let indices = sampler.next()
            labels.withUnsafeMutableBufferPointer {
                assembler.fill(data.train, indices: indices, augment: false, generator: &unused, images: images.pointer, labels: $0.baseAddress!)
            }
            _ = labels.withUnsafeBufferPointer {
                path.model.trainStep(images: images.pointer, labels: $0.baseAddress!, batch: indices.count, labelSmoothing: config.labelSmoothing,
                                     generator: &unused)
            }
            path.optimizer.step(learningRate: rate)
        }
    }

    /// The path's accuracy on the scoring batch: with that batch's own BN statistics, or the
    /// recalibrated ones.
    private func accuracy(_ path: SupernetPath, batchNorm: OneShotPlan.BatchNormScoring) -> Double {
        var unused = SeededGenerator(seed: 0)
        let logits = path.model.forward(scoreImages.pointer, batch: scoreCount, training: batchNorm == .batch, generator: &unused)
        let correct = scoreLabels.withUnsafeBufferPointer {
            SoftmaxCrossEntropy.correct(logits: logits, labels: $0.baseAddress!, batch: scoreCount, classes: data.train.classNames.count)
        }
        return Double(correct) / Double(max(1, scoreCount))
    }
}
