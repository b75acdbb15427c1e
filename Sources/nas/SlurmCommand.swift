import ArgumentParser
import Foundation
import NASProcess
import NASSearch
import NASStore

struct SlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Run a search's workers on a Slurm cluster.",
        subcommands: [SlurmWorkersCommand.self]
    )
}

struct SlurmWorkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "Submit `nas worker` processes as one Slurm job array.",
        discussion: """
            Submits `sbatch --array=1-COUNT --wrap 'nas worker --storage URL --run NAME …'` and prints the job id. The workers claim the run's trials from the shared PostgreSQL trial log; start the controller with `nas search … --storage URL --workers 0` (on a login node, or as its own small job). A worker whose job is cancelled, preempted or lost gives its trial back (at once on SIGTERM, else when its lease runs out); the array ends by itself when the run is finished. Each task writes its log to LOGS/nas-worker-JOB_TASK.log. The `nas` on the compute nodes is this one, by its absolute path (a shared filesystem is assumed, as usual with Slurm).

            Examples:
              nas slurm workers --storage postgresql://nas@db:5432/nas --run b0 --count 16
              nas slurm workers --storage URL --run b0 --count 8 --sbatch-option=--partition=cpu --sbatch-option=--cpus-per-task=2
            """
    )

    @Option(name: .customLong("run"), help: "The run's name (default: the workers serve every unfinished run).")
    var runName: String?

    @OptionGroup var storage: StorageOptions

    @Option(help: "Workers in the array.")
    var count: Int

    @Option(help: "Each worker's --max-trials.")
    var maxTrials: Int?

    @Option(help: "Each worker's --lease in seconds.")
    var lease: Double?

    @Option(help: "Each worker's --idle-timeout in seconds.")
    var idleTimeout: Double?

    @Option(help: "Folder for the tasks' logs.")
    var logs: String = "slurm-logs"

    @Option(name: .customLong("sbatch-option"), help: ArgumentHelp("An extra sbatch option, e.g. --sbatch-option=--partition=cpu (repeatable).", valueName: "option"))
    var sbatchOptions: [String] = []

    @Flag(help: "Print the sbatch command instead of running it.")
    var dryRun = false

    func validate() throws {
        guard storage.storage != nil else {
            throw ValidationError("Slurm workers need a trial log every node can reach: give --storage postgresql://… (a run folder's SQLite file is for one machine).")
        }
        if count < 1 || count > 10_000 { throw ValidationError("--count must be from 1 to 10000.") }
        if let maxTrials, maxTrials < 1 { throw ValidationError("--max-trials must be at least 1.") }
        if let lease, !(lease >= 1 && lease <= SearchConfig.maxSeconds) {
            throw CommandError("--lease must be from 1 to \(Int(SearchConfig.maxSeconds)) seconds, got \(lease).")
        }
        if let idleTimeout, !(idleTimeout >= 0 && idleTimeout <= SearchConfig.maxSeconds) {
            throw CommandError("--idle-timeout must be from 0 to \(Int(SearchConfig.maxSeconds)) seconds, got \(idleTimeout).")
        }
        for option in sbatchOptions where !option.hasPrefix("-") {
            throw ValidationError("--sbatch-option takes sbatch options such as --partition=cpu, got '\(option)'.")
        }
    }

    func run() throws {
        let logs = URL(fileURLWithPath: self.logs).standardizedFileURL.path
        // The job script is kept by Slurm and shown to anyone who asks: the password goes to
        // the workers in PGPASSWORD (sbatch exports its environment), never in the script.
        let (url, password) = PostgreSQLTrialStore.separatingPassword(storage.storage!)
        var worker = [CommandLine.executablePath, "worker", "--storage", url, "--quiet"]
        if let runName { worker += ["--run", runName] }
        if let maxTrials { worker += ["--max-trials", String(maxTrials)] }
        if let lease { worker += ["--lease", String(lease)] }
        if let idleTimeout { worker += ["--idle-timeout", String(idleTimeout)] }
        let arguments = [
            "--parsable", "--array=1-\(count)", "--job-name=nas-worker\(runName.map { "-\($0)" } ?? "")",
            "--output=\(logs)/nas-worker-%A_%a.log",
        ] + sbatchOptions + ["--wrap", worker.map(Shell.quoted).joined(separator: " ")]
        if dryRun {
            print((password == nil ? "" : "PGPASSWORD=*** ") + (["sbatch"] + arguments).map(Shell.quoted).joined(separator: " "))
            return
        }
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let result = try runCaptured("sbatch", arguments, environment: password.map { ["PGPASSWORD": $0] } ?? [:])
        guard result.status == 0 else {
            throw CommandError("sbatch failed (status \(result.status)): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let job = result.stdout.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "?"
        print(job)
        writeStandardError("submitted job array \(job) (\(count) workers); logs in \(logs); watch with `squeue -j \(job)`, stop with `scancel \(job)`\n")
    }
}

extension CommandLine {
    /// This executable's absolute path (what the compute nodes must run).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}

/// Runs a program found on PATH; its status and output.
/// `environment` is added to this process's own.
func runCaptured(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> (status: Int32, stdout: String, stderr: String)
{
    let run: ChildProcess
    do { run = try ChildProcess.run(program, arguments, environment: environment) } catch {
        throw CommandError(error.reason == "not found on PATH" ? "\(program) is not on PATH (install Slurm's client tools)" : error.description)
    }
    switch run.ending {
    case .exited(let status): return (status, run.stdout, run.stderr)
    case .signaled(let signal): throw CommandError("\(program) was killed by signal \(signal)")
    case .timedOut: throw CommandError("\(program) timed out")
    }
}
