/// What "best" reads of a trial. The stored record and every view of it (status, report,
/// exports) conform, so "best" is defined once, here, for all of them.
public protocol RankedTrial {
    var number: Int { get }
    var isReference: Bool { get }
    /// The reward of a complete trial; nil while it runs or when it failed.
    var completeReward: Double? { get }
}

extension TrialRecord: RankedTrial {
    public var completeReward: Double? { state == .complete ? result?.reward : nil }
}

extension Sequence where Element: RankedTrial {
    /// The search's find: the complete *sampled* trial with the highest reward, the earliest of
    /// equals (trials in number order). References (e.g. EfficientNet-B0) are compared with it,
    /// never chosen. This is what `nas status`, `nas export --trial best` and the report show.
    public var bestSampled: Element? { best { !$0.isReference } }

    /// The complete trial with the highest reward, references included (the earliest of
    /// equals): whether any sampled trial has beaten the references yet.
    public var bestIncludingReferences: Element? { best { _ in true } }

    private func best(where included: (Element) -> Bool) -> Element? {
        var best: Element?
        var bestReward = -Double.infinity
        for trial in self where included(trial) {
            guard let reward = trial.completeReward, reward > bestReward else { continue }
            best = trial
            bestReward = reward
        }
        return best
    }
}
