import Foundation
import NASStore

/// A run's folder: the SQLite trial log and the lock that keeps a second process out.
public struct RunDirectory: Sendable {
    public static let databaseName = "trials.sqlite"
    public static let lockName = "lock"

    public let path: String
    public var database: String { (path as NSString).appendingPathComponent(Self.databaseName) }
    var lockPath: String { (path as NSString).appendingPathComponent(Self.lockName) }
    /// Trained models of a run that keeps weights (`--keep-weights`): models/trial-N.
    public var models: String { (path as NSString).appendingPathComponent("models") }
    public func modelFolder(trial: Int) -> String { (models as NSString).appendingPathComponent("trial-\(trial)") }
    /// The run's name inside the store: one run per folder, named after it.
    public var runName: String { URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent }

    public init(_ path: String) { self.path = path }

    /// The folder for a new run: created if absent, refused if it holds anything but the
    /// leftovers of an interrupted creation (which the new run replaces).
    func create() throws(SearchError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, let contents = try? manager.contentsOfDirectory(atPath: path),
                  contents.allSatisfy(Self.isCreationLeftover)
            else { throw .runExists(directory: path) }
        }
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .invalid("cannot create the run folder \(path): \(error.localizedDescription)")
        }
    }

    /// The trial log is built here (schema and run row), then renamed to `databaseName`: a
    /// run exists exactly when `databaseName` does.
    static let partialDatabaseName = databaseName + ".partial"
    var partialDatabase: String { (path as NSString).appendingPathComponent(Self.partialDatabaseName) }

    /// What a `nas search` killed while creating its run can leave: its lock file and the
    /// partial log (with SQLite's journal beside it).
    static func isCreationLeftover(_ name: String) -> Bool {
        name == lockName || name.hasPrefix(partialDatabaseName)
    }

    /// Creates the run's trial log atomically, with the lock held: the log with its run is
    /// written under a temporary name, flushed, and renamed into place. Killed at any moment,
    /// this leaves either leftovers that the next `nas search` replaces, or a run that
    /// `nas resume` continues (its first batch is proposed there, from the stored seed).
    func createStore(run name: String, space: String, config: String) throws(SearchError) -> SQLiteTrialStore {
        // Another search may have created the run between `create()` and taking the lock.
        if FileManager.default.fileExists(atPath: database) { throw .runExists(directory: path) }
        removeCreationLeftovers()
        do {
            try SQLiteTrialStore.createFile(path: partialDatabase, run: name, space: space, config: config)
        } catch {
            removeCreationLeftovers()
            throw .store(error)
        }
        guard rename(partialDatabase, database) == 0 else {
            let reason = String(cString: strerror(errno))
            removeCreationLeftovers()
            throw .invalid("cannot move the new trial log into place in \(path): \(reason)")
        }
        // The rename itself is on disk only once the folder is flushed.
        do { try SQLiteTrialStore.flush(path) } catch { throw .store(error) }
        return try store(.open)
    }

    private func removeCreationLeftovers() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in names where name.hasPrefix(Self.partialDatabaseName) {
            try? FileManager.default.removeItem(atPath: (path as NSString).appendingPathComponent(name))
        }
    }

    /// An existing run: refuses a folder without a trial log, saying so plainly when the
    /// folder holds only what an interrupted `nas search` left while creating its run.
    func requireExisting() throws(SearchError) {
        guard !FileManager.default.fileExists(atPath: database) else { return }
        // Empty too: a search killed between making the folder and taking its lock leaves it so.
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: path),
           contents.allSatisfy(Self.isCreationLeftover)
        {
            throw .neverCreated(directory: path)
        }
        throw .notARun(directory: path)
    }

    /// Opens the trial log: `.create` for a new run, `.open` for an existing one, `.readOnly` to
    /// read one without changing its file.
    func store(_ mode: SQLiteTrialStore.OpenMode) throws(SearchError) -> SQLiteTrialStore {
        do { return try SQLiteTrialStore(path: database, mode: mode) } catch { throw .store(error) }
    }

    /// Takes the run's lock for this process's lifetime (an advisory `flock`, released by the
    /// kernel however the process ends, kill -9 included).
    func lock() throws(SearchError) -> RunLock { try RunLock(path: lockPath, directory: path) }
}

/// An exclusive `flock` on the run's lock file; the file holds the owner's pid and host so
/// the refusal can say who has it.
public final class RunLock: @unchecked Sendable {
    private let descriptor: Int32

    init(path: String, directory: String) throws(SearchError) {
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .invalid("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            throw .locked(directory: directory, holder: holder?.isEmpty == false ? holder : nil)
        }
        let owner = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName)\n"
        _ = ftruncate(descriptor, 0)
        _ = owner.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
