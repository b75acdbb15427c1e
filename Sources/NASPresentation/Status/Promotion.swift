import NASFormatting
import NASSearch
import NASStore

/// A search's promotion (`SearchConfig.promotion`) as one result: how many architectures
/// reached each rung, and the best at the highest rung reached — a mean over its seeds at a
/// budget that ranks better than the proxy — beside the references at that rung.
public struct PromotionSummary: Codable, Sendable, Hashable {
    public struct Rung: Codable, Sendable, Hashable {
        public var rung: Int
        /// What the rung changes from the proxy.
        public var label: String
        public var architectures: Int
        public var evaluations: Int
        public var complete: Int
    }

    /// One architecture's evaluations at the summary's rung.
    public struct Entry: Codable, Sendable, Hashable {
        public var trials: [Int]
        public var complete: Int
        public var reward: Double?
        public var accuracy: Double?
        /// The lowest and highest reward over its complete evaluations (the seeds' spread).
        public var rewardRange: [Double]?
        public var macs: Int?
        public var arch: [[String]]
        /// The architecture's first trial at rung 0 (the sampled one, or the reference trial).
        public var first: Int?

        enum CodingKeys: String, CodingKey {
            case trials, complete, reward, accuracy, macs, arch, first
            case rewardRange = "reward_range"
        }
    }

    public var rungs: [Rung]
    /// The highest rung with a complete evaluation (0: nothing promoted yet).
    public var top: Int
    /// The best non-reference architecture at `top` by mean reward; nil before any completes.
    public var best: Entry?
    /// The references' evaluations at `top`.
    public var references: [Entry]

    /// Nil when the run has no promotion.
    init?(_ trials: [TrialSummary], plan: PromotionPlan?) {
        guard let plan else { return nil }
        let promoted = trials.filter { $0.role == .promoted }
        rungs = plan.rungs.enumerated().map { index, rung in
            let at = promoted.filter { $0.rung == index + 1 }
            return Rung(rung: index + 1, label: rung.label, architectures: Set(at.map(\.architecture)).count, evaluations: at.count,
                        complete: at.count { $0.state == .complete })
        }
        let top = promoted.filter { $0.state == .complete }.compactMap(\.rung).max() ?? 0
        self.top = top
        let referenceArchitectures = Set(trials.filter { $0.role == .reference }.map(\.architecture))
        let atTop = Dictionary(grouping: promoted.filter { $0.rung == top }, by: \.architecture)
        func entry(_ evaluations: [TrialSummary]) -> Entry {
            let architecture = evaluations[0].architecture
            return Self.entry(evaluations, first: trials.first { $0.architecture == architecture && ($0.role == .sampled || $0.role == .reference) }?.id)
        }
        let candidates = atTop.filter { !referenceArchitectures.contains($0.key) }.values.map { entry($0.sorted { $0.id < $1.id }) }
        best = candidates.filter { $0.reward != nil }.max { ($0.reward!, -$0.trials[0]) < ($1.reward!, -$1.trials[0]) }
        references = atTop.filter { referenceArchitectures.contains($0.key) }.values.map { entry($0.sorted { $0.id < $1.id }) }
            .sorted { $0.trials[0] < $1.trials[0] }
    }

    /// One architecture's evaluations (of one architecture, at one rung) as their mean.
    static func entry(_ evaluations: [TrialSummary], first: Int?) -> Entry {
        let mean = EvaluationMean(evaluations)
        return Entry(trials: evaluations.map(\.id), complete: mean.complete, reward: mean.reward, accuracy: mean.accuracy,
                     rewardRange: mean.rewardRange, macs: mean.macs, arch: evaluations[0].arch, first: first)
    }

    /// One architecture's result at `top`: "trial N's architecture at rung R (label), trials …:
    /// mean reward … (spread) …".
    func describe(_ entry: Entry) -> String {
        let range = entry.rewardRange.map { " (\(Formatting.fixed($0[0], digits: 4))–\(Formatting.fixed($0[1], digits: 4)))" } ?? ""
        let label = rungs.first { $0.rung == top }.map { " (\($0.label))" } ?? ""
        return "trial \(entry.first.map(String.init) ?? "?")'s architecture at rung \(top)\(label), "
            + "\(entry.trials.count == 1 ? "trial" : "trials") \(entry.trials.map(String.init).joined(separator: ", ")): "
            + "mean reward \(Formatting.fixed(entry.reward, digits: 4))\(range), mean accuracy \(Formatting.fixed(entry.accuracy, digits: 4)) "
            + "over \(entry.complete) of \(entry.trials.count) evaluations, \(Formatting.millions(entry.macs)) MACs"
    }

    /// `nas status`'s lines: the rungs and the references at `top` (the best there is
    /// `nas status`'s "best").
    var lines: [String] {
        let reached = rungs.map { "rung \($0.rung) (\($0.label)): \($0.architectures) architectures, \($0.complete)/\($0.evaluations) evaluations" }
        return ["promotion: " + reached.joined(separator: "; ")] + references.map { "reference: " + describe($0) }
    }
}
