/// The built-in trainer's recipe for every candidate (the proxy task), as plain values: the
/// search turns them into its trainer's configuration. Defaults are the trainer's own
/// (Docs/TRAINING.md) except `resolution`, which a search always fixes.
public struct ProxySettings: Codable, Hashable, Sendable {
    public static let datasets = ["fashion-mnist", "cifar10", "folder"]

    // Bounds of the proxy task (Docs/SEARCH_SPACES.md, "Bounds"); `nas search --steps/--epochs`
    // use the same ones.

    /// Training resolution: proxies train small (32–224); 1024 is already slow on a CPU.
    public static let resolutionRange = 8...1024
    /// Proxy width and depth multipliers: (0, maxMultiplier].
    public static let maxMultiplier = 8.0
    /// Passes over the training split: (0, maxEpochs].
    public static let maxEpochs = 1000.0
    /// Optimizer steps per candidate.
    public static let stepsRange = 1...10_000_000
    /// Batch size (batch norm needs 2).
    public static let batchRange = 2...4096
    /// Images held out for validation.
    public static let validationRange = 1...10_000_000
    /// Threads per training.
    public static let threadsRange = 1...256

    /// fashion-mnist, cifar10 or folder.
    public var dataset = "fashion-mnist"
    /// Data location (needed by cifar10 and folder), as `nas train --data`: relative paths
    /// are relative to the working directory.
    public var data: String?
    /// Images held out of the training set for validation; nil = the dataset's default.
    public var validation: Int?
    /// Training resolution of the proxy task.
    public var resolution = 32
    /// Proxy multipliers applied to every candidate before training.
    public var width = 1.0
    public var depth = 1.0
    /// Passes over the training split; `steps`, when set, replaces it.
    public var epochs = 1.0
    public var steps: Int?
    public var batch = 128
    public var learningRate = 0.2
    public var labelSmoothing = 0.1
    public var dropout = 0.1
    public var dropConnect = 0.0
    public var augment = false
    public var threads = 1

    public init() {}

    enum CodingKeys: String, CodingKey {
        case dataset, data, validation, resolution, width, depth, epochs, steps, batch
        case learningRate = "learning_rate"
        case labelSmoothing = "label_smoothing"
        case dropout
        case dropConnect = "drop_connect"
        case augment, threads
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
