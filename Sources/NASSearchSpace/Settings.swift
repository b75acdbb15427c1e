/// The built-in trainer's recipe for every candidate (the proxy task), as plain values: the
/// search turns them into its trainer's configuration. Defaults are the trainer's own
/// (Docs/TRAINING.md) except `resolution`, which a search always fixes.
public struct ProxySettings: Codable, Hashable, Sendable {
    public static let datasets = ["fashion-mnist", "cifar10", "folder"]

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
