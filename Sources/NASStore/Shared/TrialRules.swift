import Foundation

/// The trial rules every `TrialStore` backend applies, with no database in them: who may
/// move a running trial, and what taking a running trial back (`requeueExpired`, `release`)
/// makes of it. A backend selects and locks the rows, asks these rules, and writes what they
/// say in the same transaction.
public enum TrialRules {
    /// Why a running trial is being taken back from its worker.
    public enum RequeueCause: Sendable, Hashable {
        /// Its lease ended: the worker is presumed dead, so the claim counts; out of
        /// `maxAttempts`, the trial fails.
        case leaseExpired(maxAttempts: Int)
        /// Its worker's process is known to be gone (`release`): an interruption, not a
        /// failure, so the trial is queued again and its claim's attempt given back.
        case interrupted(reason: String)
    }

    /// What a requeue makes of one running trial.
    public struct Requeue: Sendable, Hashable {
        /// `.queued` (worker, lease and start cleared) or `.failed` (finished now, lease
        /// cleared, the worker kept).
        public let state: TrialState
        /// Stored as the trial's `failure`: why it failed, or why it was requeued.
        public let failure: String
        /// The trial's attempts afterwards.
        public let attempts: Int

        public init(state: TrialState, failure: String, attempts: Int) {
            self.state = state
            self.failure = failure
            self.attempts = attempts
        }
    }

    /// A running trial held by `worker` with `attempts` counted claims (this one included),
    /// taken back for `cause`.
    public static func requeue(worker: String?, attempts: Int, cause: RequeueCause) -> Requeue {
        switch cause {
        case .leaseExpired(let maxAttempts):
            let why = "lease expired (worker \(worker ?? "?"))"
            if attempts >= maxAttempts {
                return Requeue(state: .failed, failure: "\(why) after \(attempts) attempts", attempts: attempts)
            }
            return Requeue(state: .queued, failure: why, attempts: attempts)
        case .interrupted(let reason):
            return Requeue(state: .queued, failure: reason, attempts: attempts > 0 ? attempts - 1 : attempts)
        }
    }

    /// `heartbeat`, `complete` and `fail` move only a trial that is running under the calling
    /// worker: otherwise `notRunning` (it was requeued, or has finished) or `leaseLost`
    /// (another worker holds it now).
    public static func requireHeld(_ trial: TrialRecord, by worker: String) throws(StoreError) {
        guard trial.state == .running else { throw .notRunning(trial: trial.id, state: trial.state) }
        guard trial.worker == worker else { throw .leaseLost(trial: trial.id, worker: worker, holder: trial.worker) }
    }

    /// The moment a lease given `now` for `lease` seconds ends (claim and heartbeat).
    public static func leaseEnd(now: Date, lease: TimeInterval) -> Date { now.addingTimeInterval(lease) }
}
