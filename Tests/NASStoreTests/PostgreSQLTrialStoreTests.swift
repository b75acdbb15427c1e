import Foundation
import Synchronization
import Testing

@testable import NASStore
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

    /// Every way a password can be written into a URL — user-info, a `password=` query
    /// parameter, libpq's key=value form, mistyped URLs — is hidden; the rest stays readable.
    @Test(arguments: [
        ("postgresql://nas:hunter2@db:5432/nas", "postgresql://nas:***@db:5432/nas"),
        ("postgresql://nas@db/nas?password=hunter2", "postgresql://nas@db/nas?password=***"),
        ("postgresql://nas@db/nas?sslmode=require&PASSWORD=hunter2&application_name=x",
         "postgresql://nas@db/nas?sslmode=require&PASSWORD=***&application_name=x"),
        ("postgresql://nas:hun@ter2@db/nas", "postgresql://nas:***@db/nas"),
        ("postgresql://nas:hunter2/x@db/nas", "postgresql://nas:***@db/nas"),
        ("postgresql://nas:hunter?2@db/nas", "postgresql://nas:***@db/nas"),
        ("postgresql:/nas:hunter2@db/nas", "postgresql:***@db/nas"),
        ("nas:hunter2@db/nas", "nas:***@db/nas"),
        ("host=db user=nas password=hunter2 dbname=nas", "host=db user=nas password=*** dbname=nas"),
        ("host=db password='hunter2' dbname=nas", "host=db password=*** dbname=nas"),
        ("postgresql://nas@db:5432/nas", "postgresql://nas@db:5432/nas"),
    ])
    func passwordsAreHiddenInEveryForm(_ url: String, _ expected: String) {
        let redacted = PostgreSQLTrialStore.redacted(url)
        #expect(redacted == expected)
        #expect(!redacted.contains("hunter2") && !redacted.contains("ter2"))
    }

    /// A Slurm job script gets the URL without its password (which goes in PGPASSWORD).
    @Test func thePasswordIsSeparatedFromTheURL() {
        #expect(PostgreSQLTrialStore.separatingPassword("postgresql://nas:hunter%402@db/nas") == ("postgresql://nas@db/nas", "hunter@2"))
        #expect(PostgreSQLTrialStore.separatingPassword("postgresql://nas@db/nas?sslmode=require&password=hunter2")
            == ("postgresql://nas@db/nas?sslmode=require", "hunter2"))
        #expect(PostgreSQLTrialStore.separatingPassword("postgresql://nas@db/nas?password=hunter2") == ("postgresql://nas@db/nas", "hunter2"))
        #expect(PostgreSQLTrialStore.separatingPassword("postgresql://nas@db/nas") == ("postgresql://nas@db/nas", nil))
    }

    /// libpq quotes the part of a malformed URL it cannot parse: the password is hidden there too.
    @Test func aMalformedURLsPasswordIsHiddenInLibpqsError() {
        for url in ["postgresql://nas:hunter%zz2@127.0.0.1:1/x", "postgresql://nas@127.0.0.1:1/x?password=hunter2&bogus=1",
                    "postgresql://nas:hunter2@127.0.0.1:notaport/x"] {
            do {
                _ = try PostgreSQLTrialStore(url: url)
                Issue.record("connected with \(url)")
            } catch {
                #expect(!"\(error)".contains("hunter"), "\(error)")
            }
        }
    }

    /// libpq's connect_timeout is set unless the URL sets one: an unreachable server fails in
    /// seconds, not after the system's TCP timeout (minutes).
    @Test func connectionsHaveADefaultTimeout() {
        #expect(PostgreSQLConnection.withConnectTimeout("postgresql://nas@db/nas") == "postgresql://nas@db/nas?connect_timeout=10")
        #expect(PostgreSQLConnection.withConnectTimeout("postgresql://nas@db/nas?sslmode=require")
            == "postgresql://nas@db/nas?sslmode=require&connect_timeout=10")
        #expect(PostgreSQLConnection.withConnectTimeout("postgresql://nas@db/nas?connect_timeout=3") == "postgresql://nas@db/nas?connect_timeout=3")
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
