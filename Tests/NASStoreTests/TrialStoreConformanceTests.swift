import Foundation
import Testing

import NASStore
import NASTestSupport

/// The backends this package ships, as the conformance suite (NASTestSupport) takes them.
extension TrialStoreConformance {
    static let sqliteMemory = TrialStoreConformance(name: "SQLite in memory") { try SQLiteTrialStore.inMemory() }

    /// A fresh file per check; each open is a separate `DatabasePool`, like a separate process.
    static let sqliteFile = TrialStoreConformance(name: "SQLite file", persistent: true) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("NASStoreTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("trials.sqlite").path
        return { try SQLiteTrialStore(path: path) }
    }

    /// A fresh database per check on the test process's loopback server.
    static let postgres = TrialStoreConformance(name: "PostgreSQL", persistent: true) {
        let url = try LoopbackPostgres.server().newDatabase()
        return { try PostgreSQLTrialStore(url: url) }
    }

    /// Every backend: the suite runs against each.
    static let all: [TrialStoreConformance] = [.sqliteMemory, .sqliteFile, .postgres]
}

/// The conformance suite, one test per check, run against every backend.
@Suite struct TrialStoreConformanceTests {
    typealias C = TrialStoreConformance

    @Test(arguments: C.all) func runs(_ c: C) throws { try c.runsAreCreatedLookedUpAndUnique() }
    @Test(arguments: C.all) func enqueueNumbering(_ c: C) throws { try c.enqueueNumbersContinueAcrossCalls() }
    @Test(arguments: C.all) func claimOrder(_ c: C) throws { try c.claimTakesOldestQueuedFirst() }
    @Test(arguments: C.all) func concurrentClaims(_ c: C) throws { try c.concurrentClaimsAreExclusive() }
    @Test(arguments: C.all) func heartbeat(_ c: C) throws { try c.heartbeatExtendsTheLeaseOnlyForItsWorker() }
    @Test(arguments: C.all) func completeAndFail(_ c: C) throws { try c.completeAndFailTransitionOnlyFromRunningUnderTheWorker() }
    @Test(arguments: C.all) func requeue(_ c: C) throws { try c.expiredLeasesAreRequeuedUntilAttemptsRunOut() }
    @Test(arguments: C.all) func roundTrip(_ c: C) throws { try c.resultsAndDecisionsRoundTrip() }
    @Test(arguments: C.all) func controllerState(_ c: C) throws { try c.controllerStateIsUpserted() }
    @Test(arguments: C.all.filter(\.persistent)) func reopen(_ c: C) throws { try c.reopeningKeepsEverything() }
    @Test(arguments: C.all) func bestAndCounts(_ c: C) throws { try c.derivedBestAndCounts() }
    @Test(arguments: C.all) func stateWithBatch(_ c: C) throws { try c.controllerStateAndNextBatchAreOneWrite() }
    @Test(arguments: C.all) func release(_ c: C) throws { try c.releaseRequeuesOneProcessesTrials() }
    @Test(arguments: C.all) func config(_ c: C) throws { try c.configIsReplaced() }

    /// `runAll`, what a third backend's tests call, runs every check that applies and passes
    /// here; a broken store's failures name the check and the expectation.
    @Test func runAllRunsEveryApplicableCheck() throws {
        try C.sqliteMemory.runAll()
        #expect(C.checks.count == 14 && C.checks.filter(\.needsPersistence).map(\.name) == ["reopeningKeepsEverything"])
        let broken = C(name: "Broken") { BrokenStore() }
        #expect {
            try broken.runAll()
        } throws: { error in
            let text = "\(error)"
            return text.contains("Broken: runsAreCreatedLookedUpAndUnique: threw") && text.split(separator: "\n").count == 13
        }
    }

    /// The requeue rules both backends share, away from any database.
    @Test func requeueRules() {
        #expect(TrialRules.requeue(worker: "w1", attempts: 1, cause: .leaseExpired(maxAttempts: 2))
                    == .init(state: .queued, failure: "lease expired (worker w1)", attempts: 1))
        #expect(TrialRules.requeue(worker: nil, attempts: 2, cause: .leaseExpired(maxAttempts: 2))
                    == .init(state: .failed, failure: "lease expired (worker ?) after 2 attempts", attempts: 2))
        #expect(TrialRules.requeue(worker: "w1", attempts: 3, cause: .interrupted(reason: "stopped"))
                    == .init(state: .queued, failure: "stopped", attempts: 2))
        #expect(TrialRules.requeue(worker: "w1", attempts: 0, cause: .interrupted(reason: "stopped")).attempts == 0)
    }
}

/// A store whose every call fails: `runAll` must report each check it runs.
private struct BrokenStore: TrialStore {
    private var error: StoreError { .database("broken") }
    func createRun(name: String, space: String, config: String) throws(StoreError) -> RunRecord { throw error }
    func run(named: String) throws(StoreError) -> RunRecord? { throw error }
    func runs() throws(StoreError) -> [RunRecord] { throw error }
    func enqueue(_ trials: [NewTrial], run: Int64) throws(StoreError) -> [TrialRecord] { throw error }
    func claim(run: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) -> TrialRecord? { throw error }
    func heartbeat(trial: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) { throw error }
    func complete(trial: Int64, worker: String, result: TrialResult, now: Date) throws(StoreError) -> TrialRecord { throw error }
    func fail(trial: Int64, worker: String, reason: String, now: Date) throws(StoreError) -> TrialRecord { throw error }
    func requeueExpired(run: Int64, now: Date, maxAttempts: Int) throws(StoreError) -> [TrialRecord] { throw error }
    func release(run: Int64, workerPrefix: String, reason: String, now: Date) throws(StoreError) -> [TrialRecord] { throw error }
    func updateConfig(run: Int64, config: String) throws(StoreError) -> RunRecord { throw error }
    func trials(run: Int64) throws(StoreError) -> [TrialRecord] { throw error }
    func trials(run: Int64, batch: Int) throws(StoreError) -> [TrialRecord] { throw error }
    func tally(run: Int64) throws(StoreError) -> TrialTally { throw error }
    func saveControllerState(run: Int64, batch: Int, state: Data, enqueue: [NewTrial]) throws(StoreError) -> [TrialRecord] {
        throw error
    }
    func controllerState(run: Int64) throws(StoreError) -> (batch: Int, state: Data)? { throw error }
}
