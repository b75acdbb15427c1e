import NASArchitecture
import NASFidelity
import NASSearchSpace
import NASStore

/// One training budget of a fidelity study: a recipe (the space's proxy with some settings
/// replaced) and how many seeds each candidate is trained with at it.
public struct FidelityBudget: Codable, Hashable, Sendable {
    /// What the budget changes from the space's proxy, as `--budget` took it ("proxy" for none).
    public var label: String
    public var proxy: ProxySettings
    public var seeds: Int

    public init(label: String, proxy: ProxySettings, seeds: Int) {
        (self.label, self.proxy, self.seeds) = (label, proxy, seeds)
    }
}

/// A fidelity study (`nas fidelity`): `candidates` correlation candidates of the space, each
/// trained at every budget with that budget's seeds. The last budget is the reference every
/// other one is ranked against. Stored in the run's config; its trials are ordinary trials of
/// the run, so the study resumes after a kill and `nas worker` processes can serve it.
///
/// A study's trial is in the batch of its budget (budget 0 = batch 0, cheapest first) and
/// numbered candidate-major within it: trial `number` of budget `b` is candidate
/// `(number - first(b)) % candidates`, seed index `(number - first(b)) / candidates`.
public struct FidelityPlan: Codable, Hashable, Sendable {
    public var candidates: Int
    /// Cheapest first; the last is the reference.
    public var budgets: [FidelityBudget]
    /// Seed of the candidates' pick (`CorrelationCandidates.pick`).
    public var seed: UInt64

    public static let candidatesRange = 4...200
    public static let seedsRange = 1...10
    public static let budgetsRange = 2...12

    public init(candidates: Int, budgets: [FidelityBudget], seed: UInt64) {
        (self.candidates, self.budgets, self.seed) = (candidates, budgets, seed)
    }

    /// Trials in all.
    public var trials: Int { budgets.reduce(0) { $0 + $1.seeds } * candidates }

    /// Number of the first trial of budget `index`.
    public func firstTrial(ofBudget index: Int) -> Int {
        budgets.prefix(index).reduce(0) { $0 + $1.seeds } * candidates
    }

    public func validate() throws(SearchError) {
        func check(_ ok: Bool, _ message: String) throws(SearchError) { if !ok { throw .invalid(message) } }
        let range = Self.candidatesRange, seeds = Self.seedsRange, budgetCount = Self.budgetsRange
        try check(range.contains(candidates), "--candidates must be from \(range.lowerBound) to \(range.upperBound), got \(candidates)")
        try check(budgetCount.contains(budgets.count),
                  "a fidelity study needs from \(budgetCount.lowerBound) budgets (a proxy and the reference) to \(budgetCount.upperBound), got \(budgets.count)")
        for budget in budgets {
            try check(seeds.contains(budget.seeds), "seeds per budget must be from \(seeds.lowerBound) to \(seeds.upperBound), got \(budget.seeds) for \(budget.label)")
        }
        let data = budgets[0].proxy
        for budget in budgets.dropFirst() where (budget.proxy.dataset, budget.proxy.data, budget.proxy.validation) != (data.dataset, data.data, data.validation) {
            throw .invalid("every budget of a study trains on the same data (its reference ranks the same validation images): \(budget.label) changes the dataset")
        }
    }

    /// The study's trials, in number order: every budget's, cheapest first; within one,
    /// seed index by seed index, each a pass over the candidates. Trial seeds are the run's
    /// (`SearchConfig.trialSeed`), so every training has its own.
    public func trials(space: SearchSpace, seed: (Int) -> UInt64) throws(SearchError) -> [NewTrial] {
        let picked: [CorrelationCandidate]
        do { picked = try CorrelationCandidates.pick(from: space, count: candidates, seed: self.seed) } catch { throw .space(error) }
        guard picked.count == candidates else {
            throw .invalid("the space holds only \(picked.count) distinct architectures in its sample; ask for --candidates \(picked.count) or fewer")
        }
        var trials: [NewTrial] = []
        for (index, budget) in budgets.enumerated() {
            for _ in 0..<budget.seeds {
                for candidate in picked {
                    trials.append(NewTrial(batch: index, network: candidate.network, decisions: candidate.choices,
                                           seed: seed(trials.count)))
                }
            }
        }
        return trials
    }
}
