import Foundation
import NASStore
import Synchronization

/// A `TrialStore` that dies like a killed process: it forwards every call to `base` until the
/// claim of a trial after `claims` such claims (claims that find nothing queued do not count). That claim is made (its trial is left running, as a
/// process killed right after claiming leaves it), then it and every later call throw
/// `StoreError`, so a search using it stops with trials still running.
public final class CrashingStore: TrialStore {
    let base: any TrialStore
    /// Claims still allowed before the crash; negative once crashed.
    private let left: Mutex<Int>

    public init(_ base: any TrialStore, crashAfterClaims claims: Int) {
        self.base = base
        self.left = Mutex(claims)
    }

    public var crashed: Bool { left.withLock { $0 < 0 } }

    private func alive() throws(StoreError) {
        if crashed { throw StoreError.database("simulated crash: the process is gone") }
    }

    private func forward<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try alive()
        return try body()
    }

    public func claim(run: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) -> TrialRecord? {
        try alive()
        guard let claimed = try base.claim(run: run, worker: worker, lease: lease, now: now) else { return nil }
        let crashing = left.withLock { left -> Bool in
            left -= 1
            return left < 0
        }
        if crashing { throw StoreError.database("simulated crash after claiming a trial") }
        return claimed
    }

    public func createRun(name: String, space: String, config: String) throws(StoreError) -> RunRecord {
        try forward { () throws(StoreError) in try base.createRun(name: name, space: space, config: config) }
    }

    public func run(named: String) throws(StoreError) -> RunRecord? {
        try forward { () throws(StoreError) in try base.run(named: named) }
    }

    public func runs() throws(StoreError) -> [RunRecord] {
        try forward { () throws(StoreError) in try base.runs() }
    }

    public func enqueue(_ trials: [NewTrial], run: Int64) throws(StoreError) -> [TrialRecord] {
        try forward { () throws(StoreError) in try base.enqueue(trials, run: run) }
    }

    public func heartbeat(trial: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) {
        try forward { () throws(StoreError) in try base.heartbeat(trial: trial, worker: worker, lease: lease, now: now) }
    }

    public func complete(trial: Int64, worker: String, result: TrialResult, now: Date) throws(StoreError) -> TrialRecord {
        try forward { () throws(StoreError) in try base.complete(trial: trial, worker: worker, result: result, now: now) }
    }

    public func fail(trial: Int64, worker: String, reason: String, now: Date) throws(StoreError) -> TrialRecord {
        try forward { () throws(StoreError) in try base.fail(trial: trial, worker: worker, reason: reason, now: now) }
    }

    public func requeueExpired(run: Int64, now: Date, maxAttempts: Int) throws(StoreError) -> [TrialRecord] {
        try forward { () throws(StoreError) in try base.requeueExpired(run: run, now: now, maxAttempts: maxAttempts) }
    }

    public func release(run: Int64, workerPrefix: String, reason: String, now: Date) throws(StoreError) -> [TrialRecord] {
        try forward { () throws(StoreError) in try base.release(run: run, workerPrefix: workerPrefix, reason: reason, now: now) }
    }

    public func updateConfig(run: Int64, config: String) throws(StoreError) -> RunRecord {
        try forward { () throws(StoreError) in try base.updateConfig(run: run, config: config) }
    }

    public func trials(run: Int64) throws(StoreError) -> [TrialRecord] {
        try forward { () throws(StoreError) in try base.trials(run: run) }
    }

    public func trials(run: Int64, batch: Int) throws(StoreError) -> [TrialRecord] {
        try forward { () throws(StoreError) in try base.trials(run: run, batch: batch) }
    }

    public func tally(run: Int64) throws(StoreError) -> TrialTally {
        try forward { () throws(StoreError) in try base.tally(run: run) }
    }

    public func saveControllerState(run: Int64, batch: Int, state: Data, enqueue: [NewTrial]) throws(StoreError) -> [TrialRecord] {
        try forward { () throws(StoreError) in
            try base.saveControllerState(run: run, batch: batch, state: state, enqueue: enqueue)
        }
    }

    public func controllerState(run: Int64) throws(StoreError) -> (batch: Int, state: Data)? {
        try forward { () throws(StoreError) in try base.controllerState(run: run) }
    }
}
