import NASRecipe

/// The built-in trainer's recipe for every candidate (the proxy task), as plain values: the
/// search turns them into its trainer's configuration (`trainingConfig(seed:)`). Defaults and
/// bounds are the trainer's own (`TrainingConfig`, Docs/TRAINING.md), read from it, not
/// repeated; only the data and `resolution` are the proxy's. The Codable keys are a stored
/// format (runs keep these settings in their config): they never change.
public struct ProxySettings: Codable, Hashable, Sendable {
    public static let datasets = ["fashion-mnist", "cifar10", "folder"]

    // Bounds of the proxy task (Docs/SEARCH_SPACES.md, "Bounds"): the trainer's, which
    // `nas search --steps/--epochs` use too.

    /// Training resolution: proxies train small (32–224); 1024 is already slow on a CPU.
    public static let resolutionRange = TrainingConfig.resolutionRange
    /// Proxy width and depth multipliers: (0, maxMultiplier].
    public static let maxMultiplier = TrainingConfig.maxMultiplier
    /// Passes over the training split: (0, maxEpochs].
    public static let maxEpochs = TrainingConfig.maxEpochs
    /// Optimizer steps per candidate.
    public static let stepsRange = TrainingConfig.stepsRange
    /// Batch size (batch norm needs 2).
    public static let batchRange = TrainingConfig.batchRange
    /// Images held out for validation (a property of the data, not of the recipe).
    public static let validationRange = 1...10_000_000
    /// Threads per training.
    public static let threadsRange = TrainingConfig.threadsRange

    /// fashion-mnist, cifar10 or folder.
    public var dataset = "fashion-mnist"
    /// Data location (needed by cifar10 and folder), as `nas train --data`: relative paths
    /// are relative to the working directory.
    public var data: String?
    /// Images held out of the training set for validation; nil = the dataset's default.
    public var validation: Int?
    /// Training resolution of the proxy task. Always a number, unlike the trainer's nil (the
    /// dataset's image size): a command evaluator's budget, the step-time benchmark and the
    /// report read it without loading data. 32: CIFAR-10's size (Fashion-MNIST's 28 is resized
    /// to it), small enough for a CPU.
    public var resolution = 32
    /// Proxy multipliers applied to every candidate before training.
    public var width = TrainingConfig.defaults.width
    public var depth = TrainingConfig.defaults.depth
    /// Passes over the training split; `steps`, when set, replaces it.
    public var epochs = TrainingConfig.defaults.epochs
    public var steps = TrainingConfig.defaults.steps
    public var batch = TrainingConfig.defaults.batchSize
    // Doubles (the stored format) written as the trainer's Float defaults print: 0.2, 0.1.
    public var learningRate = TrainingConfig.decimal(TrainingConfig.defaults.learningRate)
    public var labelSmoothing = TrainingConfig.decimal(TrainingConfig.defaults.labelSmoothing)
    /// Always a rate: the trainer's brief-training default is one (nil there would mean the
    /// architecture's, which a proxy never uses).
    public var dropout = TrainingConfig.defaults.dropout!
    public var dropConnect = TrainingConfig.defaults.dropConnect!
    public var augment = TrainingConfig.defaults.augment
    public var threads = TrainingConfig.defaults.threads
    /// The stem's stride while training (1 or 2); nil = each candidate's own. MACs for the
    /// reward are still counted on the candidate as it is.
    public var stemStride: Int?
    /// Learning-rate schedule after warmup, warmup as a fraction of all steps, and training
    /// batches over which batch-norm statistics are re-estimated before scoring (0 = the
    /// running averages); nil = the trainer's (cosine, 0.05, 20).
    public var schedule: LearningRateSchedule.Kind?
    public var warmup: Double?
    public var recalibration: Int?
    /// Validation images each trained candidate is scored on: a fixed, class-stratified
    /// subset of the held-out split (the same for every trial); nil = the whole split. It
    /// changes only the scoring, not the data: a study's budgets may differ in it.
    public var evaluationImages: Int?

    /// Re-estimating batch-norm statistics: at most this many training batches.
    public static let recalibrationRange = TrainingConfig.recalibrationRange
    /// Validation images scored (more than the split holds: the whole split).
    public static let evaluationImagesRange = TrainingConfig.evaluationImagesRange

    public init() {}

    /// Whether `other` trains and scores on the same images (dataset, location, held-out
    /// split): budgets compared with each other (a study's, a promotion's rungs) must. Scoring
    /// a subset of the same split (`evaluationImages`) is the same data.
    public func usesSameData(as other: ProxySettings) -> Bool {
        (dataset, data, validation) == (other.dataset, other.data, other.validation)
    }

    enum CodingKeys: String, CodingKey {
        case dataset, data, validation, resolution, width, depth, epochs, steps, batch
        case learningRate = "learning_rate"
        case labelSmoothing = "label_smoothing"
        case dropout
        case dropConnect = "drop_connect"
        case augment, threads
        case stemStride = "stem_stride"
        case schedule, warmup, recalibration
        case evaluationImages = "evaluation_images"
    }

    /// The trainer's configuration for one trial: `TrainingConfig`'s defaults with these
    /// settings on top. The one place proxy settings become a recipe.
    public func trainingConfig(seed: UInt64) -> TrainingConfig {
        var config = TrainingConfig()
        config.epochs = epochs
        config.steps = steps
        config.batchSize = batch
        config.learningRate = Float(learningRate)
        config.labelSmoothing = Float(labelSmoothing)
        config.dropout = dropout
        config.dropConnect = dropConnect
        config.augment = augment
        config.resolution = resolution
        config.width = width
        config.depth = depth
        config.threads = threads
        config.stemStride = stemStride
        if let schedule { config.schedule = schedule }
        if let warmup { config.warmupFraction = warmup }
        if let recalibration { config.recalibrationBatches = recalibration }
        config.evaluationImages = evaluationImages
        config.seed = seed
        return config
    }
}

/// How a search over the space runs, unless the command line says otherwise.
public struct SearchSettings: Codable, Hashable, Sendable {
    /// Sampled trials of one run (`search.trials`, `nas search/resume --trials`): a million
    /// proxy trainings is far past any CPU search.
    public static let trialsRange = 1...1_000_000
    /// Architectures per controller update (`search.batch`, `nas search --batch`).
    public static let batchRange = 1...4096

    /// Architectures sampled per controller update.
    public var batch = 8
    /// Candidates trained in all.
    public var trials = 64
    /// Controller strategy name; the search refuses one it does not implement.
    public var strategy = "reinforce"
    /// Reference networks trained like candidates: model names, or the names of inline ones.
    public var references: [String] = []

    public init() {}
}
