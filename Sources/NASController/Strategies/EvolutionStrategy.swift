import NASRandom

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Regularized (aging) evolution, Real et al. 2019, batch-synchronous: random architectures
/// until the population is full, then each child is one mutation of a tournament's winner;
/// a batch's successful trials join the population and the oldest members leave.
struct EvolutionStrategy: SearchStrategy {
    let config: ControllerConfig
    let decisionSizes: [Int]
    /// Oldest first; at most `config.population` members.
    var population: [Member] = []

    init(config: ControllerConfig, decisionSizes: [Int], generator: inout SeededGenerator) {
        self.config = config
        self.decisionSizes = decisionSizes
    }

    mutating func propose(count: Int, generator: inout SeededGenerator) -> [[Int]] {
        if population.count < config.population {
            return (0..<count).map { _ in RandomStrategy.architecture(decisionSizes, &generator) }
        }
        return (0..<count).map { _ in
            let parent = tournamentWinner(&generator)
            return mutated(parent, &generator)
        }
    }

    /// Best of `tournament` members drawn uniformly with replacement (first drawn wins ties).
    private func tournamentWinner(_ generator: inout SeededGenerator) -> [Int] {
        var winner = population[generator.nextIndex(population.count)]
        for _ in 1..<config.tournament {
            let candidate = population[generator.nextIndex(population.count)]
            if candidate.reward > winner.reward { winner = candidate }
        }
        return winner.decisions
    }

    /// One decision (uniform among those with more than one option) set to a different value.
    private func mutated(_ parent: [Int], _ generator: inout SeededGenerator) -> [Int] {
        let mutable = decisionSizes.indices.filter { decisionSizes[$0] > 1 }
        guard !mutable.isEmpty else { return parent }
        var child = parent
        let t = mutable[generator.nextIndex(mutable.count)]
        let value = generator.nextIndex(decisionSizes[t] - 1)
        child[t] = value >= parent[t] ? value + 1 : value
        return child
    }

    mutating func update(evaluated: [Member]) {
        population.append(contentsOf: evaluated)
        if population.count > config.population { population.removeFirst(population.count - config.population) }
    }

    /// Entropy of the population's empirical distribution of each decision (nil while empty).
    var statistics: StrategyStatistics {
        StrategyStatistics(entropy: population.isEmpty ? nil : populationEntropy(), populationSize: population.count)
    }

    /// Mean over decisions of the entropy of the population's empirical distribution.
    private func populationEntropy() -> Double {
        var total = 0.0
        for t in decisionSizes.indices {
            var counts = [Int](repeating: 0, count: decisionSizes[t])
            for member in population { counts[member.decisions[t]] += 1 }
            for c in counts where c > 0 {
                let p = Double(c) / Double(population.count)
                total -= p * log(p)
            }
        }
        return total / Double(decisionSizes.count)
    }

    private enum CodingKeys: String, CodingKey { case population }

    func encode(to encoder: any Encoder) throws {
        try encodeShared(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(population, forKey: .population)
    }

    /// A state without `population` (never written by this strategy) decodes as empty.
    init(from decoder: any Decoder) throws {
        (config, decisionSizes) = try decodeShared(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        population = try c.decodeIfPresent([Member].self, forKey: .population) ?? []
        for member in population {
            if let detail = Controller.problem(with: member.decisions, sizes: decisionSizes) {
                throw ControllerError.undecodableState("member: \(detail)")
            }
        }
        if population.count > config.population {
            throw ControllerError.undecodableState("population larger than \(config.population)")
        }
    }
}
