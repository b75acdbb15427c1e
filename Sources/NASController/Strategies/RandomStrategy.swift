import NASRandom

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Every decision uniform, independently: the baseline every other strategy must beat. Learns
/// nothing; its state is only its configuration and space.
struct RandomStrategy: SearchStrategy {
    let config: ControllerConfig
    let decisionSizes: [Int]

    init(config: ControllerConfig, decisionSizes: [Int], generator: inout SeededGenerator) {
        self.config = config
        self.decisionSizes = decisionSizes
    }

    mutating func propose(count: Int, generator: inout SeededGenerator) -> [[Int]] {
        (0..<count).map { _ in RandomStrategy.architecture(decisionSizes, &generator) }
    }

    /// One architecture: one word per decision.
    static func architecture(_ sizes: [Int], _ generator: inout SeededGenerator) -> [Int] {
        sizes.map { generator.nextIndex($0) }
    }

    mutating func update(evaluated: [Member]) {}

    /// Mean ln(options).
    var statistics: StrategyStatistics {
        StrategyStatistics(entropy: decisionSizes.reduce(0) { $0 + log(Double($1)) } / Double(decisionSizes.count))
    }

    func encode(to encoder: any Encoder) throws {
        try encodeShared(to: encoder)
    }

    init(from decoder: any Decoder) throws {
        (config, decisionSizes) = try decodeShared(from: decoder)
    }
}
