import Foundation
import Synchronization
import Testing

import NASStore
import NASTestSupport

/// What only the PostgreSQL store has (the shared behaviour is in TrialStoreConformanceTests).
@Suite struct PostgreSQLTrialStoreTests {
    /// Commands that only read refuse a database SwiftNAS never wrote, and create nothing in it.
    @Test func readingAnEmptyDatabaseIsRefusedAndWritesNothing() throws {
        let url = try LoopbackPostgres.server().newDatabase()
        #expect(throws: StoreError.self) { try PostgreSQLTrialStore(url: url, migrate: false) }
        do {
            _ = try PostgreSQLTrialStore(url: url, migrate: false)
        } catch {
            #expect("\(error)".contains("has no SwiftNAS tables"))
        }
        let store = try PostgreSQLTrialStore(url: url)
        _ = try store.createRun(name: "a", space: "s", config: "{}")
        #expect(try PostgreSQLTrialStore(url: url, migrate: false).runs().map(\.name) == ["a"])
    }

    /// Several processes opening an empty database at once: one migrates, all work.
    @Test func concurrentFirstOpensMigrateOnce() throws {
        let url = try LoopbackPostgres.server().newDatabase()
        let errors = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do { _ = try PostgreSQLTrialStore(url: url).runs() } catch { errors.withLock { $0.append("\(error)") } }
        }
        #expect(errors.withLock { $0 } == [])
    }

    /// The run lock is a session advisory lock: one holder at a time, free again once released.
    @Test func runLockIsExclusiveUntilReleased() throws {
        let url = try LoopbackPostgres.server().newDatabase()
        let store = try PostgreSQLTrialStore(url: url)
        let run = try store.createRun(name: "a", space: "s", config: "{}")
        var lease = try store.lockRun(run.id)
        #expect(lease != nil)
        #expect(try PostgreSQLTrialStore(url: url).lockRun(run.id) == nil)
        lease = nil
        #expect(try PostgreSQLTrialStore(url: url).lockRun(run.id) != nil)
        _ = lease
    }

    /// An unreachable server is one line naming the URL, its password hidden.
    @Test func connectionFailureIsOneLineWithoutThePassword() throws {
        let port = try LoopbackPostgres.server().port
        let url = "postgresql://swiftnas:hunter2@127.0.0.1:\(port + 1)/nothing?connect_timeout=2"
        do {
            _ = try PostgreSQLTrialStore(url: url)
            Issue.record("connected to a port with no server")
        } catch {
            let text = "\(error)"
            #expect(text.contains("cannot connect to postgresql://swiftnas:***@127.0.0.1"))
            #expect(!text.contains("hunter2") && !text.contains("\n"))
        }
    }
}
