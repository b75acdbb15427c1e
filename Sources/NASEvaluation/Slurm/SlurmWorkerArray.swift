import Foundation
import NASProcess

/// `nas slurm workers`: one Slurm job array whose tasks each run the same worker command
/// (`sbatch --array=1-COUNT --wrap COMMAND`). The command and its environment come from the
/// caller (a `nas worker` command line); this type only speaks to Slurm.
public struct SlurmWorkerArray: Sendable {
    /// Tasks in the array.
    public var count: Int
    /// The job's name in squeue.
    public var jobName: String
    /// Each task's command, as separate words (quoted for the shell here).
    public var command: [String]
    /// Added to sbatch's environment, which the tasks inherit (kept out of the job script, which
    /// Slurm stores and shows).
    public var environment: [String: String]
    /// Folder for the tasks' logs (absolute, as the compute nodes see it).
    public var logs: String
    /// Extra sbatch options, e.g. --partition=cpu.
    public var options: [String]

    /// Tasks in one array: Slurm's own default MaxArraySize is 1001.
    public static let countRange = 1...10_000

    public init(count: Int, jobName: String, command: [String], environment: [String: String], logs: String, options: [String]) {
        self.count = count
        self.jobName = jobName
        self.command = command
        self.environment = environment
        self.logs = logs
        self.options = options
    }

    public func validate() throws(EvaluatorError) {
        guard Self.countRange.contains(count) else {
            throw .invalid("--count must be from \(Self.countRange.lowerBound) to \(Self.countRange.upperBound), got \(count)")
        }
        for option in options where !option.hasPrefix("-") {
            throw .invalid("--sbatch-option takes sbatch options such as --partition=cpu, got '\(option)'")
        }
    }

    /// sbatch's arguments.
    public var arguments: [String] {
        ["--parsable", "--array=1-\(count)", "--job-name=\(jobName)", "--output=\(logs)/nas-worker-%A_%a.log"] + options
            + ["--wrap", command.map(Shell.quoted).joined(separator: " ")]
    }

    /// The sbatch command line as a person would type it, the environment's values hidden.
    public var commandLine: String {
        let hidden = environment.keys.sorted().map { "\($0)=*** " }.joined()
        return hidden + (["sbatch"] + arguments).map(Shell.quoted).joined(separator: " ")
    }

    /// Submits the array; its job id.
    public func submit() throws(EvaluatorError) -> String {
        try validate()
        do { try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true) } catch {
            throw .unavailable("cannot create the log folder \(logs): \(error.localizedDescription)")
        }
        let run: ChildProcess
        do { run = try ChildProcess.run("sbatch", arguments, environment: environment, timeout: 300) } catch {
            throw .unavailable(error.reason == "not found on PATH" ? "sbatch is not on PATH (install Slurm's client tools)" : error.description)
        }
        switch run.ending {
        case .exited(0): break
        case .exited(let status):
            throw .unavailable("sbatch failed (status \(status)): \(run.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        case .signaled(let signal): throw .unavailable("sbatch was killed by signal \(signal)")
        case .timedOut: throw .unavailable("sbatch timed out")
        }
        return run.stdout.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
    }
}
