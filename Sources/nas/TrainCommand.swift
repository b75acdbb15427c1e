import ArgumentParser
import Foundation
import NASArchitecture
import NASData
import NASFormatting
import NASModel
import NASPresentation
import NASRecipe
import NASSearch
import NASTraining

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an architecture, or a run's trial, with the shared trainer and report validation accuracy.",
        discussion: """
            A run folder (or with --storage a run's name) trains its trial --trial (best by default) with the recipe the search evaluated it with — its data, resolution, width, stem stride, budget and seed, so without options it measures the trial again — and any option given here instead (a full budget, say).

            Examples:
              nas train efficientnet-b0 --dataset fashion-mnist --resolution 32 --width 0.5 --epochs 3 --json
              nas train my-net.arch --dataset cifar10 --data cifar10-jpeg.tar.gz --epochs 5 --out runs/my-net
              nas train Runs/pets --trial best --epochs 30 --out models/pets
            """
    )

    @Argument(help: "A named model, an architecture file, or a run (folder, or name with --storage).")
    var arch: String

    @Option(help: "With a run: best (the default), leader, promoted or a trial number, as for `nas export`.")
    var trial: String?

    @OptionGroup var storage: StorageOptions
    @OptionGroup var data: DatasetOptions

    // Every recipe option defaults to a run trial's recipe, else the trainer's (TrainingConfig).
    @Option(help: "Passes over the training split (default: \(Formatting.shortest(recipe.epochs))).") var epochs: Double?
    @Option(help: "Optimizer steps (instead of --epochs).") var steps: Int?
    @Option(help: "Batch size (default: \(recipe.batchSize)).") var batch: Int?
    @Option(help: "Training resolution (default: the dataset's image size).") var resolution: Int?
    @Option(help: "Width multiplier for proxy training (default: \(Formatting.shortest(recipe.width))).") var width: Double?
    @Option(help: "Depth multiplier for proxy training (default: \(Formatting.shortest(recipe.depth))).") var depth: Double?
    @Option(help: "The stem's stride while training, 1 or 2 (default: the architecture's; 1 keeps a 32-px image's resolution through the stem).")
    var stemStride: Int?
    @Option(help: "Peak learning rate (default: \(Formatting.shortest(TrainingConfig.decimal(recipe.learningRate)))).") var lr: Float?
    @Option(help: "sgd (Nesterov momentum, the default) or rmsprop (EfficientNet's).") var optimizer: OptimizerConfig.Kind?
    @Option(help: "cosine (the default), exponential or constant after warmup.") var schedule: LearningRateSchedule.Kind?
    @Option(help: "Training batches over which batch-norm statistics are re-estimated before evaluation (0: the running averages; default: \(recipe.recalibrationBatches)).")
    var recalibration: Int?
    @Option(help: "Score the trained network on this many validation images: a fixed, class-stratified subset of the split, the same in every training (default: the whole split, as does a number above its size). The training data and the split do not change.")
    var evaluationImages: Int?
    @Option(help: "L2 weight decay on conv and dense weights (default: \(Formatting.shortest(TrainingConfig.decimal(recipe.optimizer.weightDecay)))).")
    var weightDecay: Float?
    @Option(help: "Label smoothing (default: \(Formatting.shortest(TrainingConfig.decimal(recipe.labelSmoothing)))).") var labelSmoothing: Float?
    @Flag(inversion: .prefixedNo, help: "Random crops (and flips for CIFAR-10 and folders) on training batches (default: off).")
    var augment: Bool?
    @Option(help: "Evaluate with an EMA of the weights with this decay (e.g. 0.999).") var ema: Float?
    @Option(help: "Dropout before the classifier (brief-training default \(Formatting.shortest(recipe.dropout!)); EfficientNet uses 0.2–0.5).")
    var dropout: Double?
    @Option(help: "Drop-connect rate of the last block (brief-training default \(Formatting.shortest(recipe.dropConnect!)); EfficientNet uses 0.2).")
    var dropConnect: Double?
    @Flag(help: "EfficientNetV2's progressive learning: the steps in stages whose image size and dropout (and with --augment the crop padding) grow linearly to the recipe's; evaluation at the training resolution (Docs/TRAINING.md).")
    var progressive = false
    @Option(help: "With --progressive: stages, \(ProgressiveLearning.stagesRange.lowerBound)–\(ProgressiveLearning.stagesRange.upperBound) (default: \(ProgressiveLearning().stages)).")
    var progressiveStages: Int?
    @Option(help: "With --progressive: the first stage's image size in pixels, up to the training resolution (default: half of it, at least \(TrainingConfig.resolutionRange.lowerBound)).")
    var progressiveStartSize: Int?
    @Option(help: "With --progressive: the first stage's dropout; the last stage's is --dropout's (default: \(Formatting.shortest(ProgressiveLearning().startDropout))).")
    var progressiveStartDropout: Double?
    @Option(help: "Random seed (initialization, order, augmentation, dropout; default: \(recipe.seed)).") var seed: UInt64?
    @Option(help: "Threads for the kernels and OpenBLAS (default: \(recipe.threads)).") var threads: Int?
    @Option(help: "Save the trained model (architecture, weights, config) to this folder.") var out: String?
    @Flag(help: "Also report accuracy on the test split (final models only; never for search).") var test = false
    @Flag(help: "Print one JSON line at the end.") var json = false

    func validate() throws {
        if epochs != nil, steps != nil { throw CommandError("give --epochs or --steps, not both: each sets the training budget") }
        if !progressive, progressiveStages != nil || progressiveStartSize != nil || progressiveStartDropout != nil {
            throw CommandError("--progressive-stages, --progressive-start-size and --progressive-start-dropout go with --progressive")
        }
        if trial != nil, !isRun { throw CommandError("--trial picks a trial of a run; '\(arch)' is not a run folder (it has no \(RunDirectory.databaseName))") }
        if !isRun { do { try config(base: TrainingConfig()).validate() } catch { throw CommandError(error.description) } }
    }

    /// A run folder, or any name with --storage.
    var isRun: Bool { storage.storage != nil || FileManager.default.fileExists(atPath: RunDirectory(arch).database) }

    /// `base` (the trainer's defaults, or a run trial's recipe) with the options given.
    func config(base: TrainingConfig) -> TrainingConfig {
        var config = base
        if let epochs { (config.epochs, config.steps) = (epochs, nil) }
        if let steps { config.steps = steps }
        if let batch { config.batchSize = batch }
        if let lr { config.learningRate = lr }
        if let optimizer { config.optimizer.kind = optimizer }
        if let weightDecay { config.optimizer.weightDecay = weightDecay }
        if let schedule { config.schedule = schedule }
        if let recalibration { config.recalibrationBatches = recalibration }
        if let evaluationImages { config.evaluationImages = evaluationImages }
        if let labelSmoothing { config.labelSmoothing = labelSmoothing }
        if let augment { config.augment = augment }
        if let ema { config.emaDecay = ema }
        if let seed { config.seed = seed }
        if let threads { config.threads = threads }
        if let resolution { config.resolution = resolution }
        if let width { config.width = width }
        if let depth { config.depth = depth }
        if let stemStride { config.stemStride = stemStride }
        if let dropout { config.dropout = dropout }
        if let dropConnect { config.dropConnect = dropConnect }
        if progressive {
            var learning = ProgressiveLearning()
            if let progressiveStages { learning.stages = progressiveStages }
            if let progressiveStartDropout { learning.startDropout = progressiveStartDropout }
            learning.startResolution = progressiveStartSize
            config.progressive = learning
        }
        return config
    }

    func run() throws {
        let network: Network, config: TrainingConfig, source: DatasetOptions.Source
        if isRun {
            try storage.check(run: arch)
            let run = try Export.training(storage.location(arch), trial: trial ?? "best")
            guard let kind = DatasetKind(rawValue: run.proxy.dataset) else {
                throw CommandError("the run's proxy dataset '\(run.proxy.dataset)' is not one this version reads")
            }
            (network, source) = (run.network, data.source(defaults: .init(kind: kind, path: run.proxy.data, validation: run.proxy.validation)))
            config = self.config(base: run.proxy.trainingConfig(seed: run.trial.seed))
            do { try config.validate() } catch { throw CommandError(error.description) }
        } else {
            (network, config, source) = (try ArchitectureOptions.load(arch), self.config(base: TrainingConfig()), data.source())
        }
        let progress = ProgressLine()
        let splits = try data.load(source)
        let trainer = try Trainer(architecture: network, data: splits, config: config)
        progress.message(
            "training \(trainer.network.name) on \(splits.name) (\(splits.train.count) train, \(splits.validation.count) val"
                + (trainer.scored.map { ", \($0.count) of them scored" } ?? "") + ") "
                + "at \(trainer.resolved.resolution)x\(trainer.resolved.resolution): \(trainer.model.parameterCount) params, "
                + "\(trainer.resolved.cost.macs) MACs, \(trainer.totalSteps) steps of \(config.batchSize)")
        if config.progressive != nil {
            progress.message("progressive learning: " + trainer.stages.map { stage in
                "\(stage.resolution) px, dropout \(String(format: "%.3g", stage.dropout))"
                    + (config.augment ? ", crop padding \(stage.cropPadding)" : "") + " for \(stage.steps.count) steps"
            }.joined(separator: "; "))
        }
        let summary = try trainer.train(measureTest: test) { progress.update($0) }
        if let out {
            try ModelFolder.save(trainer, summary: summary, dataset: source.kind, dataPath: source.path, to: URL(fileURLWithPath: out))
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
