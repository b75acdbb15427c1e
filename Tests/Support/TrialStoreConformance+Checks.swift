import Foundation
import Synchronization

import NASStore

/// The checks: each takes new, empty storage from `makeStorage` and throws a
/// `ConformanceFailure` at the first expectation that does not hold.
extension TrialStoreConformance {
    public func runsAreCreatedLookedUpAndUnique() throws {
        let store = try freshStore()
        let run = try newRun(store)
        try expect(run.name == "search" && run.space == "space text\nline 2" && run.config == #"{"batches":4}"#,
                   "the run as created, got \(run)")
        try expectEqual(try store.run(named: "search"), run, "run(named:)")
        try expectEqual(try store.run(named: "other"), nil, "run(named:) of a missing run")
        try expectError(.runExists(name: "search")) { _ = try newRun(store) }
        let other = try newRun(store, "other")
        try expect(other.id != run.id, "a new id for a second run")
        try expectEqual(try store.runs(), [run, other], "runs()")
        try expectEqual(StoreError.runExists(name: "search").description, "a run named 'search' already exists")
    }

    public func enqueueNumbersContinueAcrossCalls() throws {
        let store = try freshStore()
        let run = try newRun(store)
        let other = try newRun(store, "other")
        let first = try store.enqueue([trial(0, 0), trial(0, 1), trial(0, 2, reference: true)], run: run.id)
        _ = try store.enqueue([trial(0, 0)], run: other.id)  // another run's numbers are its own
        let second = try store.enqueue([trial(1, 0), trial(1, 1)], run: run.id)
        try expectEqual(first.map(\.number), [0, 1, 2], "first numbers")
        try expectEqual(second.map(\.number), [3, 4], "second numbers")
        try expect(try store.enqueue([], run: run.id).isEmpty, "nothing enqueued from an empty list")
        try expect(first.allSatisfy { $0.state == .queued && $0.attempts == 0 && $0.worker == nil && $0.run == run.id },
                   "new trials queued, unclaimed, in their run: \(first)")
        try expectEqual(first.map(\.isReference), [false, false, true], "isReference")
        try expectEqual(try store.trials(run: run.id), first + second, "trials(run:)")
        try expectEqual(try store.trials(run: other.id).map(\.number), [0], "the other run's numbers")
        try expectError(.runNotFound(id: 9999)) { _ = try store.enqueue([trial(0, 0)], run: 9999) }
    }

    public func claimTakesOldestQueuedFirst() throws {
        let store = try freshStore()
        let run = try newRun(store)
        let queued = try store.enqueue((0..<3).map { trial(0, $0) }, run: run.id)
        let a = try require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0), "a claimed trial")
        let b = try require(try store.claim(run: run.id, worker: "w2", lease: 30, now: t0), "a claimed trial")
        try expect(a.id == queued[0].id && b.id == queued[1].id, "the oldest trials claimed first")
        try expect(a.state == .running && a.worker == "w1" && a.attempts == 1, "running under w1, 1 attempt: \(a)")
        try expect(a.startedAt == t0 && a.leaseExpiresAt == t0 + 60 && b.leaseExpiresAt == t0 + 30,
                   "start and lease times from now and the lease: \(a), \(b)")
        _ = try require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0), "a claimed trial")
        try expectEqual(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0), nil, "a claim with nothing queued")
        try expectEqual(try store.counts(run: run.id), [.queued: 0, .running: 3, .complete: 0, .failed: 0], "counts")
    }

    /// Four handles on one storage claim concurrently; every trial must go to exactly one.
    public func concurrentClaimsAreExclusive() throws {
        let open = try makeStorage()
        let setup = try open()
        let run = try newRun(setup)
        let all = try setup.enqueue((0..<60).map { trial($0 / 10, $0) }, run: run.id)
        // Handles are opened before the race: creating storage is not what is under test.
        let handles = try (0..<4).map { _ in try open() }
        let claimed = Mutex<[Int: [Int64]]>([:])
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            var mine: [Int64] = []
            do {
                while let trial = try handles[worker].claim(run: run.id, worker: "w\(worker)", lease: 60, now: t0) {
                    mine.append(trial.id)
                }
            } catch {
                errors.withLock { $0.append("\(error)") }
            }
            claimed.withLock { $0[worker] = mine }
        }
        try expectEqual(errors.withLock { $0 }, [], "errors while claiming")
        let ids = claimed.withLock { $0.values.flatMap { $0 } }
        try expectEqual(ids.count, all.count, "claims")
        try expectEqual(Set(ids), Set(all.map(\.id)), "claimed ids")
        let stored = try setup.trials(run: run.id)
        try expect(stored.allSatisfy { $0.state == .running && $0.attempts == 1 }, "every trial running after 1 attempt")
        // Each trial's stored worker is the one that got it.
        let owner = claimed.withLock { $0 }.flatMap { worker, ids in ids.map { ($0, "w\(worker)") } }
        try expectEqual(Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0.worker ?? "") }),
                        Dictionary(uniqueKeysWithValues: owner), "stored workers")
    }

    public func heartbeatExtendsTheLeaseOnlyForItsWorker() throws {
        let store = try freshStore()
        let run = try newRun(store)
        let queued = try store.enqueue([trial(0, 0), trial(0, 1)], run: run.id)
        let claimed = try require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0), "a claimed trial")
        try store.heartbeat(trial: claimed.id, worker: "w1", lease: 60, now: t0 + 50)
        try expectEqual(try store.trials(run: run.id)[0].leaseExpiresAt, t0 + 110, "the extended lease")
        // Extended past the first lease: not expired at t0 + 100.
        try expect(try store.requeueExpired(run: run.id, now: t0 + 100, maxAttempts: 3).isEmpty, "no expired lease")
        try expectError(.leaseLost(trial: claimed.id, worker: "w2", holder: "w1")) {
            try store.heartbeat(trial: claimed.id, worker: "w2", lease: 60, now: t0 + 60)
        }
        try expectError(.notRunning(trial: queued[1].id, state: .queued)) {
            try store.heartbeat(trial: queued[1].id, worker: "w1", lease: 60, now: t0)
        }
        try expectError(.trialNotFound(id: 9999)) {
            try store.heartbeat(trial: 9999, worker: "w1", lease: 60, now: t0)
        }
        // After the lease is taken back, the old worker's heartbeat is refused.
        _ = try store.requeueExpired(run: run.id, now: t0 + 200, maxAttempts: 3)
        try expectError(.notRunning(trial: claimed.id, state: .queued)) {
            try store.heartbeat(trial: claimed.id, worker: "w1", lease: 60, now: t0 + 201)
        }
    }

    public func completeAndFailTransitionOnlyFromRunningUnderTheWorker() throws {
        let store = try freshStore()
        let run = try newRun(store)
        let queued = try store.enqueue((0..<3).map { trial(0, $0) }, run: run.id)
        try expectError(.notRunning(trial: queued[0].id, state: .queued)) {
            _ = try store.complete(trial: queued[0].id, worker: "w1", result: result(0.5), now: t0)
        }
        let a = try require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0), "a claimed trial")
        try expectError(.leaseLost(trial: a.id, worker: "w2", holder: "w1")) {
            _ = try store.complete(trial: a.id, worker: "w2", result: result(0.5), now: t0 + 10)
        }
        let done = try store.complete(trial: a.id, worker: "w1", result: result(0.5), now: t0 + 10)
        try expect(done.state == .complete && done.result == result(0.5) && done.finishedAt == t0 + 10,
                   "complete with its result at t0 + 10: \(done)")
        try expect(done.leaseExpiresAt == nil && done.worker == "w1" && done.failure == nil,
                   "no lease, the worker kept, no failure: \(done)")
        try expectError(.notRunning(trial: a.id, state: .complete)) {
            _ = try store.complete(trial: a.id, worker: "w1", result: result(0.9), now: t0 + 11)
        }
        try expectError(.notRunning(trial: a.id, state: .complete)) {
            _ = try store.fail(trial: a.id, worker: "w1", reason: "late", now: t0 + 11)
        }

        let b = try require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0), "a claimed trial")
        try expectError(.leaseLost(trial: b.id, worker: "w2", holder: "w1")) {
            _ = try store.fail(trial: b.id, worker: "w2", reason: "nan loss", now: t0 + 5)
        }
        let failed = try store.fail(trial: b.id, worker: "w1", reason: "nan loss at step 12", now: t0 + 5)
        try expect(failed.state == .failed && failed.failure == "nan loss at step 12" && failed.result == nil,
                   "failed with its reason and no result: \(failed)")
        try expect(failed.finishedAt == t0 + 5 && failed.leaseExpiresAt == nil, "finished at t0 + 5, no lease: \(failed)")
        try expectError(.notRunning(trial: b.id, state: .failed)) {
            _ = try store.complete(trial: b.id, worker: "w1", result: result(0.5), now: t0 + 6)
        }
        try lateResultsAreRefused(store, run)
    }

    /// A result that arrives after the lease was taken back and re-claimed is refused, and
    /// the new holder's result is the only one recorded (the third trial of the run).
    private func lateResultsAreRefused(_ store: any TrialStore, _ run: RunRecord) throws {
        let c = try require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0), "a claimed trial")
        _ = try store.requeueExpired(run: run.id, now: t0 + 61, maxAttempts: 3)
        try expectError(.notRunning(trial: c.id, state: .queued)) {
            _ = try store.complete(trial: c.id, worker: "w1", result: result(0.7), now: t0 + 62)
        }
        let again = try require(try store.claim(run: run.id, worker: "w2", lease: 60, now: t0 + 63), "a claimed trial")
        try expect(again.id == c.id && again.attempts == 2, "the requeued trial claimed again, 2 attempts: \(again)")
        try expectError(.leaseLost(trial: c.id, worker: "w1", holder: "w2")) {
            _ = try store.complete(trial: c.id, worker: "w1", result: result(0.7), now: t0 + 64)
        }
        let final = try store.complete(trial: c.id, worker: "w2", result: result(0.6), now: t0 + 90)
        try expect(final.result?.reward == 0.6 && final.worker == "w2", "w2's result recorded: \(final)")
        try expectEqual(try store.counts(run: run.id), [.queued: 0, .running: 0, .complete: 2, .failed: 1], "counts")
    }

    public func expiredLeasesAreRequeuedUntilAttemptsRunOut() throws {
        let store = try freshStore()
        let run = try newRun(store)
        let queued = try store.enqueue([trial(0, 0), trial(0, 1)], run: run.id)
        var now = t0
        for attempt in 1...2 {
            let claimed = try require(try store.claim(run: run.id, worker: "w\(attempt)", lease: 60, now: now), "a claimed trial")
            try expect(claimed.id == queued[0].id && claimed.attempts == attempt, "trial 0 claimed, attempt \(attempt): \(claimed)")
            try expect(try store.requeueExpired(run: run.id, now: now + 59, maxAttempts: 2).isEmpty, "no lease ended yet")
            let requeued = try store.requeueExpired(run: run.id, now: now + 60, maxAttempts: 2)
            try expectEqual(requeued.map(\.id), [queued[0].id], "requeued ids")
            if attempt == 1 {
                try expect(requeued[0].state == .queued && requeued[0].failure == "lease expired (worker w1)",
                           "queued with the reason: \(requeued[0])")
                try expect(requeued[0].worker == nil && requeued[0].leaseExpiresAt == nil && requeued[0].attempts == 1,
                           "no worker or lease, the attempt kept: \(requeued[0])")
            } else {
                try expectEqual(requeued[0].state, .failed, "state after the last attempt")
                try expectEqual(requeued[0].failure, "lease expired (worker w2) after 2 attempts", "failure")
                try expectEqual(requeued[0].finishedAt, now + 60, "finishedAt")
            }
            now += 100
        }
        // The failed trial is not claimed again; the next queued one is.
        try expectEqual(try store.claim(run: run.id, worker: "w3", lease: 60, now: now)?.id, queued[1].id, "next claim")
        try expectEqual(try store.counts(run: run.id), [.queued: 0, .running: 1, .complete: 0, .failed: 1], "counts")
    }

    public func resultsAndDecisionsRoundTrip() throws {
        let store = try freshStore()
        let run = try newRun(store)
        let new = NewTrial(batch: 7, architecture: "stem 32\nir_r1_k3_s1_e6_c16\n", decisions: [0, 5, 2, 11, 0],
                           seed: UInt64.max - 3, isReference: true)
        let queued = try store.enqueue([new], run: run.id)[0]
        try expect(queued.batch == 7 && queued.architecture == new.architecture && queued.decisions == new.decisions,
                   "batch, architecture and decisions as given: \(queued)")
        try expect(queued.seed == UInt64.max - 3 && queued.isReference, "the seed and reference flag as given: \(queued)")
        _ = try store.claim(run: run.id, worker: "w1", lease: 60, now: t0)
        let rich = TrialResult(accuracy: 0.7312, reward: 0.6543210987654321, macs: 1_234_567_890, params: 7_654_321,
                               components: ["latency": 0.0123, "energy": 3.5e-7], seconds: 3600.125)
        let done = try store.complete(trial: queued.id, worker: "w1", result: rich, now: t0 + 1)
        let stored = try store.trials(run: run.id)[0]
        try expectEqual(stored, done, "the stored trial")
        try expect(stored.result == rich && stored.decisions == [0, 5, 2, 11, 0] && stored.seed == UInt64.max - 3,
                   "result, decisions and seed read back exactly: \(stored)")
        try expectEqual(stored.createdAt, queued.createdAt, "createdAt")
    }
}
