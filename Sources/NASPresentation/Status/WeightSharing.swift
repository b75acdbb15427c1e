import NASFidelity
import NASFormatting
import NASSearch
import NASStore

/// A weight-sharing search's result (`OneShotPlan`): its schedule, the architecture it found
/// (the policy's most likely at the end) trained from scratch beside the references and the
/// best of the random sample, and how well the shared weights ranked the verified
/// architectures against their stand-alone training (Kendall τ, Spearman ρ).
public struct WeightSharingSummary: Codable, Sendable, Hashable {
    public var steps: Int
    public var warmupSteps: Int
    public var updates: Int
    /// Shared-weight steps done (the last scored trial's), of `steps`.
    public var stepsDone: Int
    /// The verified architectures in choice order — found, the best-scored, the random
    /// sample — each with its shared-weights accuracy and its stand-alone evaluations.
    public var verified: [Verified]
    public var references: [Verified]
    public var top: Int
    public var kendall: Double?
    public var spearman: Double?
    /// Stand-alone seed against seed (`seedKendall(_:trials:)`): the ceiling's measure.
    public var seedKendall: Double?

    public struct Verified: Codable, Sendable, Hashable {
        /// The rung-0 trial scored with the final shared weights.
        public var trial: Int
        public var sharedAccuracy: Double?
        public var standAlone: PromotionSummary.Entry?

        enum CodingKeys: String, CodingKey {
            case trial
            case sharedAccuracy = "shared_accuracy", standAlone = "stand_alone"
        }
    }

    enum CodingKeys: String, CodingKey {
        case steps, updates, verified, references, top, kendall, spearman
        case seedKendall = "seed_kendall"
        case warmupSteps = "warmup_steps", stepsDone = "steps_done"
    }

    init?(_ trials: [TrialSummary], plan: OneShotPlan?) {
        guard let plan else { return nil }
        steps = plan.steps
        warmupSteps = plan.warmupSteps
        updates = plan.updates
        top = plan.verification?.top ?? 0
        stepsDone = Int(trials.compactMap { $0.components?["shared_step"] }.max() ?? 0)
        let batch = plan.updates + 1
        func verify(_ score: TrialSummary) -> Verified {
            let evaluations = trials.filter { $0.role == .promoted && $0.rung == 1 && $0.architecture == score.architecture }
            return Verified(trial: score.id, sharedAccuracy: score.accuracy,
                            standAlone: evaluations.isEmpty ? nil : PromotionSummary.entry(evaluations, first: score.id))
        }
        // Each network once (runs before the verifier chose by network could hold one twice).
        var seen = Set<String>()
        verified = trials.filter { $0.batch == batch && ($0.rung ?? 0) == 0 && $0.role == .sampled && seen.insert($0.architecture).inserted }
            .map(verify)
        references = trials.filter { $0.role == .reference }.map(verify)
        seedKendall = Self.seedKendall(verified + references, trials: trials)
        correlate()
    }

    /// Kendall τ and Spearman ρ of shared-weights against stand-alone mean accuracy.
    private mutating func correlate() {
        let pairs = (verified + references).compactMap { (v: Verified) -> (Double, Double)? in
            guard let shared = v.sharedAccuracy, let alone = v.standAlone?.accuracy else { return nil }
            return (shared, alone)
        }
        let shared = pairs.map { $0.0 }, alone = pairs.map { $0.1 }
        kendall = pairs.count >= 3 ? RankCorrelation.kendall(shared, alone) : nil
        spearman = pairs.count >= 3 ? RankCorrelation.spearman(shared, alone) : nil
        pairsCount = pairs.count
    }

    /// The stand-alone ranking's own noise: Kendall τ between one seed's accuracies and
    /// another's over the architectures trained with both, averaged over seed pairs — what a
    /// perfect proxy would score against one seed.
    private static func seedKendall(_ all: [Verified], trials: [TrialSummary]) -> Double? {
        let accuracy = Dictionary(trials.compactMap { t in t.accuracy.map { (t.id, $0) } }, uniquingKeysWith: { a, _ in a })
        let seeds = all.compactMap { $0.standAlone?.trials.compactMap { accuracy[$0] } }
        let depth = seeds.map(\.count).max() ?? 0
        var values: [Double] = []
        for first in 0..<depth {
            for second in (first + 1)..<max(first + 1, depth) {
                let pairs = seeds.filter { $0.count > second }.map { ($0[first], $0[second]) }
                if pairs.count >= 3, let tau = RankCorrelation.kendall(pairs.map(\.0), pairs.map(\.1)) { values.append(tau) }
            }
        }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The same summary with the verified architectures' shared-weights accuracies replaced
    /// (`nas rescore`); trials without a new score keep theirs.
    public func rescored(_ scores: [Int: Double]) -> WeightSharingSummary {
        var copy = self
        for index in copy.verified.indices { copy.verified[index].sharedAccuracy = scores[copy.verified[index].trial] ?? copy.verified[index].sharedAccuracy }
        for index in copy.references.indices { copy.references[index].sharedAccuracy = scores[copy.references[index].trial] ?? copy.references[index].sharedAccuracy }
        copy.correlate()
        return copy
    }

    var pairsCount = 0

    /// The found architecture: the first verified one.
    public var found: Verified? { verified.first }

    /// The best stand-alone mean among the random sample (after the found and best-scored ones).
    public var bestRandom: Verified? {
        verified.dropFirst(1 + top).filter { $0.standAlone?.reward != nil }.max { $0.standAlone!.reward! < $1.standAlone!.reward! }
    }

    var lines: [String] {
        func number(_ value: Double?) -> String { Formatting.fixed(value, digits: 4) }
        func alone(_ v: Verified) -> String {
            guard let entry = v.standAlone else { return "not trained yet" }
            let range = entry.rewardRange.map { " (\(number($0[0]))–\(number($0[1])))" } ?? ""
            return "stand-alone mean reward \(number(entry.reward))\(range), accuracy \(number(entry.accuracy)) over \(entry.complete) of \(entry.trials.count) seeds"
        }
        var lines = ["weight sharing: \(stepsDone)/\(steps) shared-weight steps (\(warmupSteps) warm-up), \(updates) controller updates"]
        guard let found else { return lines }
        lines.append("found (the policy's most likely): trial \(found.trial)'s architecture: \(alone(found)); shared-weights accuracy \(number(found.sharedAccuracy)), \(Formatting.millions(found.standAlone?.macs)) MACs")
        for reference in references { lines.append("  reference trial \(reference.trial): \(alone(reference)); shared-weights accuracy \(number(reference.sharedAccuracy))") }
        if let bestRandom { lines.append("  best of \(max(0, verified.count - 1 - top)) random: trial \(bestRandom.trial)'s architecture: \(alone(bestRandom))") }
        if let kendall {
            lines.append("shared weights vs stand-alone: Kendall τ \(Formatting.fixed(kendall, digits: 3)), Spearman ρ \(Formatting.fixed(spearman, digits: 3)) over \(pairsCount) architectures"
                + (seedKendall.map { "; stand-alone seed vs seed: τ \(Formatting.fixed($0, digits: 3))" } ?? ""))
        }
        return lines
    }
}

extension WeightSharingSummary {
    /// `nas rescore`'s table: each verified architecture and reference with its shared-weights
    /// accuracy in the run (`before`) and now, its stand-alone mean; then both rankings' τ.
    public func rescoreRows(before: WeightSharingSummary) -> [String] {
        func number(_ value: Double?) -> String { Formatting.fixed(value, digits: 4) }
        let old = Dictionary((before.verified + before.references).map { ($0.trial, $0.sharedAccuracy) }, uniquingKeysWith: { a, _ in a })
        var rows = ["trial  role       MACs      shared (run)  shared (now)  stand-alone (seeds)"]
        let roles = verified.indices.map { $0 == 0 ? "found" : $0 <= top ? "top" : "random" } + references.map { _ in "reference" }
        for (v, role) in zip(verified + references, roles) {
            let alone = v.standAlone.map { "\(number($0.accuracy)) (\($0.complete))" } ?? "-"
            rows.append([String(v.trial).padding(toLength: 6, withPad: " ", startingAt: 0), role.padding(toLength: 10, withPad: " ", startingAt: 0),
                         Formatting.millions(v.standAlone?.macs).padding(toLength: 9, withPad: " ", startingAt: 0),
                         number(old[v.trial] ?? nil).padding(toLength: 13, withPad: " ", startingAt: 0),
                         number(v.sharedAccuracy).padding(toLength: 13, withPad: " ", startingAt: 0), alone].joined(separator: " "))
        }
        func tau(_ s: WeightSharingSummary) -> String {
            "Kendall τ \(Formatting.fixed(s.kendall, digits: 3)), Spearman ρ \(Formatting.fixed(s.spearman, digits: 3))"
        }
        rows.append("shared weights vs stand-alone over \(pairsCount) architectures: run \(tau(before)); now \(tau(self))")
        if let seedKendall { rows.append("stand-alone seed vs seed: Kendall τ \(Formatting.fixed(seedKendall, digits: 3)) (the stand-alone ranking's own noise)") }
        return rows
    }
}
