import Foundation
import NASProcess
import NASStore

/// Where a run's trial log is: a run folder's SQLite file (the default), or a run by name in a
/// shared PostgreSQL database (`--storage postgresql://…`), where workers on other machines
/// can reach it.
public enum RunLocation: Sendable, Hashable, CustomStringConvertible {
    /// A run folder: its `trials.sqlite` holds one run, named after the folder.
    case folder(path: String)
    /// A run named `name` in the PostgreSQL database at `url`.
    case database(url: String, name: String)

    /// A folder's path, or with `storage` (a postgresql:// URL) the run's name in that database.
    public init(run: String, storage: String? = nil) {
        self = storage.map { .database(url: $0, name: run) } ?? .folder(path: run)
    }

    /// What the user named: the folder's path or the run's name in its database.
    public var run: String {
        switch self {
        case .folder(let path): path
        case .database(_, let name): name
        }
    }

    /// The database URL; nil for a run folder.
    public var storage: String? {
        if case .database(let url, _) = self { return url }
        return nil
    }

    public var isFolder: Bool { storage == nil }
    public var directory: RunDirectory { RunDirectory(run) }
    /// The run's name inside the store: a folder's is its last path component.
    public var runName: String { isFolder ? directory.runName : run }

    public var description: String {
        guard let storage else { return run }
        return "run '\(run)' in \(Self.redacted(storage))"
    }

    /// How to name this run to another command: `RUN` or `RUN --storage URL` (password hidden).
    public var commandArguments: String {
        guard let storage else { return run }
        return "\(Shell.quoted(run)) --storage \(Shell.quoted(Self.redacted(storage)))"
    }

    /// Refuses a run no command can use: an empty name or path, or a folder run whose path
    /// is a file (the run folder would otherwise be reported as "not a run" or, for a new
    /// search, as "not empty").
    public func checkRun() throws(SearchError) {
        guard !run.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw .invalid(isFolder ? "the run folder's path is empty; give one such as Runs/my-search" : "the run's name is empty; give the run a name")
        }
        guard isFolder else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw .invalid("\(run) is a file, not a run folder")
        }
    }

    /// A file name for the current folder made from a run's name: letters, digits, `-`, `_`
    /// and inner dots kept, anything else (`/`, spaces, control characters) and leading dots
    /// replaced by `_`, at most 200 characters; "run" when nothing is left.
    public static func fileName(_ runName: String) -> String {
        let safe = String(
            runName.prefix(200).map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
        let withoutLeadingDots = safe.drop { $0 == "." }
        let name = String(repeating: "_", count: safe.count - withoutLeadingDots.count) + withoutLeadingDots
        return name.isEmpty ? "run" : name
    }

    /// Accepted storage URLs; anything else is refused before any connection is tried.
    public static func validate(storage: String) throws(SearchError) {
        guard storage.hasPrefix("postgresql://") || storage.hasPrefix("postgres://") else {
            throw .invalid("--storage must be a postgresql://USER@HOST:PORT/DB URL, got '\(redacted(storage))'; without --storage the run folder's own SQLite file is used")
        }
    }

    /// The URL with its password hidden, for anything a person sees.
    public static func redacted(_ url: String) -> String { PostgreSQLTrialStore.redacted(url) }

    enum Access { case create, write, read }

    /// The trial log: `.create` for a new run (a folder's file must not exist yet), `.write`
    /// for an existing run, `.read` without changing anything (status, report, export).
    func store(_ access: Access) throws(SearchError) -> any TrialStore {
        guard let storage else {
            switch access {
            case .create: return try directory.store(.create)
            case .write:
                try directory.requireExisting()
                return try directory.store(.open)
            case .read:
                try directory.requireExisting()
                return try directory.store(.readOnly)
            }
        }
        try Self.validate(storage: storage)
        do { return try PostgreSQLTrialStore(url: storage, migrate: access != .read) } catch {
            if case .missing = error { throw .noRun(description) }
            throw .store(error)
        }
    }

    /// The run's record: a folder holds one run (named after the folder); a database, many.
    func record(in store: any TrialStore) throws(SearchError) -> RunRecord {
        if isFolder {
            let runs = try Search.storeCall { try store.runs() }
            guard let run = runs.first(where: { $0.name == runName }) ?? runs.first else {
                throw .store(.corrupt("\(directory.database) holds no run"))
            }
            return run
        }
        guard let run = try Search.storeCall({ try store.run(named: runName) }) else { throw .noRun(description) }
        return run
    }

    /// Keeps other controllers out of a database run for the lifetime of the returned value:
    /// a PostgreSQL session advisory lock, which ends with the process (a run folder's
    /// `flock` does this for SQLite: `RunDirectory.lock`).
    func lockDatabaseRun(store: any TrialStore, run: RunRecord) throws(SearchError) -> AnyObject {
        guard let postgres = store as? PostgreSQLTrialStore else { throw .invalid("\(description) is not in a PostgreSQL store") }
        let lease: RunLease?
        do { lease = try postgres.lockRun(run.id) } catch { throw .store(error) }
        guard let lease else { throw .locked(directory: description, holder: nil) }
        return lease
    }
}
