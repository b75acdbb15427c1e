import Foundation
import NASEvaluation
import NASStore

/// How a `nas worker` runs (`Worker`).
public struct WorkerOptions: Sendable {
    /// The run: a folder (SQLite, same machine) or, with `storage`, a name; nil = any
    /// unfinished run in the database.
    public var run: String?
    public var storage: String?
    public var name: String
    public var maxTrials: Int?
    public var lease: TimeInterval = Search.defaultLease
    public var idleTimeout: TimeInterval?
    public var pollInterval: TimeInterval = 0.1
    public var cache: String?

    /// HOST-PID, after the Slurm job and array task when there is one (slurm-123_4-HOST-PID),
    /// so a trial's worker in the log leads back to its job.
    static func defaultName() -> String {
        let environment = ProcessInfo.processInfo.environment
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        var name = "\(host)-\(getpid())"
        if let job = environment["SLURM_ARRAY_JOB_ID"], let task = environment["SLURM_ARRAY_TASK_ID"] {
            name = "slurm-\(job)_\(task)-" + name
        } else if let job = environment["SLURM_JOB_ID"] {
            name = "slurm-\(job)-" + name
        }
        return name
    }

    public init(run: String?, storage: String?, name: String? = nil) {
        self.run = run
        self.storage = storage
        self.name = name ?? Self.defaultName()
    }

    /// Refuses options no worker can run with; the bounds `nas worker` and `nas slurm
    /// workers` share.
    public func validate() throws(SearchError) {
        guard run != nil || storage != nil else {
            throw .invalid("a worker needs --run RUN_FOLDER, or --storage URL (and optionally --run NAME)")
        }
        if let run { try RunLocation(run: run, storage: storage).checkRun() }
        if let maxTrials, maxTrials < 1 { throw .invalid("--max-trials must be at least 1") }
        let maxSeconds = TimeLimit.maxSeconds
        guard lease >= 1 && lease <= maxSeconds else {
            throw .invalid("--lease must be from 1 to \(Int(maxSeconds)) seconds, got \(lease)")
        }
        if let idleTimeout, !(idleTimeout >= 0 && idleTimeout <= maxSeconds) {
            throw .invalid("--idle-timeout must be from 0 to \(Int(maxSeconds)) seconds, got \(idleTimeout)")
        }
    }

    /// The `nas worker` command line (`executable` and its arguments) that runs with these
    /// options, and the environment it needs: a storage URL's password goes in PGPASSWORD,
    /// never on a command line that `ps` or a scheduler shows.
    public func commandLine(executable: String, quiet: Bool) -> (arguments: [String], environment: [String: String]) {
        var arguments = [executable, "worker"]
        var environment: [String: String] = [:]
        if let storage {
            let (url, password) = PostgreSQLTrialStore.separatingPassword(storage)
            arguments += ["--storage", url]
            if let password { environment["PGPASSWORD"] = password }
        }
        if quiet { arguments.append("--quiet") }
        if let run { arguments += ["--run", run] }
        if let maxTrials { arguments += ["--max-trials", String(maxTrials)] }
        if lease != Search.defaultLease { arguments += ["--lease", String(lease)] }
        if let idleTimeout { arguments += ["--idle-timeout", String(idleTimeout)] }
        if let cache { arguments += ["--cache", cache] }
        return (arguments, environment)
    }
}
