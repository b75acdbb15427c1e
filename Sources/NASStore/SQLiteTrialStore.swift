import Foundation
import GRDB

/// `TrialStore` on SQLite through GRDB. A file store is a WAL `DatabasePool`, so readers never
/// block the writer and several processes can share the file; SQLite serializes the writers,
/// and every write method is one IMMEDIATE transaction (GRDB's `write`), so each takes the write
/// lock before it reads and no check can be invalidated before its update. The schema is in
/// Docs/SCHEMA.md.
public final class SQLiteTrialStore: TrialStore {
    private let writer: any DatabaseWriter

    /// How `init(path:mode:)` treats what it finds at the path.
    public enum OpenMode: Sendable {
        /// A new store: refuses if anything is at the path.
        case create
        /// An existing SwiftNAS store: refuses a missing file, a file that is not SQLite and
        /// another program's database, before writing anything to it.
        case open
        /// Either (tests and tools that do not care).
        case createOrOpen
        /// An existing store, checked as `.open`, then read through a read-only connection with
        /// no migration: reading a run (status, report, export) leaves its file byte for byte
        /// as it was, so a committed run stays unmodified. Refuses a schema older than this
        /// version's (opening it with `.open`, as `nas resume` does, upgrades it).
        case readOnly
    }

    /// Marks our databases (`PRAGMA application_id`, "SNAS"), so another program's SQLite file
    /// is recognised and left alone.
    public static let applicationID: Int32 = 0x534E_4153
    /// Page size of new logs (an existing file keeps its own), and how much write-ahead log
    /// accumulates between automatic checkpoints (SQLite's default: 1,000 pages).
    static let pageSize = 16_384, walBytesPerCheckpoint = 40 << 20
    /// Page cache per connection: an old and a new controller state with room to spare.
    static let cacheBytes = 16 << 20

    /// Opens the store at `path` and brings its schema up to date. Creating a new file from
    /// several processes at once races on the first migration: create it once before starting
    /// workers.
    public convenience init(path: String, mode: OpenMode = .createOrOpen, busyTimeout: TimeInterval = 10) throws(StoreError) {
        let exists = FileManager.default.fileExists(atPath: path)
        switch mode {
        case .create where exists: throw .alreadyExists(path)
        case .open where !exists, .readOnly where !exists: throw .missing(path)
        default: break
        }
        if exists { try Self.checkIsOurs(path, busyTimeout: busyTimeout) }
        if mode == .readOnly {
            var configuration = Self.configuration(busyTimeout)
            configuration.readonly = true
            let queue = try Self.mapErrors { try DatabaseQueue(path: Self.readablePath(path), configuration: configuration) }
            // A log without the later, additive migrations reads as it is (`RecordMapping` fills
            // in what they add); one without the first is not ours to read.
            let current = try Self.mapErrors { try queue.read { try Self.migrator.appliedIdentifiers($0).contains("v1") } }
            guard current else {
                throw .database("\(path) has an older schema than this SwiftNAS's; `nas resume` on its run upgrades it")
            }
            try self.init(writer: queue, migrating: false)
            return
        }
        try self.init(writer: Self.mapErrors {
            try DatabasePool(path: path, configuration: Self.configuration(busyTimeout))
        })
    }

    /// Writes a new store holding one run to `path` as one self-contained file, flushed to
    /// disk. A run folder builds its log this way under a temporary name and renames it into
    /// place, so a process killed (or out of disk) while creating a run leaves no log or a
    /// whole one. The file is switched to WAL here, before the rename: switching it later
    /// (when the pool first opens it) writes its header under a rollback journal, and a kill
    /// at that moment left a hot journal that a read-only open cannot roll back. Closing the
    /// last connection folds the WAL back into the file, so nothing lives in side files.
    public static func createFile(path: String, run name: String, space: String, config: String) throws(StoreError) {
        if FileManager.default.fileExists(atPath: path) { throw .alreadyExists(path) }
        let queue = try mapErrors { try DatabaseQueue(path: path, configuration: configuration(10)) }
        _ = try SQLiteTrialStore(writer: queue).createRun(name: name, space: space, config: config)
        try mapErrors {
            try queue.writeWithoutTransaction { try $0.execute(sql: "PRAGMA journal_mode = WAL") }
            try queue.close()
        }
        if FileManager.default.fileExists(atPath: path + "-wal") {
            throw .database("\(path): the write-ahead log was not folded back into the file on close")
        }
        try flush(path)
    }

    /// fsync: what the caller renames (or has renamed in a folder) is on disk, not only in
    /// the page cache.
    public static func flush(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            if descriptor >= 0 { close(descriptor) }
            throw .database("cannot flush \(path) to disk: \(reason)")
        }
        close(descriptor)
    }

    /// What a read-only connection opens: the path, or — when its folder cannot be written
    /// (read-only media, another user's run) and no write-ahead log is pending — the file as
    /// an immutable URI. A WAL database otherwise needs its `-shm` file, which SQLite would
    /// have to create in the folder, and the read would fail with "readonly database". With no
    /// `-wal` file (or an empty one, as a process that exits without closing leaves) every
    /// commit is in the main file, so reading it as immutable sees the whole log.
    static func readablePath(_ path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let pendingLog = ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0) > 0
        guard access(folder.isEmpty ? "." : folder, W_OK) != 0, !pendingLog else { return path }
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let encoded = absolute.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))) ?? absolute
        return "file:\(encoded)?immutable=1"
    }

    /// Reads the header through a read-only connection: a WAL pool would switch another
    /// program's database to WAL before we could look at it.
    private static func checkIsOurs(_ path: String, busyTimeout: TimeInterval) throws(StoreError) {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size == 0 { throw .corrupt("\(path) is an empty file, not a SwiftNAS trial log") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        do {
            let queue = try DatabaseQueue(path: readablePath(path), configuration: configuration)
            let (id, superseded) = try queue.read { db in
                (try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0, try migrator.hasBeenSuperseded(db))
            }
            try queue.close()
            guard id == applicationID else { throw StoreError.foreign(path) }
            if superseded {
                throw StoreError.database("\(path) was written by a newer SwiftNAS (its schema has migrations this version does not know)")
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError where [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode) {
            throw .corrupt("\(path) is not a SQLite database (\(error.message ?? "unreadable"))")
        } catch {
            throw .database(String(describing: error))
        }
    }

    /// A private in-memory store, gone when the value is released (for tests).
    public static func inMemory() throws(StoreError) -> SQLiteTrialStore {
        try SQLiteTrialStore(writer: mapErrors { try DatabaseQueue(configuration: configuration(10)) })
    }

    private init(writer: any DatabaseWriter, migrating: Bool = true) throws(StoreError) {
        self.writer = writer
        if migrating { try migrate() }
    }

    private static func configuration(_ busyTimeout: TimeInterval) -> Configuration {
        var configuration = Configuration()
        // Other workers hold the write lock for one short transaction at a time: wait for it
        // rather than fail.
        configuration.busyMode = .timeout(busyTimeout)
        configuration.foreignKeysEnabled = true
        // A new log gets 16 KB pages: an LSTM controller's 2.5 MB state is saved after every
        // batch, and on 4 KB pages that was 600 page writes and 600 reads of the old state's
        // chain per save. Freed pages are not zeroed (Debian builds SQLite with secure_delete
        // on, which wrote every old state out once more); the page cache holds an old and a
        // new state (16 MB; at SQLite's 2 MB every save read the old chain back to free it);
        // an older log's WAL is folded into the file every ~40 MB rather than every 4 MB.
        // Commits are synced at checkpoints only (synchronous = NORMAL in WAL mode): a
        // committed batch survives any kill of the process; a power cut may lose the last
        // commits, never half of one, and a resume continues from the last that remained.
        // (Docs/PERFORMANCE.md, "The controller".)
        configuration.prepareDatabase { db in
            try db.execute(sql: """
                PRAGMA page_size = \(pageSize); PRAGMA secure_delete = OFF; PRAGMA synchronous = NORMAL;
                PRAGMA cache_size = -\(cacheBytes >> 10)
                """)
            let pageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(max(1000, walBytesPerCheckpoint / pageSize))")
        }
        return configuration
    }

    private func migrate() throws(StoreError) {
        try Self.mapErrors { try Self.migrator.migrate(writer) }
    }

    /// Schema versions, oldest first; a new version is a new migration, never an edit.
    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: "PRAGMA application_id = \(applicationID)")
            try db.execute(sql: """
                CREATE TABLE run (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    created_at DATETIME NOT NULL,
                    space TEXT NOT NULL,
                    config TEXT NOT NULL
                );
                CREATE TABLE trial (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    run INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    batch INTEGER NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'complete', 'failed')),
                    architecture TEXT NOT NULL,
                    decisions TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    is_reference BOOLEAN NOT NULL,
                    accuracy REAL,
                    reward REAL,
                    macs INTEGER,
                    params INTEGER,
                    components TEXT,
                    seconds REAL,
                    failure TEXT,
                    worker TEXT,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    lease_expires_at DATETIME,
                    created_at DATETIME NOT NULL,
                    started_at DATETIME,
                    finished_at DATETIME,
                    UNIQUE (run, number)
                );
                CREATE INDEX trial_run_state_number ON trial (run, state, number);
                CREATE TABLE controller_state (
                    run INTEGER PRIMARY KEY REFERENCES run(id) ON DELETE CASCADE,
                    batch INTEGER NOT NULL,
                    state BLOB NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                """)
        }
        // The evaluation's rung (promotion, `TrialRecord.rung`): 0 for every trial before it.
        migrator.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE trial ADD COLUMN rung INTEGER NOT NULL DEFAULT 0")
        }
        return migrator
    }

    // MARK: Runs

    public func createRun(name: String, space: String, config: String) throws(StoreError) -> RunRecord {
        try write { db throws -> RunRecord in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM run WHERE name = ?", arguments: [name]) != nil {
                throw StoreError.runExists(name: name)
            }
            try db.execute(
                sql: "INSERT INTO run (name, created_at, space, config) VALUES (?, ?, ?, ?)",
                arguments: [name, Date(), space, config])
            // Read back so the returned date has the stored (millisecond) precision.
            return try Self.fetchRun(db, sql: "SELECT * FROM run WHERE id = ?", [db.lastInsertedRowID])!
        }
    }

    public func run(named name: String) throws(StoreError) -> RunRecord? {
        try read { db in try Self.fetchRun(db, sql: "SELECT * FROM run WHERE name = ?", [name]) }
    }

    public func runs() throws(StoreError) -> [RunRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id FROM run ORDER BY id").map { row in
                try Self.fetchRun(db, sql: "SELECT * FROM run WHERE id = ?", [row["id"] as Int64])!
            }
        }
    }

    // MARK: Trials

    public func enqueue(_ trials: [NewTrial], run: Int64) throws(StoreError) -> [TrialRecord] {
        try write { db throws -> [TrialRecord] in
            try Self.requireRun(db, run)
            return try Self.insert(db, trials, run: run)
        }
    }

    /// Inserts queued trials numbered after the run's last one (inside the caller's transaction).
    private static func insert(_ db: Database, _ trials: [NewTrial], run: Int64) throws -> [TrialRecord] {
        let next = try Int.fetchOne(
            db, sql: "SELECT COALESCE(MAX(number) + 1, 0) FROM trial WHERE run = ?", arguments: [run]) ?? 0
        let now = Date()
        var ids: [Int64] = []
        for (offset, trial) in trials.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO trial (run, number, batch, state, architecture, decisions, seed,
                                       is_reference, rung, attempts, created_at)
                    VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, 0, ?)
                    """,
                arguments: [run, next + offset, trial.batch, trial.architecture,
                            try RecordMapping.json(decisions: trial.decisions), RecordMapping.stored(seed: trial.seed),
                            trial.isReference, trial.rung, now])
            ids.append(db.lastInsertedRowID)
        }
        return try ids.map { try fetchTrial(db, $0) }
    }

    public func claim(run: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) -> TrialRecord? {
        try write { db throws -> TrialRecord? in
            // One statement picks and takes the trial, so no other claimer can slip in between.
            let id = try Int64.fetchOne(
                db,
                sql: """
                    UPDATE trial
                    SET state = 'running', worker = ?, attempts = attempts + 1,
                        lease_expires_at = ?, started_at = ?
                    WHERE id = (SELECT id FROM trial WHERE run = ? AND state = 'queued'
                                ORDER BY number LIMIT 1)
                    RETURNING id
                    """,
                arguments: [worker, TrialRules.leaseEnd(now: now, lease: lease), now, run])
            return try id.map { try Self.fetchTrial(db, $0) }
        }
    }

    public func heartbeat(trial: Int64, worker: String, lease: TimeInterval, now: Date) throws(StoreError) {
        try write { db throws in
            try Self.requireHeld(db, trial, by: worker)
            try db.execute(
                sql: "UPDATE trial SET lease_expires_at = ? WHERE id = ?",
                arguments: [TrialRules.leaseEnd(now: now, lease: lease), trial])
        }
    }

    public func complete(trial: Int64, worker: String, result: TrialResult, now: Date) throws(StoreError) -> TrialRecord {
        try write { db throws -> TrialRecord in
            try Self.requireHeld(db, trial, by: worker)
            try db.execute(
                sql: """
                    UPDATE trial
                    SET state = 'complete', accuracy = ?, reward = ?, macs = ?, params = ?,
                        components = ?, seconds = ?, lease_expires_at = NULL, finished_at = ?
                    WHERE id = ?
                    """,
                arguments: [result.accuracy, result.reward, result.macs, result.params,
                            try RecordMapping.json(components: result.components), result.seconds, now, trial])
            return try Self.fetchTrial(db, trial)
        }
    }

    public func fail(trial: Int64, worker: String, reason: String, now: Date) throws(StoreError) -> TrialRecord {
        try write { db throws -> TrialRecord in
            try Self.requireHeld(db, trial, by: worker)
            try db.execute(
                sql: """
                    UPDATE trial SET state = 'failed', failure = ?, lease_expires_at = NULL, finished_at = ?
                    WHERE id = ?
                    """,
                arguments: [reason, now, trial])
            return try Self.fetchTrial(db, trial)
        }
    }

    public func requeueExpired(run: Int64, now: Date, maxAttempts: Int) throws(StoreError) -> [TrialRecord] {
        try write { db throws -> [TrialRecord] in
            let expired = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, worker, attempts FROM trial
                    WHERE run = ? AND state = 'running' AND lease_expires_at <= ?
                    ORDER BY number
                    """,
                arguments: [run, now])
            return try Self.requeue(db, expired, cause: .leaseExpired(maxAttempts: maxAttempts), now: now)
        }
    }

    public func release(run: Int64, workerPrefix: String, reason: String, now: Date) throws(StoreError) -> [TrialRecord] {
        try write { db throws -> [TrialRecord] in
            let held = try Row.fetchAll(
                db,
                sql: """
                    SELECT id, worker, attempts FROM trial
                    WHERE run = ? AND state = 'running' AND substr(worker, 1, ?) = ?
                    ORDER BY number
                    """,
                arguments: [run, workerPrefix.count, workerPrefix])
            return try Self.requeue(db, held, cause: .interrupted(reason: reason), now: now)
        }
    }

    /// Running trials (rows of id, worker, attempts) taken back for `cause`: queued again or
    /// failed, with the failure and attempts `TrialRules.requeue` gives.
    private static func requeue(_ db: Database, _ rows: [Row], cause: TrialRules.RequeueCause, now: Date) throws -> [TrialRecord] {
        var ids: [Int64] = []
        for row in rows {
            let id: Int64 = try row.decode(forColumn: "id")
            let change = TrialRules.requeue(worker: try row.decode(forColumn: "worker"),
                                            attempts: try row.decode(forColumn: "attempts"), cause: cause)
            if change.state == .failed {
                try db.execute(
                    sql: """
                        UPDATE trial SET state = 'failed', failure = ?, lease_expires_at = NULL,
                                         finished_at = ?
                        WHERE id = ?
                        """,
                    arguments: [change.failure, now, id])
            } else {
                // The worker is cleared so its late heartbeat or result is refused even if
                // nobody has claimed the trial again yet.
                try db.execute(
                    sql: """
                        UPDATE trial SET state = 'queued', failure = ?, worker = NULL,
                                         lease_expires_at = NULL, started_at = NULL, attempts = ?
                        WHERE id = ?
                        """,
                    arguments: [change.failure, change.attempts, id])
            }
            ids.append(id)
        }
        return try ids.map { try fetchTrial(db, $0) }
    }

    public func updateConfig(run: Int64, config: String) throws(StoreError) -> RunRecord {
        try write { db throws -> RunRecord in
            try Self.requireRun(db, run)
            try db.execute(sql: "UPDATE run SET config = ? WHERE id = ?", arguments: [config, run])
            return try Self.fetchRun(db, sql: "SELECT * FROM run WHERE id = ?", [run])!
        }
    }

    public func trials(run: Int64) throws(StoreError) -> [TrialRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM trial WHERE run = ? ORDER BY number", arguments: [run])
                .map(Self.trialRecord)
        }
    }

    public func trials(run: Int64, batch: Int) throws(StoreError) -> [TrialRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM trial WHERE run = ? AND batch = ? ORDER BY number", arguments: [run, batch])
                .map(Self.trialRecord)
        }
    }

    public func tally(run: Int64) throws(StoreError) -> TrialTally {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(NOT is_reference), 0) AS sampled,
                           COALESCE(SUM(state = 'queued'), 0) AS queued,
                           COALESCE(SUM(state = 'running'), 0) AS running,
                           -- leaders: references after batch 0 (TrialRole), after the last sample
                           COALESCE(SUM(is_reference AND batch > 0 AND rung = 0 AND number > (
                               SELECT COALESCE(MAX(number), -1) FROM trial WHERE run = ?1 AND NOT is_reference)), 0) AS leaders,
                           COALESCE(MAX(batch), -1) AS last_batch,
                           (SELECT batch FROM controller_state WHERE run = ?1) AS controller_batch
                    FROM trial WHERE run = ?1
                    """,
                arguments: [run])!
            return TrialTally(sampled: try row.decode(forColumn: "sampled"), queued: try row.decode(forColumn: "queued"),
                              running: try row.decode(forColumn: "running"), finalLeaders: try row.decode(forColumn: "leaders"),
                              lastBatch: try row.decode(forColumn: "last_batch"), controllerBatch: try row.decode(Int?.self, forColumn: "controller_batch"))
        }
    }

    // MARK: Controller state

    public func saveControllerState(run: Int64, batch: Int, state: Data, enqueue trials: [NewTrial]) throws(StoreError) -> [TrialRecord] {
        try write { db throws -> [TrialRecord] in
            try Self.requireRun(db, run)
            try db.execute(
                sql: """
                    INSERT INTO controller_state (run, batch, state, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (run) DO UPDATE SET batch = excluded.batch, state = excluded.state,
                                                    updated_at = excluded.updated_at
                    """,
                arguments: [run, batch, state, Date()])
            return try Self.insert(db, trials, run: run)
        }
    }

    public func controllerState(run: Int64) throws(StoreError) -> (batch: Int, state: Data)? {
        let row = try read { db in
            try Row.fetchOne(db, sql: "SELECT batch, state FROM controller_state WHERE run = ?", arguments: [run])
        }
        guard let row else { return nil }
        return try Self.mapErrors { (try row.decode(Int.self, forColumn: "batch"), try row.decode(Data.self, forColumn: "state")) }
    }

    // MARK: Helpers

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try Self.mapErrors { try writer.write(body) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        try Self.mapErrors { try writer.read(body) }
    }

    /// GRDB throws untyped errors; ours pass through, the rest become `.database`.
    private static func mapErrors<T>(_ body: () throws -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw .database(error.message ?? error.description)
        } catch {
            throw .database(String(describing: error))
        }
    }

    private static func requireRun(_ db: Database, _ run: Int64) throws {
        if try Row.fetchOne(db, sql: "SELECT 1 FROM run WHERE id = ?", arguments: [run]) == nil {
            throw StoreError.runNotFound(id: run)
        }
    }

    /// Throws unless the trial is running under `worker` (`TrialRules.requireHeld`).
    private static func requireHeld(_ db: Database, _ id: Int64, by worker: String) throws {
        try TrialRules.requireHeld(try fetchTrial(db, id), by: worker)
    }

    private static func fetchRun(_ db: Database, sql: String, _ arguments: StatementArguments) throws -> RunRecord? {
        try Row.fetchOne(db, sql: sql, arguments: arguments).map { try RecordMapping.run(SQLiteRow($0)) }
    }

    private static func fetchTrial(_ db: Database, _ id: Int64) throws -> TrialRecord {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM trial WHERE id = ?", arguments: [id]) else {
            throw StoreError.trialNotFound(id: id)
        }
        return try trialRecord(row)
    }

    private static func trialRecord(_ row: Row) throws -> TrialRecord { try RecordMapping.trial(SQLiteRow(row)) }
}

/// A GRDB row read as `RecordMapping` reads rows, each value decoded as GRDB stores it (dates
/// as `yyyy-MM-dd HH:mm:ss.SSS` text); a decoding failure is GRDB's error.
private struct SQLiteRow: StoreRow {
    let row: Row

    init(_ row: Row) { self.row = row }

    func text(_ column: String) throws -> String? { try row.decode(String?.self, forColumn: column) }
    func string(_ column: String) throws -> String { try row.decode(String.self, forColumn: column) }
    func int(_ column: String) throws -> Int { try row.decode(Int.self, forColumn: column) }
    func int64(_ column: String) throws -> Int64 { try row.decode(Int64.self, forColumn: column) }
    func double(_ column: String) throws -> Double { try row.decode(Double.self, forColumn: column) }
    func bool(_ column: String) throws -> Bool { try row.decode(Bool.self, forColumn: column) }
    func date(_ column: String) throws -> Date? { try row.decode(Date?.self, forColumn: column) }
    func requiredDate(_ column: String) throws -> Date { try row.decode(Date.self, forColumn: column) }
    func has(_ column: String) -> Bool { row.hasColumn(column) }
}
