import Foundation
import NASStore

extension Search {
    /// A fidelity study's run (`SearchConfig.fidelity`): every trial is enqueued in one
    /// transaction when the run starts, then evaluated budget by budget in the plan's order
    /// (the proxies before the reference, so their results come early). No controller: nothing depends on results, so a
    /// study killed at any moment resumes with the same trials, and workers anywhere serve it.
    func runStudy(emit: @escaping @Sendable (SearchEvent) -> Void, resumed: Bool, released: [TrialRecord]) throws(SearchError) {
        guard let plan = config.fidelity else { return }
        var trials = try storeCall { try store.trials(run: run.id) }
        if trials.count < plan.trials {
            // A new study, or one extended with budgets (`--extend`): what is stored must be
            // the plan's first trials, and the rest are enqueued in one transaction.
            let planned = try plan.trials(space: space, seed: config.trialSeed)
            let matches = zip(trials, planned).allSatisfy { $0.batch == $1.batch && $0.architecture == $1.architecture && $0.seed == $1.seed }
            guard matches else {
                throw .store(.corrupt("the study's stored trials are not its plan's"))
            }
            trials += try storeCall { try store.enqueue(Array(planned.dropFirst(trials.count)), run: run.id) }
        }
        guard trials.count == plan.trials else {
            throw .store(.corrupt("the study holds \(trials.count) trials, its plan \(plan.trials)"))
        }
        emit(.studyStarted(budgets: plan.budgets.map(\.label)))
        emit(.started(run: run.name, resumed: resumed, finished: trials.count { $0.state.isFinished }, total: plan.trials,
                      released: released, best: nil))
        for budget in plan.budgets.indices {
            try evaluateBatch(budget, emit: emit)
        }
        let finished = try storeCall { try store.trials(run: run.id) }
        emit(.studyFinished(complete: finished.count { $0.state == .complete }, failed: finished.count { $0.state == .failed }))
    }
}
