import Foundation

/// `TrialStore` on a shared PostgreSQL server, through libpq: the trial log of a search whose
/// workers run on many machines (`nas worker --storage postgresql://…`). Its tables live in
/// the schema `swiftnas`, so the database can hold other things too; many runs share them.
///
/// Every call is one transaction at READ COMMITTED. A claim takes the oldest queued trial with
/// `FOR UPDATE SKIP LOCKED`, so claimers never wait on each other and never get the same
/// trial; a transition first locks its trial's row (`FOR UPDATE`) and then checks who holds it;
/// numbering locks the run's row. A deadlock or serialization failure is retried, the rest
/// reaches the caller as one `StoreError` line. The schema is in Docs/SCHEMA.md.
///
/// One connection per store, used under a lock: a process's worker threads take turns, which
/// costs nothing next to training. (libpq rather than postgres-nio: its calls are synchronous
/// like this protocol, it reads connection URLs, passwords from ~/.pgpass and `PG*`
/// environment variables itself, and it adds no event-loop threads and no build time.)
public final class PostgreSQLTrialStore: TrialStore, @unchecked Sendable {
    private let connection: PostgreSQLConnection
    private let lock = NSLock()
    /// The URL with any password hidden, for messages.
    public var location: String { connection.redactedURL }

    /// postgresql://user:secret@host/db → postgresql://user:***@host/db
    public static func redacted(_ url: String) -> String { PostgreSQLConnection.redact(url) }

    /// The URL without its password, and the password (see `PostgreSQLConnection.separatingPassword`).
    public static func separatingPassword(_ url: String) -> (url: String, password: String?) {
        PostgreSQLConnection.separatingPassword(url)
    }

    /// Schema versions, oldest first; a new version is a new entry, never an edit.
    static let migrations: [String] = [
        """
        CREATE TABLE swiftnas.run (
            id BIGSERIAL PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at TIMESTAMPTZ NOT NULL,
            space TEXT NOT NULL,
            config TEXT NOT NULL
        );
        CREATE TABLE swiftnas.trial (
            id BIGSERIAL PRIMARY KEY,
            run BIGINT NOT NULL REFERENCES swiftnas.run(id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            batch INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'complete', 'failed')),
            architecture TEXT NOT NULL,
            decisions TEXT NOT NULL,
            seed BIGINT NOT NULL,
            is_reference BOOLEAN NOT NULL,
            accuracy DOUBLE PRECISION,
            reward DOUBLE PRECISION,
            macs BIGINT,
            params BIGINT,
            components TEXT,
            seconds DOUBLE PRECISION,
            failure TEXT,
            worker TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            lease_expires_at TIMESTAMPTZ,
            created_at TIMESTAMPTZ NOT NULL,
            started_at TIMESTAMPTZ,
            finished_at TIMESTAMPTZ,
            UNIQUE (run, number)
        );
        CREATE INDEX trial_run_state_number ON swiftnas.trial (run, state, number);
        CREATE TABLE swiftnas.controller_state (
            run BIGINT PRIMARY KEY REFERENCES swiftnas.run(id) ON DELETE CASCADE,
            batch INTEGER NOT NULL,
            state BYTEA NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        );
        """,
        // The evaluation's rung (promotion, `TrialRecord.rung`): 0 for every trial before it.
        "ALTER TABLE swiftnas.trial ADD COLUMN rung INTEGER NOT NULL DEFAULT 0",
    ]

    /// Our advisory-lock namespace ("SNAS"): migrations and the run lock use it.
    static let lockSpace: Int32 = 0x534E_4153

    /// Connects to `url` (postgresql://USER[:PASSWORD]@HOST[:PORT]/DB). `migrate` brings the
    /// schema up to date (creating it in an empty database); without it — for commands that
    /// only read — a database with no SwiftNAS tables is refused as `missing`.
    public init(url: String, migrate: Bool = true) throws(StoreError) {
        urlForLock = url
        connection = try PostgreSQLConnection(url: url)
        if migrate { try self.migrate() } else { try checkSchema() }
    }

    private func migrate() throws(StoreError) {
        try transaction { db in
            // Several workers may start on an empty database at once: one migrates, the others
            // wait here and then find it done.
            try db.execute("SELECT pg_advisory_xact_lock($1, 0)", [String(Self.lockSpace)])
            try db.execute("CREATE SCHEMA IF NOT EXISTS swiftnas")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS swiftnas.schema_version (
                    version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """)
            let current = try db.execute("SELECT COALESCE(MAX(version), 0) AS version FROM swiftnas.schema_version").first!.int("version")
            guard current <= Self.migrations.count else { throw Self.newerSchema(location) }
            for (index, sql) in Self.migrations.enumerated() where index + 1 > current {
                try db.execute(sql)
                try db.execute("INSERT INTO swiftnas.schema_version (version) VALUES ($1)", [String(index + 1)])
            }
        }
    }

    private func checkSchema() throws(StoreError) {
        try transaction { db in
            let exists = try db.execute("SELECT to_regclass('swiftnas.schema_version') IS NOT NULL AS present").first!.bool("present")
            guard exists else { throw StoreError.missing("\(location) (it has no SwiftNAS tables yet)") }
            let current = try db.execute("SELECT COALESCE(MAX(version), 0) AS version FROM swiftnas.schema_version").first!.int("version")
            if current > Self.migrations.count { throw Self.newerSchema(location) }
            if current < Self.migrations.count {
                throw StoreError.database("\(location) has an older SwiftNAS schema; `nas resume` or `nas worker` on it upgrades it")
            }
        }
    }

    private static func newerSchema(_ location: String) -> StoreError {
        .database("\(location) was written by a newer SwiftNAS (its schema has versions this one does not know)")
    }

    /// Takes the run's lock for as long as the returned value lives: a PostgreSQL session
    /// advisory lock on its own connection, which the server drops when the process dies
    /// (kill -9 and lost machines included). Nil if another process holds it.
    public func lockRun(_ run: Int64) throws(StoreError) -> RunLease? {
        try Self.lockSession(url: urlForLock, run: run).map { RunLease($0, url: urlForLock, run: run) }
    }

    /// A new session holding the run's advisory lock; nil if another session has it.
    static func lockSession(url: String, run: Int64) throws(StoreError) -> PostgreSQLConnection? {
        let session = try PostgreSQLConnection(url: url)
        let taken: Bool
        do {
            taken = try session.execute("SELECT pg_try_advisory_lock($1, $2) AS taken", [String(lockSpace), String(run)])
                .first!.bool("taken")
        } catch {
            throw .database("\(error)")
        }
        return taken ? session : nil
    }

    private let urlForLock: String

    // MARK: Runs

    public func createRun(name: String, space: String, config: String) throws(StoreError) -> RunRecord {
        try transaction { db in
            let inserted = try db.execute(
                """
                INSERT INTO swiftnas.run (name, created_at, space, config) VALUES ($1, now(), $2, $3)
                ON CONFLICT (name) DO NOTHING RETURNING id
                """, [name, space, config])
            guard let row = inserted.first else { throw StoreError.runExists(name: name) }
            return try Self.fetchRun(db, "id = $1", [String(try row.int64("id"))])!
        }
    }

    public func run(named name: String) throws(StoreError) -> RunRecord? {
        try transaction { db in try Self.fetchRun(db, "name = $1", [name]) }
    }

    public func runs() throws(StoreError) -> [RunRecord] {
        try transaction { db in
            try db.execute("SELECT \(Self.runColumns) FROM swiftnas.run ORDER BY id").all.map(Self.runRecord)
        }
    }

    // MARK: Trials

    public func enqueue(_ trials: [NewTrial], run: Int64) throws(StoreError) -> [TrialRecord] {
        try transaction { db in try Self.insert(db, trials, run: run) }
    }

    /// Inserts queued trials numbered after the run's last one. Locking the run's row first
    /// keeps two enqueuers from taking the same numbers.
    private static func insert(_ db: PostgreSQLConnection, _ trials: [NewTrial], run: Int64) throws -> [TrialRecord] {
        try lockRunRow(db, run)
        guard !trials.isEmpty else { return [] }
        let next = try db.execute(
            "SELECT COALESCE(MAX(number) + 1, 0) AS next FROM swiftnas.trial WHERE run = $1", [String(run)]
        ).first!.int("next")
        var records: [TrialRecord] = []
        for (offset, trial) in trials.enumerated() {
            let rows = try db.execute(
                """
                INSERT INTO swiftnas.trial (run, number, batch, state, architecture, decisions, seed,
                                            is_reference, rung, attempts, created_at)
                VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, 0, now())
                RETURNING \(trialColumns)
                """,
                [String(run), String(next + offset), String(trial.batch), trial.architecture,
                 try RecordMapping.json(decisions: trial.decisions), String(RecordMapping.stored(seed: trial.seed)),
                 SQLText.bool(trial.isReference), String(trial.rung)])
            records.append(try trialRecord(rows.first!))
        }
        return records
    }

    public func claim(run: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) -> TrialRecord? {
        try transaction { db in
            let rows = try db.execute(
                """
                UPDATE swiftnas.trial
                SET state = 'running', worker = $1, attempts = attempts + 1,
                    lease_expires_at = to_timestamp($2::float8), started_at = to_timestamp($3::float8)
                WHERE id = (SELECT id FROM swiftnas.trial WHERE run = $4 AND state = 'queued'
                            ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING \(Self.trialColumns)
                """,
                [worker, SQLText.date(TrialRules.leaseEnd(now: now, lease: lease)), SQLText.date(now), String(run)])
            return try rows.first.map(Self.trialRecord)
        }
    }

    public func heartbeat(trial: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) {
        try transaction { db in
            try Self.requireHeld(db, trial, by: worker)
            try db.execute(
                "UPDATE swiftnas.trial SET lease_expires_at = to_timestamp($1::float8) WHERE id = $2",
                [SQLText.date(TrialRules.leaseEnd(now: now, lease: lease)), String(trial)])
        }
    }

    public func complete(trial: Int64, worker: String, result: TrialResult, now: Date) throws(StoreError) -> TrialRecord {
        try transaction { db in
            try Self.requireHeld(db, trial, by: worker)
            let rows = try db.execute(
                """
                UPDATE swiftnas.trial
                SET state = 'complete', accuracy = $1, reward = $2, macs = $3, params = $4, components = $5,
                    seconds = $6, lease_expires_at = NULL, finished_at = to_timestamp($7::float8)
                WHERE id = $8
                RETURNING \(Self.trialColumns)
                """,
                [String(result.accuracy), String(result.reward), String(result.macs), String(result.params),
                 try RecordMapping.json(components: result.components), String(result.seconds), SQLText.date(now), String(trial)])
            return try Self.trialRecord(rows.first!)
        }
    }

    public func fail(trial: Int64, worker: String, reason: String, now: Date) throws(StoreError) -> TrialRecord {
        try transaction { db in
            try Self.requireHeld(db, trial, by: worker)
            let rows = try db.execute(
                """
                UPDATE swiftnas.trial
                SET state = 'failed', failure = $1, lease_expires_at = NULL, finished_at = to_timestamp($2::float8)
                WHERE id = $3
                RETURNING \(Self.trialColumns)
                """, [reason, SQLText.date(now), String(trial)])
            return try Self.trialRecord(rows.first!)
        }
    }

    public func requeueExpired(run: Int64, now: Date, maxAttempts: Int) throws(StoreError) -> [TrialRecord] {
        try transaction { db in
            // SKIP LOCKED: a row locked right now is being completed or heartbeaten; it is
            // looked at again on the next call if it is still expired then.
            let expired = try db.execute(
                """
                SELECT id, worker, attempts FROM swiftnas.trial
                WHERE run = $1 AND state = 'running' AND lease_expires_at <= to_timestamp($2::float8)
                ORDER BY number FOR UPDATE SKIP LOCKED
                """, [String(run), SQLText.date(now)])
            return try Self.requeue(db, expired.all, cause: .leaseExpired(maxAttempts: maxAttempts), now: now)
        }
    }

    public func release(run: Int64, workerPrefix: String, reason: String, now: Date) throws(StoreError) -> [TrialRecord] {
        try transaction { db in
            let held = try db.execute(
                """
                SELECT id, worker, attempts FROM swiftnas.trial
                WHERE run = $1 AND state = 'running' AND left(worker, $2) = $3
                ORDER BY number FOR UPDATE
                """, [String(run), String(workerPrefix.count), workerPrefix])
            return try Self.requeue(db, held.all, cause: .interrupted(reason: reason), now: now)
        }
    }

    /// Running trials (rows of id, worker, attempts, locked) taken back for `cause`: queued
    /// again or failed, with the failure and attempts `TrialRules.requeue` gives.
    private static func requeue(_ db: PostgreSQLConnection, _ rows: [PostgreSQLRow], cause: TrialRules.RequeueCause,
                                now: Date) throws -> [TrialRecord] {
        try rows.map { row in
            let id = try row.int64("id")
            let change = TrialRules.requeue(worker: try row.text("worker"), attempts: try row.int("attempts"), cause: cause)
            let updated: PostgreSQLRows
            if change.state == .failed {
                updated = try db.execute(
                    """
                    UPDATE swiftnas.trial SET state = 'failed', failure = $1, lease_expires_at = NULL,
                                              finished_at = to_timestamp($2::float8)
                    WHERE id = $3 RETURNING \(trialColumns)
                    """, [change.failure, SQLText.date(now), String(id)])
            } else {
                // The worker is cleared so its late heartbeat or result is refused even if
                // nobody has claimed the trial again yet.
                updated = try db.execute(
                    """
                    UPDATE swiftnas.trial SET state = 'queued', failure = $1, worker = NULL,
                                              lease_expires_at = NULL, started_at = NULL, attempts = $2::integer
                    WHERE id = $3 RETURNING \(trialColumns)
                    """, [change.failure, String(change.attempts), String(id)])
            }
            return try trialRecord(updated.first!)
        }
    }

    public func updateConfig(run: Int64, config: String) throws(StoreError) -> RunRecord {
        try transaction { db in
            try Self.lockRunRow(db, run)
            try db.execute("UPDATE swiftnas.run SET config = $1 WHERE id = $2", [config, String(run)])
            return try Self.fetchRun(db, "id = $1", [String(run)])!
        }
    }

    public func trials(run: Int64) throws(StoreError) -> [TrialRecord] {
        try transaction { db in
            try db.execute("SELECT \(Self.trialColumns) FROM swiftnas.trial WHERE run = $1 ORDER BY number", [String(run)])
                .all.map(Self.trialRecord)
        }
    }

    public func trials(run: Int64, batch: Int) throws(StoreError) -> [TrialRecord] {
        try transaction { db in
            try db.execute(
                "SELECT \(Self.trialColumns) FROM swiftnas.trial WHERE run = $1 AND batch = $2 ORDER BY number",
                [String(run), String(batch)]
            ).all.map(Self.trialRecord)
        }
    }

    public func tally(run: Int64) throws(StoreError) -> TrialTally {
        try transaction { db in
            let row = try db.execute(
                """
                SELECT COUNT(*) FILTER (WHERE NOT is_reference) AS sampled,
                       COUNT(*) FILTER (WHERE state = 'queued') AS queued,
                       COUNT(*) FILTER (WHERE state = 'running') AS running,
                       -- leaders: references after batch 0 (TrialRole), after the last sample
                       COUNT(*) FILTER (WHERE is_reference AND batch > 0 AND rung = 0 AND number > (
                           SELECT COALESCE(MAX(number), -1) FROM swiftnas.trial WHERE run = $1 AND NOT is_reference)) AS leaders,
                       COALESCE(MAX(batch), -1) AS last_batch,
                       (SELECT batch FROM swiftnas.controller_state WHERE run = $1) AS controller_batch
                FROM swiftnas.trial WHERE run = $1
                """, [String(run)]).first!
            return TrialTally(sampled: try row.int("sampled"), queued: try row.int("queued"), running: try row.int("running"),
                              finalLeaders: try row.int("leaders"), lastBatch: try row.int("last_batch"),
                              controllerBatch: try row.text("controller_batch").map { _ in try row.int("controller_batch") })
        }
    }

    // MARK: Controller state

    public func saveControllerState(run: Int64, batch: Int, state: Data, enqueue trials: [NewTrial]) throws(StoreError) -> [TrialRecord] {
        try transaction { db in
            try Self.lockRunRow(db, run)
            try db.execute(
                """
                INSERT INTO swiftnas.controller_state (run, batch, state, updated_at) VALUES ($1, $2, $3, now())
                ON CONFLICT (run) DO UPDATE SET batch = excluded.batch, state = excluded.state,
                                                updated_at = excluded.updated_at
                """, [String(run), String(batch), SQLText.bytes(state)])
            return try Self.insert(db, trials, run: run)
        }
    }

    public func controllerState(run: Int64) throws(StoreError) -> (batch: Int, state: Data)? {
        try transaction { db in
            guard let row = try db.execute(
                "SELECT batch, state FROM swiftnas.controller_state WHERE run = $1", [String(run)]).first
            else { return nil }
            return (try row.int("batch"), try row.bytes("state"))
        }
    }

    // MARK: Helpers

    /// One transaction under the connection's lock; deadlocks and serialization failures are
    /// retried (the server rolled the transaction back), everything else is rolled back and
    /// thrown as one `StoreError`.
    private func transaction<T>(_ body: (PostgreSQLConnection) throws -> T) throws(StoreError) -> T {
        lock.lock()
        defer { lock.unlock() }
        try connection.reconnectIfNeeded()
        var attempt = 0
        while true {
            attempt += 1
            do {
                try connection.execute("BEGIN")
                let value = try body(connection)
                try connection.execute("COMMIT")
                return value
            } catch let failure as PostgreSQLFailure where failure.isRetryable && attempt < 10 {
                _ = try? connection.execute("ROLLBACK")
                usleep(UInt32.random(in: 1_000...20_000))
            } catch {
                _ = try? connection.execute("ROLLBACK")
                switch error {
                case let error as StoreError: throw error
                case let failure as PostgreSQLFailure: throw .database(failure.message)
                default: throw .database("\(error)")
                }
            }
        }
    }

    private static func lockRunRow(_ db: PostgreSQLConnection, _ run: Int64) throws {
        if try db.execute("SELECT id FROM swiftnas.run WHERE id = $1 FOR UPDATE", [String(run)]).count == 0 {
            throw StoreError.runNotFound(id: run)
        }
    }

    /// Locks the trial's row, then throws unless it is running under `worker`
    /// (`TrialRules.requireHeld`).
    private static func requireHeld(_ db: PostgreSQLConnection, _ id: Int64, by worker: String) throws {
        guard let row = try db.execute(
            "SELECT \(trialColumns) FROM swiftnas.trial WHERE id = $1 FOR UPDATE", [String(id)]).first
        else { throw StoreError.trialNotFound(id: id) }
        try TrialRules.requireHeld(try trialRecord(row), by: worker)
    }

    private static let runColumns = "id, name, extract(epoch FROM created_at)::float8 AS created_at, space, config"

    private static func fetchRun(_ db: PostgreSQLConnection, _ condition: String, _ parameters: [String?]) throws -> RunRecord? {
        try db.execute("SELECT \(runColumns) FROM swiftnas.run WHERE \(condition)", parameters).first.map(runRecord)
    }

    private static func runRecord(_ row: PostgreSQLRow) throws -> RunRecord { try RecordMapping.run(row) }

    /// Times come back as epoch seconds (microsecond precision), like they went in.
    private static let trialColumns = """
        id, run, number, batch, state, architecture, decisions, seed, is_reference, rung, accuracy, reward, macs, params,
        components, seconds, failure, worker, attempts,
        extract(epoch FROM lease_expires_at)::float8 AS lease_expires_at,
        extract(epoch FROM created_at)::float8 AS created_at,
        extract(epoch FROM started_at)::float8 AS started_at,
        extract(epoch FROM finished_at)::float8 AS finished_at
        """

    private static func trialRecord(_ row: PostgreSQLRow) throws -> TrialRecord { try RecordMapping.trial(row) }
}

/// A run's lock held by a PostgreSQL session (see `PostgreSQLTrialStore.lockRun`): released
/// when this value is, or by the server when the process dies.
public final class RunLease: @unchecked Sendable {
    private var session: PostgreSQLConnection
    private let url: String
    private let run: Int64
    private let lock = NSLock()

    init(_ session: PostgreSQLConnection, url: String, run: Int64) {
        self.session = session
        self.url = url
        self.run = run
    }

    /// After a lost connection (a server restart) the lock is gone with its session: takes it
    /// again on a new one. False if another process took the run meanwhile.
    public func renew() throws(StoreError) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if (try? session.execute("SELECT 1")) != nil { return true }
        guard let fresh = try PostgreSQLTrialStore.lockSession(url: url, run: run) else { return false }
        session = fresh
        return true
    }
}
