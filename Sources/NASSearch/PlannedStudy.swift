import Foundation
import NASSearchSpace
import NASStore

/// A run whose trials are all known when it starts — a fidelity study (`FidelityPlan`), a
/// coefficient search (`ScalingPlan`): no controller, nothing depends on results. Trial `n`
/// of `trials(space:seed:)` is the run's trial number `n`; its batch names its recipe
/// (`SearchConfig.proxy(forBatch:)`) and `batchLabels` what each batch is.
public protocol PlannedStudy: Sendable {
    /// What it is, as progress names it: "fidelity study".
    var kind: String { get }
    var trialCount: Int { get }
    var batchLabels: [String] { get }
    func trials(space: SearchSpace, seed: (Int) -> UInt64) throws(SearchError) -> [NewTrial]
}

extension FidelityPlan: PlannedStudy {
    public var trialCount: Int { trials }
    public var kind: String { "fidelity study" }
    public var batchLabels: [String] { budgets.map(\.label) }
}

extension SearchConfig {
    /// The run's planned study, if it is one.
    public var study: (any PlannedStudy)? { fidelity ?? scaling }
}

extension Search {
    /// A planned study's run: every trial is enqueued in one transaction when the run starts,
    /// then evaluated batch by batch in order (a fidelity study's proxies before its
    /// reference, so their results come early). A study killed at any moment resumes with the
    /// same trials, and workers anywhere serve it.
    func runStudy(_ plan: any PlannedStudy, emit: @escaping @Sendable (SearchEvent) -> Void, resumed: Bool,
                  released: [TrialRecord]) throws(SearchError) {
        var trials = try storeCall { try store.trials(run: run.id) }
        if trials.count < plan.trialCount {
            // A new study, or one extended with budgets (`nas fidelity --extend`): what is
            // stored must be the plan's first trials, and the rest are enqueued in one transaction.
            let planned = try plan.trials(space: space, seed: config.trialSeed)
            let matches = zip(trials, planned).allSatisfy { $0.batch == $1.batch && $0.architecture == $1.architecture && $0.seed == $1.seed }
            guard matches else {
                throw .store(.corrupt("the study's stored trials are not its plan's"))
            }
            trials += try storeCall { try store.enqueue(Array(planned.dropFirst(trials.count)), run: run.id) }
        }
        guard trials.count == plan.trialCount else {
            throw .store(.corrupt("the study holds \(trials.count) trials, its plan \(plan.trialCount)"))
        }
        emit(.studyStarted(kind: plan.kind, budgets: plan.batchLabels))
        emit(.started(run: run.name, resumed: resumed, finished: trials.count { $0.state.isFinished }, total: plan.trialCount,
                      released: released, best: nil))
        for batch in plan.batchLabels.indices {
            try evaluateBatch(batch, emit: emit)
        }
        let finished = try storeCall { try store.trials(run: run.id) }
        emit(.studyFinished(complete: finished.count { $0.state == .complete }, failed: finished.count { $0.state == .failed }))
    }
}
