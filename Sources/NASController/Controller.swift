import Foundation
import NASRandom

/// An evaluated architecture: evolution's population member and the best-seen record.
public struct Member: Codable, Hashable, Sendable {
    public var decisions: [Int]
    public var reward: Double

    public init(decisions: [Int], reward: Double) {
        self.decisions = decisions
        self.reward = reward
    }
}

/// The search strategy. It sees an architecture only as one integer per decision
/// (`decisionSizes[t]` options for decision t) and a reward per evaluated architecture.
///
/// The whole state — configuration, generator, policy parameters, Adam moments, baseline,
/// population — is `Codable`; decoding what `JSONEncoder` wrote gives a controller that
/// continues with exactly the same proposals. Proposals depend only on the seed and on the
/// rewards fed to `update` (Docs/CONTROLLER.md).
public struct Controller: Codable, Sendable {
    public let config: ControllerConfig
    public let decisionSizes: [Int]

    /// Every random draw (initialization, sampling, tournaments, mutations) comes from here.
    var generator: SeededGenerator
    var updates = 0
    var trials = 0
    var failures = 0
    var meanReward: Double?
    var best: Member?

    // REINFORCE (empty / nil for the other strategies).
    /// θ, laid out by the policy (`SoftmaxPolicy`, `LSTMPolicy`).
    var parameters: [Double] = []
    var adam = Adam(count: 0)
    var baseline: Double?
    /// Running mean of (R − b)², for advantage normalization.
    var meanSquareAdvantage: Double?
    /// Rebuilt from `config` and `decisionSizes`; not part of the saved state.
    let policy: (any Policy)?

    // Evolution: oldest first.
    var population: [Member] = []

    /// 2: parameters and moments as base64 of their bytes (1: JSON number arrays, still read).
    static let format = 2

    public init(config: ControllerConfig, decisionSizes: [Int], seed: UInt64) throws(ControllerError) {
        try config.validate()
        try Controller.validate(sizes: decisionSizes)
        self.config = config
        self.decisionSizes = decisionSizes
        generator = SeededGenerator(seed: seed)
        if config.strategy == .reinforce {
            let policy = makePolicy(config, decisionSizes)
            self.policy = policy
            parameters = policy.initialParameters(&generator)
            adam = Adam(count: parameters.count)
        } else {
            policy = nil
        }
    }

    private static func validate(sizes: [Int]) throws(ControllerError) {
        if sizes.isEmpty { throw .noDecisions }
        if let t = sizes.firstIndex(where: { $0 < 1 }) { throw .invalidDecisionSize(index: t, size: sizes[t]) }
    }

    // MARK: - Propose

    /// The next batch of `count` architectures (one index per decision each). Advances the RNG.
    public mutating func propose(count: Int) -> [[Int]] {
        precondition(count >= 0, ControllerError.invalidCount(count).description)
        switch config.strategy {
        case .reinforce:
            return (0..<count).map { _ in policy!.sample(parameters, &generator) }
        case .random:
            return (0..<count).map { _ in randomArchitecture() }
        case .evolution:
            if population.count < config.population { return (0..<count).map { _ in randomArchitecture() } }
            return (0..<count).map { _ in mutated(tournamentWinner()) }
        }
    }

    /// One word per decision.
    private mutating func randomArchitecture() -> [Int] {
        decisionSizes.map { generator.nextIndex($0) }
    }

    /// Best of `tournament` members drawn uniformly with replacement (first drawn wins ties).
    private mutating func tournamentWinner() -> [Int] {
        var winner = population[generator.nextIndex(population.count)]
        for _ in 1..<config.tournament {
            let candidate = population[generator.nextIndex(population.count)]
            if candidate.reward > winner.reward { winner = candidate }
        }
        return winner.decisions
    }

    /// One decision (uniform among those with more than one option) set to a different value.
    private mutating func mutated(_ parent: [Int]) -> [Int] {
        let mutable = decisionSizes.indices.filter { decisionSizes[$0] > 1 }
        guard !mutable.isEmpty else { return parent }
        var child = parent
        let t = mutable[generator.nextIndex(mutable.count)]
        let value = generator.nextIndex(decisionSizes[t] - 1)
        child[t] = value >= parent[t] ? value + 1 : value
        return child
    }

    // MARK: - Update

    /// Throws what `update` would trap on: unequal counts, rows of the wrong length or indices
    /// out of range. (A trial's reward may be nil: that trial failed.)
    public func check(decisions: [[Int]], rewards: [Double?]) throws(ControllerError) {
        if decisions.count != rewards.count {
            throw .mismatchedUpdate(decisions: decisions.count, rewards: rewards.count)
        }
        for (i, row) in decisions.enumerated() {
            if let detail = Controller.problem(with: row, sizes: decisionSizes) { throw .invalidDecisions(trial: i, detail: detail) }
        }
    }

    private static func problem(with row: [Int], sizes: [Int]) -> String? {
        if row.count != sizes.count { return "\(row.count) decisions, expected \(sizes.count)" }
        for (t, a) in row.enumerated() where a < 0 || a >= sizes[t] {
            return "decision \(t) = \(a), expected 0..<\(sizes[t])"
        }
        return nil
    }

    /// One update from a whole evaluated batch. `rewards[i] == nil` (or non-finite) means trial
    /// i failed: every strategy ignores failed trials (REINFORCE leaves them out of the gradient
    /// and the baseline, evolution does not add them to the population) and only counts them.
    /// Traps on malformed input; `check(decisions:rewards:)` throws the same problems.
    public mutating func update(decisions: [[Int]], rewards: [Double?]) {
        do { try check(decisions: decisions, rewards: rewards) } catch { preconditionFailure(error.description) }
        var evaluated: [Member] = []
        for (row, reward) in zip(decisions, rewards) {
            if let reward, reward.isFinite { evaluated.append(Member(decisions: row, reward: reward)) }
        }
        updates += 1
        trials += decisions.count
        failures += decisions.count - evaluated.count
        meanReward = evaluated.isEmpty ? nil : evaluated.map(\.reward).reduce(0, +) / Double(evaluated.count)
        for member in evaluated where best == nil || member.reward > best!.reward { best = member }
        guard !evaluated.isEmpty else { return }

        switch config.strategy {
        case .reinforce:
            reinforce(evaluated)
        case .random:
            break
        case .evolution:
            population.append(contentsOf: evaluated)
            if population.count > config.population { population.removeFirst(population.count - config.population) }
        }
    }

    /// The REINFORCE advantages for a batch of rewards; updates the baseline and the running
    /// mean square. Advantages use the baseline from *before* this batch (the first batch's
    /// own mean for the first one).
    mutating func advantages(_ rewards: [Double]) -> [Double] {
        let decay = config.baselineDecay
        let mean = rewards.reduce(0, +) / Double(rewards.count)
        let b = baseline ?? mean
        var advantages = rewards.map { $0 - b }
        baseline = decay * b + (1 - decay) * mean
        if config.normalizeAdvantage {
            let square = advantages.reduce(0) { $0 + $1 * $1 } / Double(advantages.count)
            let running = meanSquareAdvantage.map { decay * $0 + (1 - decay) * square } ?? square
            meanSquareAdvantage = running
            if running > 1e-12 {
                let scale = running.squareRoot()
                advantages = advantages.map { $0 / scale }
            }
        }
        return advantages
    }

    /// loss = −(1/N) Σ_i [A_i·log π(a_i) + λ·H_i]; gradient clipped by global norm; one Adam step.
    private mutating func reinforce(_ evaluated: [Member]) {
        let advantages = advantages(evaluated.map(\.reward))
        var gradient = [Double](repeating: 0, count: parameters.count)
        for (member, advantage) in zip(evaluated, advantages) {
            _ = policy!.accumulateGradient(
                parameters, actions: member.decisions, advantage: advantage, entropyWeight: config.entropyWeight,
                into: &gradient)
        }
        var scale = -1 / Double(evaluated.count)
        if config.gradientClip > 0 {
            let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot() * -scale
            if norm > config.gradientClip { scale *= config.gradientClip / norm }
        }
        for i in gradient.indices { gradient[i] *= scale }
        adam.step(&parameters, gradient, learningRate: config.learningRate)
    }

    // MARK: - Read-outs

    /// REINFORCE: argmax per decision (greedy through the LSTM). Random and evolution: the best
    /// architecture seen so far (the first of equals), or all zeros before any success.
    public func mostLikely() -> [Int] {
        if let policy { return policy.greedy(parameters).actions }
        return best?.decisions ?? Array(repeating: 0, count: decisionSizes.count)
    }

    public var statistics: ControllerStatistics {
        let entropy: Double?
        switch config.strategy {
        case .reinforce:
            entropy = policy!.greedy(parameters).entropy
        case .random:
            entropy = decisionSizes.reduce(0) { $0 + log(Double($1)) } / Double(decisionSizes.count)
        case .evolution:
            entropy = population.isEmpty ? nil : populationEntropy()
        }
        return ControllerStatistics(
            updates: updates, trials: trials, failures: failures, baseline: baseline, meanReward: meanReward,
            entropy: entropy, bestReward: best?.reward,
            populationSize: config.strategy == .evolution ? population.count : nil)
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

    /// The evolution population, oldest first (empty for the other strategies).
    public var members: [Member] { population }

    // MARK: - State

    private enum CodingKeys: String, CodingKey {
        case format, config, decisionSizes, generator, updates, trials, failures, meanReward, best
        case parameters, adam, baseline, meanSquareAdvantage, population
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Controller.format, forKey: .format)
        try c.encode(config, forKey: .config)
        try c.encode(decisionSizes, forKey: .decisionSizes)
        try c.encode(generator, forKey: .generator)
        try c.encode(updates, forKey: .updates)
        try c.encode(trials, forKey: .trials)
        try c.encode(failures, forKey: .failures)
        try c.encodeIfPresent(meanReward, forKey: .meanReward)
        try c.encodeIfPresent(best, forKey: .best)
        switch config.strategy {
        case .reinforce:
            try c.encode(PackedDoubles(parameters), forKey: .parameters)
            try c.encode(adam, forKey: .adam)
            try c.encodeIfPresent(baseline, forKey: .baseline)
            try c.encodeIfPresent(meanSquareAdvantage, forKey: .meanSquareAdvantage)
        case .evolution:
            try c.encode(population, forKey: .population)
        case .random:
            break
        }
    }

    /// Malformed JSON surfaces as the decoder's `DecodingError`; well-formed JSON that is not a
    /// consistent controller state throws `ControllerError.undecodableState`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func fail(_ detail: String) -> ControllerError { .undecodableState(detail) }
        let format = try c.decode(Int.self, forKey: .format)
        if !(1...Controller.format).contains(format) { throw fail("format \(format), expected 1…\(Controller.format)") }
        config = try c.decode(ControllerConfig.self, forKey: .config)
        decisionSizes = try c.decode([Int].self, forKey: .decisionSizes)
        do {
            try config.validate()
            try Controller.validate(sizes: decisionSizes)
        } catch { throw fail(error.description) }
        generator = try c.decode(SeededGenerator.self, forKey: .generator)
        if generator.state.count != 4 || generator.state.allSatisfy({ $0 == 0 }) {
            throw fail("generator state must be four words, not all zero")
        }
        updates = try c.decode(Int.self, forKey: .updates)
        trials = try c.decode(Int.self, forKey: .trials)
        failures = try c.decode(Int.self, forKey: .failures)
        if updates < 0 || failures < 0 || failures > trials { throw fail("inconsistent counters") }
        meanReward = try c.decodeIfPresent(Double.self, forKey: .meanReward)
        best = try c.decodeIfPresent(Member.self, forKey: .best)
        population = try c.decodeIfPresent([Member].self, forKey: .population) ?? []
        for member in population + (best.map { [$0] } ?? []) {
            if let detail = Controller.problem(with: member.decisions, sizes: decisionSizes) { throw fail("member: \(detail)") }
        }
        if population.count > config.population { throw fail("population larger than \(config.population)") }
        if config.strategy == .reinforce {
            let policy = makePolicy(config, decisionSizes)
            self.policy = policy
            parameters = try c.decode(PackedDoubles.self, forKey: .parameters).values
            adam = try c.decode(Adam.self, forKey: .adam)
            baseline = try c.decodeIfPresent(Double.self, forKey: .baseline)
            meanSquareAdvantage = try c.decodeIfPresent(Double.self, forKey: .meanSquareAdvantage)
            let n = policy.parameterCount
            if parameters.count != n || adam.first.count != n || adam.second.count != n || adam.steps < 0 {
                throw fail("\(parameters.count) parameters, expected \(n) for this policy and decisions")
            }
        } else {
            policy = nil
        }
    }

    /// Decodes JSON written by `JSONEncoder`, every failure as `ControllerError.undecodableState`.
    public static func decode(json: Data) throws(ControllerError) -> Controller {
        do { return try JSONDecoder().decode(Controller.self, from: json) } catch let error as ControllerError {
            throw error
        } catch {
            throw .undecodableState(oneLine(error))
        }
    }
}

/// A decoding error as one line: what went wrong and where.
private func oneLine(_ error: any Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    func path(_ context: DecodingError.Context) -> String {
        let p = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        return p.isEmpty ? "" : " at \(p)"
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing \(key.stringValue)\(path(context))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
        return "\(context.debugDescription)\(path(context))"
    @unknown default: return "\(error)"
    }
}
