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

    /// The folder for a new run: created if absent, refused if it holds anything.
    func create() throws(SearchError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: path, isDirectory: &isDirectory) {
            let contents = (try? manager.contentsOfDirectory(atPath: path)) ?? ["?"]
            guard isDirectory.boolValue, contents.isEmpty else { throw .runExists(directory: path) }
        }
        do {
            try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .invalid("cannot create the run folder \(path): \(error.localizedDescription)")
        }
    }

    func requireExisting() throws(SearchError) {
        guard FileManager.default.fileExists(atPath: database) else { throw .notARun(directory: path) }
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
