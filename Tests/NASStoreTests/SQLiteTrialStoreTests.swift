import Foundation
import Testing

import NASStore

extension StoreFixture {
    static let sqliteMemory = StoreFixture(name: "SQLite in memory", persistent: false) {
        let store = try SQLiteTrialStore.inMemory()
        return { store }
    }

    /// A fresh file per test; each open is a separate `DatabasePool`, like a separate process.
    static let sqliteFile = StoreFixture(name: "SQLite file", persistent: true) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("NASStoreTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("trials.sqlite").path
        return { try SQLiteTrialStore(path: path) }
    }

    static let sqlite: [StoreFixture] = [.sqliteMemory, .sqliteFile]
}

/// The conformance suite instantiated for SQLite; a PostgreSQL store adds its fixture here.
@Suite struct SQLiteTrialStoreTests {
    typealias C = TrialStoreConformance

    @Test(arguments: StoreFixture.sqlite) func runs(_ f: StoreFixture) throws { try C.runsAreCreatedLookedUpAndUnique(f) }
    @Test(arguments: StoreFixture.sqlite) func enqueueNumbering(_ f: StoreFixture) throws { try C.enqueueNumbersContinueAcrossCalls(f) }
    @Test(arguments: StoreFixture.sqlite) func claimOrder(_ f: StoreFixture) throws { try C.claimTakesOldestQueuedFirst(f) }
    @Test(arguments: StoreFixture.sqlite) func concurrentClaims(_ f: StoreFixture) throws { try C.concurrentClaimsAreExclusive(f) }
    @Test(arguments: StoreFixture.sqlite) func heartbeat(_ f: StoreFixture) throws { try C.heartbeatExtendsTheLeaseOnlyForItsWorker(f) }
    @Test(arguments: StoreFixture.sqlite) func completeAndFail(_ f: StoreFixture) throws { try C.completeAndFailTransitionOnlyFromRunningUnderTheWorker(f) }
    @Test(arguments: StoreFixture.sqlite) func requeue(_ f: StoreFixture) throws { try C.expiredLeasesAreRequeuedUntilAttemptsRunOut(f) }
    @Test(arguments: StoreFixture.sqlite) func roundTrip(_ f: StoreFixture) throws { try C.resultsAndDecisionsRoundTrip(f) }
    @Test(arguments: StoreFixture.sqlite) func controllerState(_ f: StoreFixture) throws { try C.controllerStateIsUpserted(f) }
    @Test(arguments: StoreFixture.sqlite.filter(\.persistent)) func reopen(_ f: StoreFixture) throws { try C.reopeningKeepsEverything(f) }
    @Test(arguments: StoreFixture.sqlite) func bestAndCounts(_ f: StoreFixture) throws { try C.derivedBestAndCounts(f) }

    /// Errors print as one line naming what went wrong.
    @Test func errorsAreOneLine() {
        let errors: [StoreError] = [
            .runExists(name: "a"), .runNotFound(id: 1), .trialNotFound(id: 2),
            .notRunning(trial: 3, state: .complete), .leaseLost(trial: 4, worker: "w1", holder: "w2"),
            .leaseLost(trial: 4, worker: "w1", holder: nil), .corrupt("x"), .database("disk\nfull"),
        ]
        for error in errors { #expect(!error.description.contains("\n")) }
        #expect(StoreError.leaseLost(trial: 4, worker: "w1", holder: "w2").description
                    == "trial 4 is no longer held by worker 'w1' (now held by 'w2')")
    }
}
