import Foundation

/// Where a trial is in its life: queued → running → complete | failed. A running trial whose
/// lease expires goes back to queued (or to failed once it has used its attempts).
public enum TrialState: String, Codable, Sendable, CaseIterable {
    case queued, running, complete, failed

    /// Complete or failed: final, nothing more will happen to the trial.
    public var isFinished: Bool { self == .complete || self == .failed }
}

/// One search: its name, the search-space file and the configuration it was started with,
/// kept verbatim so a resumed search runs against exactly the same inputs.
public struct RunRecord: Sendable, Hashable, Codable {
    public let id: Int64
    public let name: String
    public let createdAt: Date
    /// The search-space file text.
    public let space: String
    /// The run configuration as JSON text.
    public let config: String

    public init(id: Int64, name: String, createdAt: Date, space: String, config: String) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.space = space
        self.config = config
    }
}

/// A trial as the controller proposes it, before the store gives it an id and a number.
public struct NewTrial: Sendable, Hashable {
    public let batch: Int
    /// Canonical architecture text (`ArchitectureFile.encode`).
    public let architecture: String
    /// The controller's decisions that produced the architecture, needed to update it later.
    public let decisions: [Int]
    public let seed: UInt64
    /// Not sampled by the controller: a hand-picked baseline (e.g. B0, batch 0), a leader
    /// evaluation or a promoted one (a later batch); see `TrialRole`.
    public let isReference: Bool
    /// The budget it is evaluated at: 0 the search's proxy, 1… a promotion's rungs
    /// (`SearchConfig.promotion`).
    public let rung: Int

    public init(batch: Int, architecture: String, decisions: [Int], seed: UInt64, isReference: Bool = false, rung: Int = 0) {
        self.batch = batch
        self.architecture = architecture
        self.decisions = decisions
        self.seed = seed
        self.isReference = isReference
        self.rung = rung
    }
}

/// What training and counting a trial produced.
public struct TrialResult: Sendable, Hashable, Codable {
    public let accuracy: Double
    public let reward: Double
    public let macs: Int
    public let params: Int
    /// Any extra reward components (e.g. latency), by name.
    public let components: [String: Double]
    /// Wall-clock seconds the evaluation took.
    public let seconds: Double

    public init(accuracy: Double, reward: Double, macs: Int, params: Int,
                components: [String: Double] = [:], seconds: Double) {
        self.accuracy = accuracy
        self.reward = reward
        self.macs = macs
        self.params = params
        self.components = components
        self.seconds = seconds
    }
}

/// A trial as stored. Immutable: every transition returns a new record.
public struct TrialRecord: Sendable, Hashable {
    public let id: Int64
    public let run: Int64
    /// 0-based, per run, in enqueue order.
    public let number: Int
    public let batch: Int
    public let state: TrialState
    public let architecture: String
    public let decisions: [Int]
    public let seed: UInt64
    /// Not sampled by the controller (see `role`).
    public let isReference: Bool
    /// The budget it was evaluated at (`NewTrial.rung`).
    public let rung: Int
    /// Set only when `state == .complete`.
    public let result: TrialResult?
    /// Why the trial failed, or — on a trial that is not failed — why it was last requeued.
    public let failure: String?
    /// The worker holding (or that last held) the trial.
    public let worker: String?
    /// How many times the trial has been claimed, less the claims an interrupted search gave
    /// back (`release`): what counts against `maxAttempts`.
    public let attempts: Int
    /// Set only while running: after this moment `requeueExpired` may take the trial back.
    public let leaseExpiresAt: Date?
    public let createdAt: Date
    public let startedAt: Date?
    public let finishedAt: Date?

    public init(id: Int64, run: Int64, number: Int, batch: Int, state: TrialState, architecture: String,
                decisions: [Int], seed: UInt64, isReference: Bool, rung: Int = 0, result: TrialResult?, failure: String?,
                worker: String?, attempts: Int, leaseExpiresAt: Date?, createdAt: Date, startedAt: Date?,
                finishedAt: Date?) {
        self.id = id
        self.run = run
        self.number = number
        self.batch = batch
        self.state = state
        self.architecture = architecture
        self.decisions = decisions
        self.seed = seed
        self.isReference = isReference
        self.rung = rung
        self.result = result
        self.failure = failure
        self.worker = worker
        self.attempts = attempts
        self.leaseExpiresAt = leaseExpiresAt
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A run's trials counted: sampled ones (not reference), the unfinished ones by state, and the
/// leader evaluations enqueued after the last sampled trial (`TrialRole.leader`).
public struct TrialTally: Sendable, Hashable {
    public var sampled: Int
    public var queued: Int
    public var running: Int
    /// Leader trials numbered after the last sampled one: the current leader's evaluations,
    /// once the controller has enqueued them (0 before, and after a budget raised on resume).
    public var finalLeaders: Int
    /// The highest batch any trial is in (-1 for none), and the batch the controller last
    /// saved its state after (nil before its first save): the controller has nothing more to
    /// enqueue once it saved after the last batch with nothing new (promotion needs this).
    public var lastBatch: Int
    public var controllerBatch: Int?

    public init(sampled: Int, queued: Int, running: Int, finalLeaders: Int = 0, lastBatch: Int = -1, controllerBatch: Int? = nil) {
        self.sampled = sampled
        self.queued = queued
        self.running = running
        self.finalLeaders = finalLeaders
        self.lastBatch = lastBatch
        self.controllerBatch = controllerBatch
    }

    public var unfinished: Int { queued + running }
}

/// Every way a store call can fail; each prints as one line.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case runExists(name: String)
    case runNotFound(id: Int64)
    case trialNotFound(id: Int64)
    /// The trial is not running, so it has no lease to extend, complete or fail.
    case notRunning(trial: Int64, state: TrialState)
    /// The trial runs under another worker: this worker's lease expired and was taken over.
    case leaseLost(trial: Int64, worker: String, holder: String?)
    /// Stored data that cannot be read back (bad JSON, unknown state), or a file that is not
    /// a database.
    case corrupt(String)
    /// A database that some other program made: SwiftNAS will not touch it.
    case foreign(String)
    /// Opening for a new store, but something is already there.
    case alreadyExists(String)
    /// Opening an existing store, but there is none.
    case missing(String)
    /// The database itself failed (I/O, busy past the timeout, schema).
    case database(String)

    public var description: String {
        switch self {
        case .runExists(let name): "a run named '\(name)' already exists"
        case .runNotFound(let id): "no run with id \(id)"
        case .trialNotFound(let id): "no trial with id \(id)"
        case .notRunning(let trial, let state): "trial \(trial) is \(state.rawValue), not running"
        case .leaseLost(let trial, let worker, let holder):
            "trial \(trial) is no longer held by worker '\(worker)'"
                + (holder.map { " (now held by '\($0)')" } ?? "")
        case .corrupt(let what): "corrupt store data: \(what)"
        case .foreign(let path): "\(path) is not a SwiftNAS trial log (it is another program's database); refusing to touch it"
        case .alreadyExists(let path): "\(path) already exists; refusing to overwrite it"
        case .missing(let path): "no trial log at \(path)"
        case .database(let message): "database error: \(message.replacingOccurrences(of: "\n", with: " "))"
        }
    }
}

/// The trial log of a search. Modelled on Optuna's storages: a small set of calls, each write
/// atomic, so several worker processes can share one store and a search can be resumed.
///
/// The contract every backend keeps (`TrialStoreConformance` in NASTestSupport checks it;
/// the rules that need no database are in `TrialRules` and `RecordMapping`):
///
/// - **Threads and processes.** A store may be called from any thread, and any number of
///   stores (processes, machines) may share one storage. Each call is one transaction: it
///   happens whole or not at all, and no other call sees it half done. A read sees only
///   committed writes.
/// - **Identity.** A trial's `number` is its public identity: 0-based and gapless in enqueue
///   order within its run, never reused. Its `id` is the database row, unique across runs and
///   internal to the store (calls take it; users see numbers). A run is found by its unique
///   name; its `id` is likewise internal.
/// - **Records are values.** Every record returned is a snapshot read back from storage after
///   the call's write, so it carries the stored precision (dates to the millisecond in
///   SQLite); a later call returns new records and never changes old ones.
/// - **Ownership.** A running trial belongs to the worker named in its claim until its lease
///   ends (`leaseExpiresAt <= now`); from then on `requeueExpired` may take it back (until it
///   does, the worker's calls still succeed). Only that worker may `heartbeat`, `complete` or
///   `fail` it: anyone else gets `leaseLost`, and a trial that is not running `notRunning`.
///   `release` takes back the trials of workers known to be gone, whatever their lease.
/// - **Transitions.** `claim`: queued → running (the oldest queued one; attempts + 1).
///   `complete`, `fail`: running under the caller → complete (with its result) or failed
///   (with its reason); both final. `requeueExpired`: running with an ended lease → queued,
///   or failed once it has used `maxAttempts`. `release`: running → queued, its attempt given
///   back. A trial queued again has no worker, lease or start time, and keeps the reason in
///   `failure`. Besides these and `heartbeat` (the lease only), nothing changes a trial, and
///   nothing leaves complete or failed.
/// - **Errors.** Every failure is a `StoreError`, one line; a call that throws wrote nothing.
public protocol TrialStore: Sendable {
    /// Throws `runExists` if the name is taken.
    func createRun(name: String, space: String, config: String) throws(StoreError) -> RunRecord
    func run(named: String) throws(StoreError) -> RunRecord?
    /// Every run, oldest first.
    func runs() throws(StoreError) -> [RunRecord]
    /// One transaction; numbers continue the run's sequence.
    func enqueue(_ trials: [NewTrial], run: Int64) throws(StoreError) -> [TrialRecord]
    /// Oldest queued trial → running under `worker`, attempts += 1. Atomic: two claimers never
    /// get the same trial. Nil when nothing is queued.
    func claim(run: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) -> TrialRecord?
    /// Extends the lease to `now + lease`; throws if the trial is not running under `worker`.
    func heartbeat(trial: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError)
    /// Only from running under `worker`: a late result after the lease was taken over is
    /// refused, so nothing is recorded twice.
    func complete(trial: Int64, worker: String, result: TrialResult, now: Date) throws(StoreError) -> TrialRecord
    /// Only from running under `worker`, like `complete`.
    func fail(trial: Int64, worker: String, reason: String, now: Date) throws(StoreError) -> TrialRecord
    /// Running trials whose lease ended at or before `now` → queued with the reason stored, or
    /// → failed when they have been claimed `maxAttempts` times.
    func requeueExpired(run: Int64, now: Date, maxAttempts: Int) throws(StoreError) -> [TrialRecord]
    /// Running trials whose worker name starts with `workerPrefix` → queued with `reason`,
    /// whatever their lease, with the claim's attempt given back: an interruption is not a
    /// failure, so it never uses up attempts (only evaluator failures and expired leases do).
    /// For a process that knows those workers are gone: a search resuming after its own
    /// process was killed.
    func release(run: Int64, workerPrefix: String, reason: String, now: Date) throws(StoreError) -> [TrialRecord]
    /// Replaces the run's configuration text (e.g. a resumed search's new trial budget).
    func updateConfig(run: Int64, config: String) throws(StoreError) -> RunRecord
    /// Ordered by number.
    func trials(run: Int64) throws(StoreError) -> [TrialRecord]
    /// One batch's trials, ordered by number (what a controller waits on, without the log).
    func trials(run: Int64, batch: Int) throws(StoreError) -> [TrialRecord]
    /// Counts that tell whether a run is done, without reading its log.
    func tally(run: Int64) throws(StoreError) -> TrialTally
    /// Upsert the controller's state after updating on `batch` and enqueue the trials it
    /// proposed next, in one transaction: a search killed at any moment finds either both or
    /// neither, so its resumed controller never re-proposes (or skips) a batch.
    @discardableResult
    func saveControllerState(run: Int64, batch: Int, state: Data, enqueue: [NewTrial]) throws(StoreError) -> [TrialRecord]
    func controllerState(run: Int64) throws(StoreError) -> (batch: Int, state: Data)?
}

extension TrialStore {
    public func saveControllerState(run: Int64, batch: Int, state: Data) throws(StoreError) {
        try saveControllerState(run: run, batch: batch, state: state, enqueue: [])
    }

    /// How many trials are in each state; every state is present, zero if none.
    public func counts(run: Int64) throws(StoreError) -> [TrialState: Int] {
        var counts = Dictionary(uniqueKeysWithValues: TrialState.allCases.map { ($0, 0) })
        for trial in try trials(run: run) { counts[trial.state, default: 0] += 1 }
        return counts
    }
}
