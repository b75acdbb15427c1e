import Foundation
import NASFidelity
import NASFormatting
import NASSearch
import NASStore

/// A fidelity study's outcome (`nas fidelity`, `nas status` and the report on its run): each
/// budget's rank fidelity against the reference, its cost per training, and the baselines
/// (the reference's own seed agreement, MACs and parameters alone).
public struct StudyResult: Codable, Sendable, Hashable {
    public struct Budget: Codable, Sendable, Hashable {
        public var label: String
        public var seeds: Int
        /// Trainings complete of `candidates × seeds`.
        public var complete: Int
        public var failed: Int
        /// Mean wall-clock seconds of one complete training (one thread each).
        public var secondsPerTraining: Double?
        /// Mean validation accuracy over every complete training.
        public var meanAccuracy: Double?
        /// Against the reference; nil for the reference itself.
        public var fidelity: FidelitySummary?

        enum CodingKeys: String, CodingKey {
            case label, seeds, complete, failed, fidelity
            case secondsPerTraining = "seconds_per_training", meanAccuracy = "mean_accuracy"
        }
    }

    /// One correlation candidate: its cost and its mean accuracy at each budget.
    public struct Candidate: Codable, Sendable, Hashable {
        /// The trial number of its first training (budget 0, seed 0).
        public var trial: Int
        public var macs: Int
        public var params: Int
        /// Mean over the budget's complete trainings, in budget order; nil for none yet.
        public var accuracy: [Double?]
        /// The reference's lowest and highest accuracy over its seeds (its seed spread).
        public var referenceRange: [Double]?

        enum CodingKeys: String, CodingKey {
            case trial, macs, params, accuracy
            case referenceRange = "reference_range"
        }
    }

    public var candidates: Int
    /// In trial order (`FidelityPlan.budgets`).
    public var budgets: [Budget]
    /// The reference's index in `budgets`.
    public var reference: Int
    public var rows: [Candidate]
    /// The reference's seed-to-seed τ, MACs and parameters against it: from any budget's
    /// summary (they do not depend on the proxy), repeated here for the reader.
    public var referenceSeedKendall: Double?
    public var macsKendall: Double?
    public var paramsKendall: Double?

    enum CodingKeys: String, CodingKey {
        case candidates, budgets, rows, reference
        case referenceSeedKendall = "reference_seed_kendall", macsKendall = "macs_kendall", paramsKendall = "params_kendall"
    }

    /// nil for a run that is not a study.
    public init?(_ snapshot: RunSnapshot) {
        guard let plan = snapshot.config.fidelity else { return nil }
        let records = snapshot.trials.map(\.record)
        candidates = plan.candidates
        reference = plan.reference
        // accuracies[budget][candidate] = complete trainings' accuracies, in seed order.
        var accuracies = plan.budgets.map { _ in Array(repeating: [Double](), count: plan.candidates) }
        var cost = Array(repeating: (macs: 0, params: 0), count: plan.candidates)
        for record in records where plan.budgets.indices.contains(record.batch) {
            let offset = record.number - plan.firstTrial(ofBudget: record.batch)
            guard offset >= 0, let result = record.result, record.state == .complete else { continue }
            let candidate = offset % plan.candidates
            accuracies[record.batch][candidate].append(result.accuracy)
            cost[candidate] = (result.macs, result.params)
        }
        let reference = accuracies[self.reference]
        budgets = plan.budgets.enumerated().map { index, budget in
            let trials = records.filter { $0.batch == index }
            let seconds = trials.compactMap { $0.state == .complete ? $0.result?.seconds : nil }
            let all = accuracies[index].joined()
            let isReference = index == plan.reference
            let measurements = (0..<plan.candidates).map {
                FidelityMeasurement(macs: cost[$0].macs, params: cost[$0].params, proxy: accuracies[index][$0], reference: reference[$0])
            }
            return Budget(
                label: budget.label, seeds: budget.seeds, complete: trials.count { $0.state == .complete },
                failed: trials.count { $0.state == .failed },
                secondsPerTraining: seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count),
                meanAccuracy: all.isEmpty ? nil : all.reduce(0, +) / Double(all.count),
                fidelity: isReference ? nil : FidelitySummary(measurements))
        }
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        rows = (0..<plan.candidates).map { candidate in
            let seeds = reference[candidate]
            return Candidate(trial: plan.firstTrial(ofBudget: 0) + candidate, macs: cost[candidate].macs, params: cost[candidate].params,
                             accuracy: accuracies.map { mean($0[candidate]) }, referenceRange: seeds.isEmpty ? nil : [seeds.min()!, seeds.max()!])
        }
        // The baselines against the reference's seed means, over the candidates it has.
        let measured = (0..<plan.candidates).filter { !reference[$0].isEmpty }
        let means = measured.map { mean(reference[$0])! }
        macsKendall = RankCorrelation.kendall(measured.map { Double(cost[$0].macs) }, means)
        paramsKendall = RankCorrelation.kendall(measured.map { Double(cost[$0].params) }, means)
        referenceSeedKendall = FidelitySummary.seedAgreement(measured.map { reference[$0] })
    }

    /// A budget's row as the text table and the report show it: seeds, trainings done,
    /// seconds per training, mean accuracy, τ, its 90% interval, the share of resamples above
    /// MACs' τ, ρ, τ in the reference's better half, top-k overlap and the budget's own
    /// seed-vs-seed τ (the reference's is the ceiling); "–" where there is nothing to show.
    public func cells(_ budget: Budget) -> [String] {
        func tau(_ value: Double?) -> String { Formatting.fixed(value, digits: 3) }
        let done = "\(budget.complete)/\(budget.seeds * candidates)" + (budget.failed > 0 ? " (\(budget.failed) failed)" : "")
        let head = [String(budget.seeds), done, Formatting.fixed(budget.secondsPerTraining, digits: 1), Formatting.fixed(budget.meanAccuracy, digits: 4)]
        guard let summary = budget.fidelity else { return head + Array(repeating: "–", count: 6) + [tau(referenceSeedKendall)] }
        let bootstrap = summary.kendallBootstrap
        return head + [
            tau(summary.kendall), bootstrap.map { "[\(tau($0.low)), \(tau($0.high))]" } ?? "–",
            bootstrap.map { "\(Int(($0.aboveMACs * 100).rounded()))%" } ?? "–", tau(summary.spearman), tau(summary.kendallTopHalf),
            "\(Formatting.fixed(summary.topOverlap, digits: 2)) of \(summary.topK)", tau(summary.proxySeedKendall),
        ]
    }

    /// The table `nas fidelity` and `nas status` print.
    public var lines: [String] {
        func tau(_ value: Double?) -> String { Formatting.fixed(value, digits: 3) }
        func left(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        let labelWidth = max(12, budgets.map(\.label.count).max() ?? 0)
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        let rows = budgets.map(cells)
        // Right-aligned columns of these widths; the second ("done") is left-aligned.
        let doneWidth = max(6, rows.map { $0[1].count }.max() ?? 0) + 1
        let widths = [7, doneWidth, 7, 10, 7, 17, 8, 7, 12, 15, 8]
        var lines = ["fidelity study: \(candidates) correlation candidates, every budget ranked against the reference",
                     "free baselines against the reference: MACs τ \(tau(macsKendall)), parameters τ \(tau(paramsKendall)); ceiling (reference seed vs seed) τ \(tau(referenceSeedKendall))",
                     pad("budget", labelWidth) + "  seeds  " + pad("done", doneWidth) + "s/train  mean acc   τ      90% interval     > MACs   ρ      τ top half  top-k overlap  seed τ"]
        for (budget, row) in zip(budgets, rows) {
            let columns = zip(row, widths).enumerated().map { index, cell in index == 1 ? "  " + pad(cell.0, cell.1) : left(cell.0, cell.1) }
            lines.append(pad(budget.label, labelWidth) + columns.joined())
        }
        return lines
    }
}
