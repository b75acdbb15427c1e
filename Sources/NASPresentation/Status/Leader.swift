import NASFormatting
import NASStore

/// The leader evaluations of a run (`TrialRole.leader`) as one result: the controller's most
/// likely architecture once the budget was spent, trained several times with seeds of their
/// own. Its mean reward is what the search found, decided fairly; the best single trial
/// (`bestSampled`) may owe its place to one lucky training.
public struct LeaderSummary: Codable, Sendable, Hashable {
    /// The evaluations' trial numbers.
    public var trials: [Int]
    public var complete: Int
    /// Means over the complete evaluations; nil before any completes.
    public var reward: Double?
    public var accuracy: Double?
    /// The lowest and highest reward of the complete evaluations (the seeds' spread).
    public var rewardRange: [Double]?
    public var macs: Int?
    public var params: Int?
    /// timm arch-def.
    public var arch: [[String]]
    /// The best sampled trial of the same architecture, if the search sampled it.
    public var sampledAs: Int?

    enum CodingKeys: String, CodingKey {
        case trials, complete, reward, accuracy, macs, params, arch
        case rewardRange = "reward_range", sampledAs = "sampled_as"
    }

    /// Nil when there are no leader evaluations. `all` finds the same architecture among the
    /// sampled trials.
    init?(_ evaluations: [TrialSummary], all: [TrialSummary]) {
        guard let first = evaluations.first else { return nil }
        let mean = EvaluationMean(evaluations)
        trials = evaluations.map(\.id)
        (complete, reward, accuracy, rewardRange, macs, params) = (mean.complete, mean.reward, mean.accuracy, mean.rewardRange, mean.macs, mean.params)
        arch = first.arch
        sampledAs = all.filter { $0.role == .sampled && $0.architecture == first.architecture }.bestSampled?.id
    }

    /// `nas status`'s lines.
    var lines: [String] {
        let range = rewardRange.map { " (\(Formatting.fixed($0[0], digits: 4))–\(Formatting.fixed($0[1], digits: 4)))" } ?? ""
        let numbers = trials.count == 1 ? "trial \(trials[0])" : "trials \(trials.first!)–\(trials.last!)"
        return [
            "leader: the controller's most likely architecture, \(numbers): mean reward \(Formatting.fixed(reward, digits: 4))\(range), "
                + "mean accuracy \(Formatting.fixed(accuracy, digits: 4)) over \(complete) of \(trials.count) evaluations, "
                + "\(Formatting.millions(macs)) MACs" + (sampledAs.map { "; sampled as trial \($0)" } ?? "; never sampled"),
            "        " + arch.map { $0.joined(separator: " ") }.joined(separator: " | "),
        ]
    }
}

/// Several evaluations of one architecture summed up (the leader's, a promoted one's): means
/// over the complete ones, the rewards' range (the seeds' spread), its counts.
struct EvaluationMean {
    var complete: Int
    var reward: Double?
    var accuracy: Double?
    var rewardRange: [Double]?
    var macs: Int?
    var params: Int?

    init(_ evaluations: [TrialSummary]) {
        let done = evaluations.filter { $0.state == .complete && $0.reward != nil }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        let rewards = done.compactMap(\.reward)
        complete = done.count
        reward = mean(rewards)
        accuracy = mean(done.compactMap(\.accuracy))
        rewardRange = rewards.isEmpty ? nil : [rewards.min()!, rewards.max()!]
        macs = done.first?.macs
        params = done.first?.params
    }
}
