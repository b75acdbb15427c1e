import ArgumentParser
import Foundation
import NASFormatting
import NASModel
import NASRecipe
import NASTraining

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an architecture with the shared trainer and report validation accuracy.",
        discussion: """
            Examples:
              nas train efficientnet-b0 --dataset fashion-mnist --resolution 32 --width 0.5 --epochs 3 --json
              nas train my-net.arch --dataset cifar10 --data cifar10-jpeg.tar.gz --epochs 5 --out runs/my-net
            """
    )

    @Argument(help: "A named model or an architecture file.")
    var arch: String

    @OptionGroup var data: DatasetOptions

    @Option(help: "Passes over the training split.") var epochs: Double?
    @Option(help: "Optimizer steps (instead of --epochs).") var steps: Int?
    // Defaults are the recipe's (TrainingConfig), so `--help` shows what the trainer uses.
    @Option(help: "Batch size.") var batch = recipe.batchSize
    @Option(help: "Training resolution (default: the dataset's image size).") var resolution: Int?
    @Option(help: "Width multiplier for proxy training.") var width = recipe.width
    @Option(help: "Depth multiplier for proxy training.") var depth = recipe.depth
    @Option(help: "The stem's stride while training, 1 or 2 (default: the architecture's; 1 keeps a 32-px image's resolution through the stem).")
    var stemStride: Int?
    @Option(help: "Peak learning rate.") var lr = recipe.learningRate
    @Option(help: "sgd (Nesterov momentum) or rmsprop (EfficientNet's).") var optimizer = recipe.optimizer.kind
    @Option(help: "cosine, exponential or constant after warmup.") var schedule = recipe.schedule
    @Option(help: "Training batches over which batch-norm statistics are re-estimated before evaluation (0: the running averages).")
    var recalibration = recipe.recalibrationBatches
    @Option(help: "L2 weight decay on conv and dense weights.") var weightDecay = recipe.optimizer.weightDecay
    @Option(help: "Label smoothing.") var labelSmoothing = recipe.labelSmoothing
    @Flag(help: "Random crops (and flips for CIFAR-10 and folders) on training batches.") var augment = recipe.augment
    @Option(help: "Evaluate with an EMA of the weights with this decay (e.g. 0.999).") var ema: Float?
    @Option(help: "Dropout before the classifier (brief-training default \(Formatting.shortest(recipe.dropout!)); EfficientNet uses 0.2–0.5).")
    var dropout = recipe.dropout!
    @Option(help: "Drop-connect rate of the last block (brief-training default \(Formatting.shortest(recipe.dropConnect!)); EfficientNet uses 0.2).")
    var dropConnect = recipe.dropConnect!
    @Option(help: "Random seed (initialization, order, augmentation, dropout).") var seed = recipe.seed
    @Option(help: "Threads for the kernels and OpenBLAS.") var threads = recipe.threads
    @Option(help: "Save the trained model (architecture, weights, config) to this folder.") var out: String?
    @Flag(help: "Also report accuracy on the test split (final models only; never for search).") var test = false
    @Flag(help: "Print one JSON line at the end.") var json = false

    func validate() throws {
        if epochs != nil, steps != nil { throw CommandError("give --epochs or --steps, not both: each sets the training budget") }
        do { try config.validate() } catch { throw CommandError(error.description) }
    }

    var config: TrainingConfig {
        var config = TrainingConfig()
        if let epochs { config.epochs = epochs }
        config.steps = steps
        config.batchSize = batch
        config.learningRate = lr
        config.optimizer.kind = optimizer
        config.optimizer.weightDecay = weightDecay
        config.schedule = schedule
        config.recalibrationBatches = recalibration
        config.labelSmoothing = labelSmoothing
        config.augment = augment
        config.emaDecay = ema
        config.seed = seed
        config.threads = threads
        config.resolution = resolution
        config.width = width
        config.depth = depth
        config.stemStride = stemStride
        config.dropout = dropout
        config.dropConnect = dropConnect
        return config
    }

    func run() throws {
        let network = try ArchitectureOptions.load(arch)
        let progress = ProgressLine()
        let splits = try data.load()
        let trainer = try Trainer(architecture: network, data: splits, config: config)
        progress.message(
            "training \(trainer.network.name) on \(splits.name) (\(splits.train.count) train, \(splits.validation.count) val) "
                + "at \(trainer.resolved.resolution)x\(trainer.resolved.resolution): \(trainer.model.parameterCount) params, "
                + "\(trainer.resolved.cost.macs) MACs, \(trainer.totalSteps) steps of \(batch)")
        let summary = try trainer.train(measureTest: test) { progress.update($0) }
        if let out {
            try ModelFolder.save(trainer, summary: summary, dataset: data.dataset, dataPath: data.data, to: URL(fileURLWithPath: out))
        }
        if json {
            try printJSON(summary)
        } else {
            var line = String(format: "val_accuracy %.4f", summary.valAccuracy)
            if let test = summary.testAccuracy { line += String(format: "  test_accuracy %.4f", test) }
            line += String(format: "  %.0f img/s  %.1f s", summary.imagesPerSecond, summary.seconds)
            print(line)
        }
    }
}

/// The trainer's defaults, which `nas train`'s options start from.
private let recipe = TrainingConfig.defaults

extension OptimizerConfig.Kind: ExpressibleByArgument {}
extension LearningRateSchedule.Kind: ExpressibleByArgument {}
