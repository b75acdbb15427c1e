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

/// The search controller: the one type the search loop uses. It sees an architecture only as
/// one integer per decision (`decisionSizes[t]` options for decision t) and a reward per
/// evaluated architecture.
///
/// It holds what every strategy shares — the generator, the counters, the best trial seen —
/// and one `SearchStrategy` (`ReinforceStrategy`, `RandomStrategy` or `EvolutionStrategy`,
/// by `config.strategy`), which proposes, learns and reports the rest.
///
/// The whole state — configuration, generator, policy parameters, Adam moments, baseline,
/// population — is `Codable`; decoding what `JSONEncoder` wrote gives a controller that
/// continues with exactly the same proposals. Proposals depend only on the seed and on the
/// rewards fed to `update` (Docs/CONTROLLER.md).
public struct Controller: Codable, Sendable {
    public var config: ControllerConfig { strategy.config }
    public var decisionSizes: [Int] { strategy.decisionSizes }

    /// Every random draw (initialization, sampling, tournaments, mutations) comes from here.
    var generator: SeededGenerator
    var updates = 0
    var trials = 0
    var failures = 0
    var meanReward: Double?
    var best: Member?
    var strategy: any SearchStrategy

    /// 3: `encodedState()`'s bytes (StateFormat); 2: plain JSON, parameters and moments as
    /// base64 of their bytes (1: JSON number arrays). All three are read.
    static let format = 3, jsonFormat = 2

    public init(config: ControllerConfig, decisionSizes: [Int], seed: UInt64) throws(ControllerError) {
        try config.validate()
        try Controller.validate(sizes: decisionSizes)
        generator = SeededGenerator(seed: seed)
        strategy = config.strategy.type.init(config: config, decisionSizes: decisionSizes, generator: &generator)
    }

    static func validate(sizes: [Int]) throws(ControllerError) {
        if sizes.isEmpty { throw .noDecisions }
        if let t = sizes.firstIndex(where: { $0 < 1 }) { throw .invalidDecisionSize(index: t, size: sizes[t]) }
    }

    /// The next batch of `count` architectures (one index per decision each). Advances the RNG.
    public mutating func propose(count: Int) -> [[Int]] {
        precondition(count >= 0, ControllerError.invalidCount(count).description)
        return strategy.propose(count: count, generator: &generator)
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

    static func problem(with row: [Int], sizes: [Int]) -> String? {
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
        strategy.update(evaluated: evaluated)
    }

    // MARK: - Read-outs

    /// REINFORCE: argmax per decision (greedy through the LSTM). Random and evolution: the best
    /// architecture seen so far (the first of equals), or all zeros before any success.
    public func mostLikely() -> [Int] {
        strategy.mostLikely(best: best)
    }

    public var statistics: ControllerStatistics {
        let own = strategy.statistics
        return ControllerStatistics(
            updates: updates, trials: trials, failures: failures, baseline: own.baseline, meanReward: meanReward,
            entropy: own.entropy, bestReward: best?.reward, populationSize: own.populationSize)
    }

    /// The evolution population, oldest first (empty for the other strategies).
    public var members: [Member] { (strategy as? EvolutionStrategy)?.population ?? [] }

    // MARK: - State

    /// The controller's own keys; the strategy writes `config`, `decisionSizes` and its own
    /// into the same object (`SearchStrategy`).
    private enum CodingKeys: String, CodingKey {
        case format, config, decisionSizes, generator, updates, trials, failures, meanReward, best
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let binary = encoder.userInfo[StateFormat.arraysKey] != nil
        try c.encode(binary ? Controller.format : Controller.jsonFormat, forKey: .format)
        try c.encode(generator, forKey: .generator)
        try c.encode(updates, forKey: .updates)
        try c.encode(trials, forKey: .trials)
        try c.encode(failures, forKey: .failures)
        try c.encodeIfPresent(meanReward, forKey: .meanReward)
        try c.encodeIfPresent(best, forKey: .best)
        try strategy.encode(to: encoder)
    }

    /// Malformed JSON surfaces as the decoder's `DecodingError`; well-formed JSON that is not a
    /// consistent controller state throws `ControllerError.undecodableState`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func fail(_ detail: String) -> ControllerError { .undecodableState(detail) }
        let format = try c.decode(Int.self, forKey: .format)
        if !(1...Controller.format).contains(format) { throw fail("format \(format), expected 1…\(Controller.format)") }
        let (config, sizes) = try decodeShared(from: decoder)
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
        if let best, let detail = Controller.problem(with: best.decisions, sizes: sizes) { throw fail("member: \(detail)") }
        strategy = try config.strategy.type.init(from: decoder)
    }

    /// The whole state as bytes for a run's store (format 3; `decode(state:)` reads it back).
    public func encodedState() throws(ControllerError) -> Data {
        do { return try StateFormat.encode(self) } catch { throw .undecodableState("cannot encode: \(error)") }
    }

    /// Decodes what `encodedState()` or `JSONEncoder` wrote (formats 3, 2 and 1), every failure
    /// as `ControllerError.undecodableState`.
    public static func decode(state: Data) throws(ControllerError) -> Controller {
        let decoder = JSONDecoder()
        var json = state
        if let (text, arrays) = try StateFormat.split(state) {
            (json, decoder.userInfo[StateFormat.arraysKey]) = (text, arrays)
        }
        do {
            return try decoder.decode(Controller.self, from: json)
        } catch let error as ControllerError {
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
