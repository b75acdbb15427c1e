import NASStore

extension PromotionPlan {
    /// The promoted evaluations that go in `batch`, chosen from the results of `batch - 1`
    /// alone (so they depend on the seed, not on timing): for each rung r ≥ 1, the best
    /// `fraction` of the architectures that batch evaluated at rung r − 1 (sampled trials for
    /// rung 1, by reward; promoted ones by their mean over seeds), ties to the earliest trial,
    /// each `seeds` times. An architecture already evaluated at rung r (sampled again later)
    /// is not promoted twice. Reference trials climb every rung outside the count, so the
    /// result is compared with them at the same budget. Numbered from `firstNumber`.
    public func trials(after all: [TrialRecord], batch: Int, firstNumber: Int, seed: (Int) -> UInt64) -> [NewTrial] {
        let previous = all.filter { $0.batch == batch - 1 && $0.state == .complete }
        let references = Set(all.filter { $0.role == .reference }.map(\.architecture))
        var promoted: [NewTrial] = []
        for (index, rung) in rungs.enumerated() {
            let level = index + 1
            let done = Set(all.filter { $0.rung == level }.map(\.architecture))
            let fed = previous.filter { $0.rung == level - 1 && $0.role != .leader }
            let groups = Dictionary(grouping: fed, by: \.architecture)
            let ranked = groups.filter { !references.contains($0.key) }.map { _, trials -> (mean: Double, first: TrialRecord) in
                let rewards = trials.compactMap { $0.result?.reward }
                return (rewards.reduce(0, +) / Double(max(1, rewards.count)), trials.min { $0.number < $1.number }!)
            }.sorted { ($0.mean, -$0.first.number) > ($1.mean, -$1.first.number) }
            let count = max(1, Int((Double(ranked.count) * rung.fraction).rounded(.up)))
            let climbing = groups.filter { references.contains($0.key) }.map { $0.value.min { $0.number < $1.number }! }
            let chosen = (ranked.prefix(count).map(\.first) + climbing).filter { !done.contains($0.architecture) }
            for trial in chosen.sorted(by: { $0.number < $1.number }) {
                for _ in 0..<rung.seeds {
                    promoted.append(NewTrial(batch: batch, architecture: trial.architecture, decisions: trial.decisions,
                                             seed: seed(firstNumber + promoted.count), isReference: true, rung: level))
                }
            }
        }
        return promoted
    }
}
