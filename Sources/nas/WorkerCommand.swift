import ArgumentParser
import Foundation
import NASSearch
import NASStore

struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Evaluate a search's queued trials, here, alongside its other workers.",
        discussion: """
            A worker claims one queued trial at a time (exclusively: no trial is evaluated twice into the log), evaluates it with the run's own evaluator and proxy settings, records the result, and holds a lease renewed by heartbeats meanwhile: if the worker dies, the trial is queued again once its lease runs out. It stops when the run is finished (every run, without --run), after --max-trials, or after --idle-timeout without work; a --run NAME that does not exist in --storage is waited for 60 s (or --idle-timeout), in case its controller is starting, then refused. Each worker evaluates one trial at a time (the built-in trainer on one thread): start one per core, or per GPU. Start the search with `--workers 0` for a controller that only samples and learns (Docs/DISTRIBUTED.md).

            Examples:
              nas worker --storage postgresql://nas@db.example:5432/nas --run b0
              nas worker --run Runs/b0              (a run folder's SQLite log, this machine)
              nas slurm workers --storage URL --run b0 --count 16
            """
    )

    @Option(name: .customLong("run"), help: "The run: a run folder, or with --storage the run's name (default with --storage: every unfinished run).")
    var runName: String?

    @OptionGroup var storage: StorageOptions

    @Option(help: "Stop after this many trials.")
    var maxTrials: Int?

    @Option(help: "Seconds a claim lasts without a heartbeat (heartbeats come every third of it): how late a dead worker is noticed.")
    var lease: Double = Search.defaultLease

    @Option(help: "Stop after this many seconds without a trial to claim (default: wait while the run is unfinished).")
    var idleTimeout: Double?

    @Option(help: "This worker's name in the trial log (default: HOST-PID).")
    var name: String?

    @Option(help: "Folder for decoded-data caches.")
    var cache: String?

    @Flag(help: "Print the summary as one JSON object on stdout.")
    var json = false

    @Flag(help: "Print nothing while it runs.")
    var quiet = false

    func validate() throws { try options.validate() }

    private var options: WorkerOptions {
        var options = WorkerOptions(run: runName, storage: storage.storage, name: name)
        options.maxTrials = maxTrials
        options.lease = lease
        options.idleTimeout = idleTimeout
        options.cache = cache
        return options
    }

    func run() throws {
        let options = self.options
        let worker = try Worker(options)
        let quiet = self.quiet
        releaseOnTermination(worker)
        if !quiet { writeStandardError("worker \(options.name): serving \(runName.map { "run \($0)" } ?? "every unfinished run")\n") }
        let summary = try worker.run { event in
            guard !quiet else { return }
            switch event {
            case let .claimed(trial, run): writeStandardError("[\(run)] trial \(trial.number) claimed (attempt \(trial.attempts))\n")
            case .progress: break
            case let .finished(trial, run):
                if let result = trial.result {
                    writeStandardError(String(format: "[%@] trial %d  acc %.4f  reward %.4f  %.1fs\n", run, trial.number,
                                              result.accuracy, result.reward, result.seconds))
                } else {
                    writeStandardError("[\(run)] trial \(trial.number) failed: \(trial.failure ?? "unknown reason")\n")
                }
            case let .lost(trial, run, reason):
                writeStandardError("[\(run)] trial \(trial.number): result dropped, \(reason)\n")
            case .idle(let what): writeStandardError("idle: \(what)\n")
            }
        }
        if json { try printJSON(summary) }
        if !quiet {
            var line = "worker \(summary.worker) stopped (\(summary.stopped)): \(summary.trials) trials, \(summary.complete) complete, \(summary.failed) failed"
            if summary.lost > 0 { line += ", \(summary.lost) lost" }
            if let claims = summary.claimMilliseconds {
                line += String(format: "; claim latency median %.1f ms, p95 %.1f ms", claims.median, claims.p95)
            }
            writeStandardError(line + "\n")
        }
    }
}

/// SIGTERM (Slurm's scancel, Kubernetes) or Ctrl-C: the trial in hand is queued again at once
/// rather than when its lease runs out, then the worker exits.
private func releaseOnTermination(_ worker: Worker) {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    for number in [SIGINT, SIGTERM] {
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            worker.releaseHeld()
            writeStandardError("\nworker stopped; its trial is queued again\n")
            _exit(128 + number)
        }
        source.resume()
        workerSignalSources.append(source)
    }
}

nonisolated(unsafe) private var workerSignalSources: [any DispatchSourceSignal] = []
