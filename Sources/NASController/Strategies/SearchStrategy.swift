import NASRandom

/// One way of choosing architectures: REINFORCE (`ReinforceStrategy`), uniform
/// (`RandomStrategy`) or regularized evolution (`EvolutionStrategy`). `Controller` holds one,
/// next to what every strategy shares (the generator, the counters, the best seen), and
/// passes it the generator for every draw.
///
/// A strategy's state is `Codable` on its own: its encoding holds `config`, `decisionSizes`
/// and its own fields. The controller's saved state is one JSON object: the strategy's keys
/// plus the controller's (`format`, `generator`, counters, `best`), so the keys — and the
/// bytes — are those every format-2 state has always had (Docs/CONTROLLER.md).
protocol SearchStrategy: Codable, Sendable {
    /// A fresh strategy for a validated configuration and space; draws its initial state (if
    /// any) from `generator`.
    init(config: ControllerConfig, decisionSizes: [Int], generator: inout SeededGenerator)

    var config: ControllerConfig { get }
    var decisionSizes: [Int] { get }

    /// The next `count` (≥ 0) architectures, one index per decision each.
    mutating func propose(count: Int, generator: inout SeededGenerator) -> [[Int]]

    /// Learns from a batch's successful trials, in batch order. The controller counts the
    /// failed ones (nil or non-finite reward) and leaves them out, and does not call this
    /// when every trial of the batch failed: a failure teaches no strategy anything.
    mutating func update(evaluated: [Member])

    /// The architecture the strategy would bet on; `best` is the best trial seen so far.
    func mostLikely(best: Member?) -> [Int]

    /// The strategy's part of `ControllerStatistics`.
    var statistics: StrategyStatistics { get }
}

extension SearchStrategy {
    /// The best architecture seen so far (the first of equals), or all zeros before any success.
    func mostLikely(best: Member?) -> [Int] {
        best?.decisions ?? Array(repeating: 0, count: decisionSizes.count)
    }
}

/// What a strategy adds to the controller's statistics (Docs/CONTROLLER.md).
struct StrategyStatistics: Hashable, Sendable {
    /// REINFORCE's moving-average baseline.
    var baseline: Double?
    /// Mean nats per decision of what the strategy proposes from.
    var entropy: Double?
    /// Evolution's current population.
    var populationSize: Int?
}

extension StrategyKind {
    /// The type that implements this strategy: the one place a kind becomes a type.
    var type: any SearchStrategy.Type {
        switch self {
        case .reinforce: ReinforceStrategy.self
        case .random: RandomStrategy.self
        case .evolution: EvolutionStrategy.self
        }
    }
}

/// The keys every strategy's encoding shares with the controller's.
enum SharedStrategyKeys: String, CodingKey {
    case config, decisionSizes
}

extension SearchStrategy {
    /// Encodes `config` and `decisionSizes`; each strategy then adds its own keys.
    func encodeShared(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: SharedStrategyKeys.self)
        try c.encode(config, forKey: .config)
        try c.encode(decisionSizes, forKey: .decisionSizes)
    }
}

/// Decodes and validates `config` and `decisionSizes` (the start of every strategy's decoding).
func decodeShared(from decoder: any Decoder) throws -> (ControllerConfig, [Int]) {
    let c = try decoder.container(keyedBy: SharedStrategyKeys.self)
    let config = try c.decode(ControllerConfig.self, forKey: .config)
    let sizes = try c.decode([Int].self, forKey: .decisionSizes)
    do {
        try config.validate()
        try Controller.validate(sizes: sizes)
    } catch { throw ControllerError.undecodableState(error.description) }
    return (config, sizes)
}
