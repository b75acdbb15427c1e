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

    /// `text` (`key=value,…`) over `base`, labelled by what it changes.
    public init(_ text: String, over base: ProxySettings, seeds: Int) throws(SearchError) {
        do { proxy = try base.overriding(text) } catch { throw .space(error) }
        label = proxy.differences(from: base)
        self.seeds = seeds
    }
}

/// A fidelity study (`nas fidelity`): `candidates` correlation candidates of the space, each
/// trained at every budget with that budget's seeds. One budget is the reference every other
/// one is ranked against: the last one given when the study started; budgets added later
/// (`nas fidelity --extend`) go after it, so the trials already stored keep their numbers.
/// Stored in the run's config; its trials are ordinary trials of the run, so the study
/// resumes after a kill and `nas worker` processes can serve it.
///
/// A study's trial is in the batch of its budget (budget 0 = batch 0, in `budgets` order) and
/// numbered candidate-major within it: trial `number` of budget `b` is candidate
/// `(number - first(b)) % candidates`, seed index `(number - first(b)) / candidates`.
public struct FidelityPlan: Codable, Hashable, Sendable {
    public var candidates: Int
    /// In trial order: the space's proxy and the `--budget`s, the reference, then any added.
    public var budgets: [FidelityBudget]
    /// Seed of the candidates' pick (`CorrelationCandidates.pick`).
    public var seed: UInt64
    /// The reference's index in `budgets`; nil (the first studies' configs) = the last.
    public var referenceIndex: Int?
    /// The recipe every budget overrides (the space's proxy with `--proxy`), for budgets added
    /// later; nil = the first budget's.
    public var base: ProxySettings?
    /// Candidates given by the user (`--architecture`), as architecture files; nil = picked
    /// from the space (`CorrelationCandidates`).
    public var architectures: [String]?

    public var reference: Int { referenceIndex ?? budgets.count - 1 }
    public var baseProxy: ProxySettings { base ?? budgets[0].proxy }

    public static let candidatesRange = 4...200
    public static let seedsRange = 1...10
    public static let budgetsRange = 2...12

    public init(candidates: Int, budgets: [FidelityBudget], seed: UInt64, base: ProxySettings? = nil) {
        (self.candidates, self.budgets, self.seed, self.base) = (candidates, budgets, seed, base)
        referenceIndex = budgets.count - 1
    }

    /// The plan with more budgets after the existing ones, each `key=value,…` over the base
    /// recipe with `seeds` seeds: stored trials keep their numbers, the new ones come after.
    public func extended(with texts: [String], seeds: Int) throws(SearchError) -> FidelityPlan {
        var plan = self
        plan.referenceIndex = reference
        for text in texts { plan.budgets.append(try FidelityBudget(text, over: baseProxy, seeds: seeds)) }
        try plan.validate()
        return plan
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
        try check(budgets.indices.contains(reference), "the study's reference budget \(reference) is not one of its \(budgets.count)")
        for budget in budgets {
            try check(seeds.contains(budget.seeds), "seeds per budget must be from \(seeds.lowerBound) to \(seeds.upperBound), got \(budget.seeds) for \(budget.label)")
        }
        for budget in budgets.dropFirst() where !budget.proxy.usesSameData(as: budgets[0].proxy) {
            throw .invalid("every budget of a study trains on the same data (its reference ranks the same validation images): \(budget.label) changes the dataset")
        }
    }

    /// The study's trials, in number order: every budget's, in `budgets` order; within one,
    /// seed index by seed index, each a pass over the candidates. Trial seeds are the run's
    /// (`SearchConfig.trialSeed`), so every training has its own.
    public func trials(space: SearchSpace, seed: (Int) -> UInt64) throws(SearchError) -> [NewTrial] {
        let picked = try self.candidates(space: space)
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

    /// The given architectures (with the space's choices when they are points of it), or a
    /// pick from the space.
    private func candidates(space: SearchSpace) throws(SearchError) -> [(network: Network, choices: [Int])] {
        guard let architectures else {
            do {
                return try CorrelationCandidates.pick(from: space, count: candidates, seed: seed).map { ($0.network, $0.choices) }
            } catch { throw .space(error) }
        }
        return try architectures.enumerated().map { index, text throws(SearchError) in
            let network: Network
            do { network = try ArchitectureFile.decode(text, name: "candidate-\(index)") } catch {
                throw .invalid("candidate \(index) does not decode: \(error)")
            }
            return (network, space.choices(matching: network) ?? [])
        }
    }
}
