import Foundation
import NASProcess

/// Where and how trials go to a batch scheduler instead of running in the search's process
/// (`nas search … --evaluator CMD --submit slurm`).
public struct SubmitSettings: Codable, Hashable, Sendable {
    /// Only "slurm" for now.
    public var system: String
    /// Each trial's files: trial-N.json (its input), trial-N.out (the command's stdout, read
    /// back as the result) and trial-N.err. Must be visible from the compute nodes.
    public var jobs: String
    /// Extra sbatch options, e.g. --partition=cpu or --cpus-per-task=4.
    public var options: [String]

    public init(system: String = "slurm", jobs: String, options: [String] = []) {
        self.system = system
        self.jobs = jobs
        self.options = options
    }

    func validate() throws(EvaluatorError) {
        guard system == "slurm" else { throw .invalid("--submit takes slurm, got '\(system)'") }
        guard SlurmEvaluator.sbatch != nil else {
            throw .unavailable("--submit slurm: sbatch is not on PATH (install Slurm's client, or run without --submit)")
        }
        for option in options where !option.hasPrefix("-") {
            throw .invalid("--sbatch-option takes sbatch options such as --partition=cpu, got '\(option)'")
        }
    }
}

/// Evaluates each trial as its own Slurm job: the trial's JSON becomes the job's stdin
/// (`sbatch --input`), the user's command runs on a compute node, and its stdout (`--output`)
/// is read back like a `CommandEvaluator`'s. `sbatch --wait` blocks until the job ends and
/// exits with the job's status; each of the search's workers keeps one job in flight, so
/// `--workers N` means N jobs at once. A trial that outlives its --timeout is cancelled.
public struct SlurmEvaluator: TrialEvaluator {
    public let command: String
    public let timeout: TimeInterval?
    public let settings: SubmitSettings
    /// Names the run's jobs (`nas-RUN-trial-N`), so they can be found in squeue and cancelled.
    public let runName: String
    public let workingDirectory: String

    static var sbatch: String? { try? ChildProcess.resolve("sbatch") }

    public init(command: String, timeout: TimeInterval?, settings: SubmitSettings, runName: String,
                workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.command = command
        self.timeout = timeout
        self.settings = settings
        self.runName = runName
        self.workingDirectory = workingDirectory
    }

    public func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        guard let sbatch = Self.sbatch else { throw EvaluationFailure("sbatch is not on PATH") }
        let base = (settings.jobs as NSString).appendingPathComponent("trial-\(job.trial)")
        do {
            try FileManager.default.createDirectory(atPath: settings.jobs, withIntermediateDirectories: true)
            try job.json().write(to: URL(fileURLWithPath: base + ".json"), options: .atomic)
            for suffix in [".out", ".err"] { try? FileManager.default.removeItem(atPath: base + suffix) }
        } catch {
            throw EvaluationFailure("cannot write the trial's job files in \(settings.jobs): \(error.localizedDescription)")
        }
        let name = "nas-\(runName)-trial-\(job.trial)"
        var arguments = [
            "--wait", "--parsable", "--job-name=\(name)", "--input=\(base).json", "--output=\(base).out",
            "--error=\(base).err", "--chdir=\(workingDirectory)",
        ]
        if let timeout { arguments.append("--time=\(max(1, Int((timeout / 60).rounded(.up))))") }
        arguments += settings.options + ["--wrap", command]
        // Slurm enforces --time itself; this deadline only catches a scheduler that never
        // starts the job, with room for the queue.
        let run: ChildProcess
        do {
            run = try ChildProcess.run(
                sbatch, arguments, directory: workingDirectory, environment: job.environment,
                timeout: timeout.map { $0 + 300 })
        } catch { throw EvaluationFailure(error.description) }
        if run.ending == .timedOut {
            // No shell: the run's name goes to scancel as it is, whatever it holds.
            _ = try? ChildProcess.run("scancel", ["--name=\(name)"], directory: workingDirectory, timeout: 30)
            throw EvaluationFailure("the Slurm job \(name) did not finish within its time (cancelled)")
        }
        let jobID = run.stdout.split(whereSeparator: \.isNewline).first.map(String.init) ?? "?"
        let errors = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        if run.ending != .exited(0) {
            let why = run.stderr.isEmpty ? "" : CommandEvaluator.tail(run.stderr)
            throw EvaluationFailure("Slurm job \(jobID) (\(name)) ended with \(run.ending)\(CommandEvaluator.tail(errors))\(why)")
        }
        let output = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        return try EvaluatorOutput.parse(output)
    }
}
