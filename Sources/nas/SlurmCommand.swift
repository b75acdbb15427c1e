import ArgumentParser
import Foundation
import NASEvaluation
import NASSearch

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
        try workerOptions.validate()
        try array(workerOptions).validate()
    }

    /// What each task's `nas worker` runs with.
    private var workerOptions: WorkerOptions {
        var options = WorkerOptions(run: runName, storage: storage.storage)
        options.maxTrials = maxTrials
        if let lease { options.lease = lease }
        options.idleTimeout = idleTimeout
        return options
    }

    /// The job array; the `nas` on the compute nodes is this one, by its absolute path.
    private func array(_ options: WorkerOptions) -> SlurmWorkerArray {
        let (command, environment) = options.commandLine(executable: CommandLine.executablePath, quiet: true)
        return SlurmWorkerArray(
            count: count, jobName: "nas-worker\(runName.map { "-\($0)" } ?? "")", command: command, environment: environment,
            logs: URL(fileURLWithPath: logs).standardizedFileURL.path, options: sbatchOptions)
    }

    func run() throws {
        let array = array(workerOptions)
        if dryRun {
            print(array.commandLine)
            return
        }
        let job = try array.submit()
        print(job)
        writeStandardError("submitted job array \(job) (\(count) workers); logs in \(array.logs); watch with `squeue -j \(job)`, stop with `scancel \(job)`\n")
    }
}

extension CommandLine {
    /// This executable's absolute path (what the compute nodes must run).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
