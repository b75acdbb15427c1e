/// A trial's part in its run.
///
/// Stored as `isReference`, the batch and the rung, with no column of its own, so runs
/// written before leaders existed read unchanged: hand-picked references are enqueued with the
/// first batch (0), leader and promoted evaluations only after a sampled batch, so never in
/// batch 0, and only promoted ones at a rung above 0.
public enum TrialRole: String, Codable, Sendable, CaseIterable {
    /// Proposed by the controller; counts against the budget and teaches the controller.
    case sampled
    /// A hand-picked baseline (e.g. EfficientNet-B0) evaluated alongside, never chosen.
    case reference
    /// One evaluation of the controller's most likely architecture once the budget is spent
    /// (`SearchConfig.leaderEvaluations`): several, with seeds of their own, so the search's
    /// result is decided by a mean, not by the luckiest single training.
    case leader
    /// A sampled architecture evaluated again at a larger budget (rung 1, 2, … of
    /// `SearchConfig.promotion`), so the search's result is decided at a budget that ranks.
    case promoted

    public init(isReference: Bool, batch: Int, rung: Int = 0) {
        self = !isReference ? .sampled : batch == 0 ? .reference : rung > 0 ? .promoted : .leader
    }
}

extension TrialRecord {
    public var role: TrialRole { TrialRole(isReference: isReference, batch: batch, rung: rung) }
}

/// What "best" and "leader" read of a trial. The stored record and every view of it (status,
/// report, exports) conform, so both are defined once, here, for all of them.
public protocol RankedTrial {
    var number: Int { get }
    var batch: Int { get }
    var role: TrialRole { get }
    /// The reward of a complete trial; nil while it runs or when it failed.
    var completeReward: Double? { get }
}

extension TrialRecord: RankedTrial {
    public var completeReward: Double? { state == .complete ? result?.reward : nil }
}

extension Sequence where Element: RankedTrial {
    /// The search's best observation: the complete *sampled* trial with the highest reward, the
    /// earliest of equals (trials in number order). References (e.g. EfficientNet-B0) are
    /// compared with it, never chosen. This is what `nas status`, `nas export --trial best`
    /// and the report show as "best".
    public var bestSampled: Element? { best { $0.role == .sampled } }

    /// The complete sampled or reference trial with the highest reward (the earliest of
    /// equals): whether any sampled trial has beaten the references yet.
    public var bestIncludingReferences: Element? { best { $0.role == .sampled || $0.role == .reference } }

    /// The latest leader evaluations: every leader trial of the last batch that has any, in
    /// number order (empty when the run has none). A budget raised on resume samples more and
    /// then evaluates a new leader, so only the last batch's are current.
    public var leaderEvaluations: [Element] {
        let leaders = filter { $0.role == .leader }
        guard let last = leaders.map(\.batch).max() else { return [] }
        return leaders.filter { $0.batch == last }
    }

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
