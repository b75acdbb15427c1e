import Foundation
import Synchronization
import Testing

import NASStore
import NASTestSupport

/// A way to get empty storage for one test. `make` creates it and returns an opener; each
/// call of the opener is a new handle on that same storage, standing in for a separate
/// process. A PostgreSQL store runs the same suite by adding a fixture.
struct StoreFixture: Sendable, CustomTestStringConvertible {
    let name: String
    /// Whether a new handle sees what earlier ones wrote (false for a private in-memory store,
    /// whose opener hands back the one instance).
    let persistent: Bool
    let make: @Sendable () throws -> @Sendable () throws -> any TrialStore

    var testDescription: String { name }
}

/// The behaviour every `TrialStore` must have, written against the protocol only.
enum TrialStoreConformance {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)  // whole seconds survive any date storage

    static func trial(_ batch: Int, _ index: Int, reference: Bool = false) -> NewTrial {
        NewTrial(batch: batch, architecture: "arch \(batch).\(index)", decisions: [batch, index, 3],
                 seed: UInt64(batch * 1000 + index), isReference: reference)
    }

    static func result(_ reward: Double) -> TrialResult {
        TrialResult(accuracy: reward + 0.1, reward: reward, macs: 390_000_000, params: 5_300_000,
                    components: ["latency": 12.5], seconds: 61.25)
    }

    static func newRun(_ store: any TrialStore, _ name: String = "search") throws -> RunRecord {
        try store.createRun(name: name, space: "space text\nline 2", config: #"{"batches":4}"#)
    }

    static func runsAreCreatedLookedUpAndUnique(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        #expect(run.name == "search" && run.space == "space text\nline 2" && run.config == #"{"batches":4}"#)
        #expect(try store.run(named: "search") == run)
        #expect(try store.run(named: "other") == nil)
        #expect(throws: StoreError.runExists(name: "search")) { try newRun(store) }
        let other = try newRun(store, "other")
        #expect(other.id != run.id)
        #expect(try store.runs() == [run, other])
        #expect(StoreError.runExists(name: "search").description == "a run named 'search' already exists")
    }

    static func enqueueNumbersContinueAcrossCalls(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        let other = try newRun(store, "other")
        let first = try store.enqueue([trial(0, 0), trial(0, 1), trial(0, 2, reference: true)], run: run.id)
        _ = try store.enqueue([trial(0, 0)], run: other.id)  // another run's numbers are its own
        let second = try store.enqueue([trial(1, 0), trial(1, 1)], run: run.id)
        #expect(first.map(\.number) == [0, 1, 2])
        #expect(second.map(\.number) == [3, 4])
        #expect(try store.enqueue([], run: run.id).isEmpty)
        #expect(first.allSatisfy { $0.state == .queued && $0.attempts == 0 && $0.worker == nil && $0.run == run.id })
        #expect(first.map(\.isReference) == [false, false, true])
        #expect(try store.trials(run: run.id) == first + second)
        #expect(try store.trials(run: other.id).map(\.number) == [0])
        #expect(throws: StoreError.runNotFound(id: 9999)) { try store.enqueue([trial(0, 0)], run: 9999) }
    }

    static func claimTakesOldestQueuedFirst(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        let queued = try store.enqueue((0..<3).map { trial(0, $0) }, run: run.id)
        let a = try #require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0))
        let b = try #require(try store.claim(run: run.id, worker: "w2", lease: 30, now: t0))
        #expect(a.id == queued[0].id && b.id == queued[1].id)
        #expect(a.state == .running && a.worker == "w1" && a.attempts == 1)
        #expect(a.startedAt == t0 && a.leaseExpiresAt == t0 + 60 && b.leaseExpiresAt == t0 + 30)
        _ = try #require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0))
        #expect(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0) == nil)
        #expect(try store.counts(run: run.id) == [.queued: 0, .running: 3, .complete: 0, .failed: 0])
    }

    /// Four handles on one storage claim concurrently; every trial must go to exactly one.
    static func concurrentClaimsAreExclusive(_ fixture: StoreFixture) throws {
        let open = try fixture.make()
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
        #expect(errors.withLock { $0 } == [])
        let ids = claimed.withLock { $0.values.flatMap { $0 } }
        #expect(ids.count == all.count)
        #expect(Set(ids) == Set(all.map(\.id)))
        let stored = try setup.trials(run: run.id)
        #expect(stored.allSatisfy { $0.state == .running && $0.attempts == 1 })
        // Each trial's stored worker is the one that got it.
        let owner = claimed.withLock { $0 }.flatMap { worker, ids in ids.map { ($0, "w\(worker)") } }
        #expect(Dictionary(uniqueKeysWithValues: owner) == Dictionary(uniqueKeysWithValues: stored.map { ($0.id, $0.worker!) }))
    }

    static func heartbeatExtendsTheLeaseOnlyForItsWorker(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        let queued = try store.enqueue([trial(0, 0), trial(0, 1)], run: run.id)
        let claimed = try #require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0))
        try store.heartbeat(trial: claimed.id, worker: "w1", lease: 60, now: t0 + 50)
        #expect(try store.trials(run: run.id)[0].leaseExpiresAt == t0 + 110)
        // Extended past the first lease: not expired at t0 + 100.
        #expect(try store.requeueExpired(run: run.id, now: t0 + 100, maxAttempts: 3).isEmpty)
        #expect(throws: StoreError.leaseLost(trial: claimed.id, worker: "w2", holder: "w1")) {
            try store.heartbeat(trial: claimed.id, worker: "w2", lease: 60, now: t0 + 60)
        }
        #expect(throws: StoreError.notRunning(trial: queued[1].id, state: .queued)) {
            try store.heartbeat(trial: queued[1].id, worker: "w1", lease: 60, now: t0)
        }
        #expect(throws: StoreError.trialNotFound(id: 9999)) {
            try store.heartbeat(trial: 9999, worker: "w1", lease: 60, now: t0)
        }
        // After the lease is taken back, the old worker's heartbeat is refused.
        _ = try store.requeueExpired(run: run.id, now: t0 + 200, maxAttempts: 3)
        #expect(throws: StoreError.notRunning(trial: claimed.id, state: .queued)) {
            try store.heartbeat(trial: claimed.id, worker: "w1", lease: 60, now: t0 + 201)
        }
    }

    static func completeAndFailTransitionOnlyFromRunningUnderTheWorker(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        let queued = try store.enqueue((0..<3).map { trial(0, $0) }, run: run.id)
        #expect(throws: StoreError.notRunning(trial: queued[0].id, state: .queued)) {
            try store.complete(trial: queued[0].id, worker: "w1", result: result(0.5), now: t0)
        }
        let a = try #require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0))
        #expect(throws: StoreError.leaseLost(trial: a.id, worker: "w2", holder: "w1")) {
            try store.complete(trial: a.id, worker: "w2", result: result(0.5), now: t0 + 10)
        }
        let done = try store.complete(trial: a.id, worker: "w1", result: result(0.5), now: t0 + 10)
        #expect(done.state == .complete && done.result == result(0.5) && done.finishedAt == t0 + 10)
        #expect(done.leaseExpiresAt == nil && done.worker == "w1" && done.failure == nil)
        #expect(throws: StoreError.notRunning(trial: a.id, state: .complete)) {
            try store.complete(trial: a.id, worker: "w1", result: result(0.9), now: t0 + 11)
        }
        #expect(throws: StoreError.notRunning(trial: a.id, state: .complete)) {
            try store.fail(trial: a.id, worker: "w1", reason: "late", now: t0 + 11)
        }

        let b = try #require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0))
        #expect(throws: StoreError.leaseLost(trial: b.id, worker: "w2", holder: "w1")) {
            try store.fail(trial: b.id, worker: "w2", reason: "nan loss", now: t0 + 5)
        }
        let failed = try store.fail(trial: b.id, worker: "w1", reason: "nan loss at step 12", now: t0 + 5)
        #expect(failed.state == .failed && failed.failure == "nan loss at step 12" && failed.result == nil)
        #expect(failed.finishedAt == t0 + 5 && failed.leaseExpiresAt == nil)
        #expect(throws: StoreError.notRunning(trial: b.id, state: .failed)) {
            try store.complete(trial: b.id, worker: "w1", result: result(0.5), now: t0 + 6)
        }

        // A result that arrives after the lease was taken back and re-claimed is refused, and
        // the new holder's result is the only one recorded.
        let c = try #require(try store.claim(run: run.id, worker: "w1", lease: 60, now: t0))
        _ = try store.requeueExpired(run: run.id, now: t0 + 61, maxAttempts: 3)
        #expect(throws: StoreError.notRunning(trial: c.id, state: .queued)) {
            try store.complete(trial: c.id, worker: "w1", result: result(0.7), now: t0 + 62)
        }
        let again = try #require(try store.claim(run: run.id, worker: "w2", lease: 60, now: t0 + 63))
        #expect(again.id == c.id && again.attempts == 2)
        #expect(throws: StoreError.leaseLost(trial: c.id, worker: "w1", holder: "w2")) {
            try store.complete(trial: c.id, worker: "w1", result: result(0.7), now: t0 + 64)
        }
        let final = try store.complete(trial: c.id, worker: "w2", result: result(0.6), now: t0 + 90)
        #expect(final.result?.reward == 0.6 && final.worker == "w2")
        #expect(try store.counts(run: run.id) == [.queued: 0, .running: 0, .complete: 2, .failed: 1])
    }

    static func expiredLeasesAreRequeuedUntilAttemptsRunOut(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        let queued = try store.enqueue([trial(0, 0), trial(0, 1)], run: run.id)
        var now = t0
        for attempt in 1...2 {
            let claimed = try #require(try store.claim(run: run.id, worker: "w\(attempt)", lease: 60, now: now))
            #expect(claimed.id == queued[0].id && claimed.attempts == attempt)
            #expect(try store.requeueExpired(run: run.id, now: now + 59, maxAttempts: 2).isEmpty)
            let requeued = try store.requeueExpired(run: run.id, now: now + 60, maxAttempts: 2)
            #expect(requeued.map(\.id) == [queued[0].id])
            if attempt == 1 {
                #expect(requeued[0].state == .queued && requeued[0].failure == "lease expired (worker w1)")
                #expect(requeued[0].worker == nil && requeued[0].leaseExpiresAt == nil && requeued[0].attempts == 1)
            } else {
                #expect(requeued[0].state == .failed)
                #expect(requeued[0].failure == "lease expired (worker w2) after 2 attempts")
                #expect(requeued[0].finishedAt == now + 60)
            }
            now += 100
        }
        // The failed trial is not claimed again; the next queued one is.
        #expect(try store.claim(run: run.id, worker: "w3", lease: 60, now: now)?.id == queued[1].id)
        #expect(try store.counts(run: run.id) == [.queued: 0, .running: 1, .complete: 0, .failed: 1])
    }

    static func resultsAndDecisionsRoundTrip(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        let new = NewTrial(batch: 7, architecture: "stem 32\nir_r1_k3_s1_e6_c16\n", decisions: [0, 5, 2, 11, 0],
                           seed: UInt64.max - 3, isReference: true)
        let queued = try store.enqueue([new], run: run.id)[0]
        #expect(queued.batch == 7 && queued.architecture == new.architecture && queued.decisions == new.decisions)
        #expect(queued.seed == UInt64.max - 3 && queued.isReference)
        _ = try store.claim(run: run.id, worker: "w1", lease: 60, now: t0)
        let rich = TrialResult(accuracy: 0.7312, reward: 0.6543210987654321, macs: 1_234_567_890, params: 7_654_321,
                               components: ["latency": 0.0123, "energy": 3.5e-7], seconds: 3600.125)
        let done = try store.complete(trial: queued.id, worker: "w1", result: rich, now: t0 + 1)
        let stored = try store.trials(run: run.id)[0]
        #expect(stored == done)
        #expect(stored.result == rich && stored.decisions == [0, 5, 2, 11, 0] && stored.seed == UInt64.max - 3)
        #expect(stored.createdAt == queued.createdAt)
    }

    static func controllerStateIsUpserted(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        #expect(try store.controllerState(run: run.id) == nil)
        try store.saveControllerState(run: run.id, batch: 0, state: Data([1, 2, 3]))
        try store.saveControllerState(run: run.id, batch: 1, state: Data([0, 255, 4, 0]))
        let loaded = try #require(try store.controllerState(run: run.id))
        #expect(loaded.batch == 1 && loaded.state == Data([0, 255, 4, 0]))
        #expect(throws: StoreError.runNotFound(id: 9999)) {
            try store.saveControllerState(run: 9999, batch: 0, state: Data())
        }
    }

    /// The controller's state and the batch it proposed land together; numbering continues.
    static func controllerStateAndNextBatchAreOneWrite(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        _ = try store.enqueue([trial(0, 0)], run: run.id)
        let next = try store.saveControllerState(run: run.id, batch: 0, state: Data([7]), enqueue: [trial(1, 0), trial(1, 1)])
        #expect(next.map(\.number) == [1, 2] && next.allSatisfy { $0.state == .queued && $0.batch == 1 })
        #expect(try store.controllerState(run: run.id)?.state == Data([7]))
        // A failing write leaves neither: the run does not exist, so nothing is stored.
        #expect(throws: StoreError.runNotFound(id: 9999)) {
            try store.saveControllerState(run: 9999, batch: 0, state: Data(), enqueue: [trial(1, 0)])
        }
        #expect(try store.trials(run: run.id).count == 3)
    }

    /// A resumed search takes back the trials its killed process held, lease or not, and only
    /// those; an interruption is not a failure, so however often it happens the trial is
    /// queued again with its attempt given back.
    static func releaseRequeuesOneProcessesTrials(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        let queued = try store.enqueue((0..<3).map { trial(0, $0) }, run: run.id)
        _ = try store.claim(run: run.id, worker: "local-1-a", lease: 3600, now: t0)
        _ = try store.claim(run: run.id, worker: "remote-b", lease: 3600, now: t0)
        _ = try store.claim(run: run.id, worker: "local-1-b", lease: 3600, now: t0)
        let released = try store.release(run: run.id, workerPrefix: "local-1-", reason: "interrupted", now: t0 + 1)
        #expect(released.map(\.id) == [queued[0].id, queued[2].id])
        #expect(released.allSatisfy { $0.state == .queued && $0.worker == nil && $0.failure == "interrupted" && $0.attempts == 0 })
        #expect(try store.trials(run: run.id)[1].state == .running)
        // Claimed and released again, far more often than any attempt limit: still queued,
        // still no attempt used.
        for process in 2..<10 {
            let claimed = try #require(try store.claim(run: run.id, worker: "local-\(process)-a", lease: 3600, now: t0))
            #expect(claimed.id == queued[0].id && claimed.attempts == 1)
            let again = try store.release(run: run.id, workerPrefix: "local-\(process)-", reason: "interrupted", now: t0 + 2)
            #expect(again.count == 1 && again[0].state == .queued && again[0].attempts == 0)
        }
        // An expired lease still counts: claimed by a worker that dies, the attempt is used.
        _ = try store.claim(run: run.id, worker: "remote-c", lease: 1, now: t0)
        let expired = try store.requeueExpired(run: run.id, now: t0 + 5, maxAttempts: 1)
        #expect(expired.map(\.id) == [queued[0].id] && expired[0].state == .failed)
        #expect(expired[0].failure == "lease expired (worker remote-c) after 1 attempts")
    }

    static func configIsReplaced(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        let updated = try store.updateConfig(run: run.id, config: #"{"batches":9}"#)
        #expect(updated.config == #"{"batches":9}"# && updated.space == run.space && updated.id == run.id)
        #expect(try store.run(named: "search")?.config == #"{"batches":9}"#)
        #expect(throws: StoreError.runNotFound(id: 9999)) { try store.updateConfig(run: 9999, config: "{}") }
    }

    /// A new handle on persistent storage sees everything (resuming a search).
    static func reopeningKeepsEverything(_ fixture: StoreFixture) throws {
        let open = try fixture.make()
        var before: (RunRecord, [TrialRecord])
        do {
            let store = try open()
            let run = try newRun(store)
            let queued = try store.enqueue((0..<3).map { trial(0, $0) }, run: run.id)
            _ = try store.claim(run: run.id, worker: "w1", lease: 60, now: t0)
            _ = try store.complete(trial: queued[0].id, worker: "w1", result: result(0.4), now: t0 + 5)
            _ = try store.claim(run: run.id, worker: "w1", lease: 60, now: t0 + 6)
            try store.saveControllerState(run: run.id, batch: 0, state: Data("lstm".utf8))
            before = (run, try store.trials(run: run.id))
        }
        let store = try open()
        let run = try #require(try store.run(named: "search"))
        #expect(run == before.0)
        #expect(try store.trials(run: run.id) == before.1)
        #expect(try store.controllerState(run: run.id)?.state == Data("lstm".utf8))
        // The crashed worker's trial comes back and numbering continues.
        #expect(try store.requeueExpired(run: run.id, now: t0 + 1000, maxAttempts: 3).map(\.number) == [1])
        #expect(try store.enqueue([trial(1, 0)], run: run.id).map(\.number) == [3])
    }

    static func derivedBestAndCounts(_ fixture: StoreFixture) throws {
        let store = try fixture.make()()
        let run = try newRun(store)
        #expect(try store.best(run: run.id) == nil)
        #expect(try store.counts(run: run.id) == [.queued: 0, .running: 0, .complete: 0, .failed: 0])
        let queued = try store.enqueue((0..<5).map { trial(0, $0) }, run: run.id)
        for (index, reward) in [0.3, 0.8, 0.8].enumerated() {
            _ = try store.claim(run: run.id, worker: "w", lease: 60, now: t0)
            _ = try store.complete(trial: queued[index].id, worker: "w", result: result(reward), now: t0)
        }
        _ = try store.claim(run: run.id, worker: "w", lease: 60, now: t0)
        _ = try store.fail(trial: queued[3].id, worker: "w", reason: "oom", now: t0)
        #expect(try store.best(run: run.id)?.id == queued[1].id)  // ties go to the earlier trial
        #expect(try store.counts(run: run.id) == [.queued: 1, .running: 0, .complete: 3, .failed: 1])
        // The tally and one batch's trials, read without the whole log.
        _ = try store.enqueue([trial(1, 0, reference: true), trial(1, 1)], run: run.id)
        _ = try store.claim(run: run.id, worker: "w", lease: 60, now: t0)
        #expect(try store.tally(run: run.id) == TrialTally(sampled: 6, queued: 2, running: 1))
        #expect(try store.trials(run: run.id, batch: 1).map(\.number) == [5, 6])
        #expect(try store.trials(run: run.id, batch: 0).count == 5)
        #expect(try store.trials(run: run.id, batch: 9).isEmpty)
        #expect(try store.tally(run: 9999) == TrialTally(sampled: 0, queued: 0, running: 0))
    }
}

/// The conformance suite, run against every backend.
@Suite struct TrialStoreConformanceTests {
    typealias C = TrialStoreConformance

    @Test(arguments: StoreFixture.all) func runs(_ f: StoreFixture) throws { try C.runsAreCreatedLookedUpAndUnique(f) }
    @Test(arguments: StoreFixture.all) func enqueueNumbering(_ f: StoreFixture) throws { try C.enqueueNumbersContinueAcrossCalls(f) }
    @Test(arguments: StoreFixture.all) func claimOrder(_ f: StoreFixture) throws { try C.claimTakesOldestQueuedFirst(f) }
    @Test(arguments: StoreFixture.all) func concurrentClaims(_ f: StoreFixture) throws { try C.concurrentClaimsAreExclusive(f) }
    @Test(arguments: StoreFixture.all) func heartbeat(_ f: StoreFixture) throws { try C.heartbeatExtendsTheLeaseOnlyForItsWorker(f) }
    @Test(arguments: StoreFixture.all) func completeAndFail(_ f: StoreFixture) throws { try C.completeAndFailTransitionOnlyFromRunningUnderTheWorker(f) }
    @Test(arguments: StoreFixture.all) func requeue(_ f: StoreFixture) throws { try C.expiredLeasesAreRequeuedUntilAttemptsRunOut(f) }
    @Test(arguments: StoreFixture.all) func roundTrip(_ f: StoreFixture) throws { try C.resultsAndDecisionsRoundTrip(f) }
    @Test(arguments: StoreFixture.all) func controllerState(_ f: StoreFixture) throws { try C.controllerStateIsUpserted(f) }
    @Test(arguments: StoreFixture.all.filter(\.persistent)) func reopen(_ f: StoreFixture) throws { try C.reopeningKeepsEverything(f) }
    @Test(arguments: StoreFixture.all) func bestAndCounts(_ f: StoreFixture) throws { try C.derivedBestAndCounts(f) }
    @Test(arguments: StoreFixture.all) func stateWithBatch(_ f: StoreFixture) throws { try C.controllerStateAndNextBatchAreOneWrite(f) }
    @Test(arguments: StoreFixture.all) func release(_ f: StoreFixture) throws { try C.releaseRequeuesOneProcessesTrials(f) }
    @Test(arguments: StoreFixture.all) func config(_ f: StoreFixture) throws { try C.configIsReplaced(f) }
}
