import Foundation
import NASEvaluation
import NASStore
import Synchronization

/// What a `Worker` reports, one event at a time.
public enum WorkerEvent: Sendable {
    case claimed(TrialRecord, run: String)
    case progress(number: Int, fraction: Double)
    case finished(TrialRecord, run: String)
    /// The trial's lease was taken back before its result came; the result was dropped.
    case lost(TrialRecord, run: String, reason: String)
    /// Nothing to claim; the worker polls (said once per idle spell).
    case idle(String)
}

/// What a worker did, for its last line (and the load test).
public struct WorkerSummary: Codable, Sendable {
    public var worker: String
    public var trials = 0
    public var complete = 0
    public var failed = 0
    public var lost = 0
    public var seconds = 0.0
    /// Why it stopped.
    public var stopped = ""
    /// Wall-clock milliseconds per successful claim (the store round trip, lock included).
    public var claimMilliseconds: LatencySummary?
}

public struct LatencySummary: Codable, Sendable {
    public var count: Int
    public var median: Double
    public var p95: Double
    public var max: Double

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        count = sorted.count
        median = sorted[sorted.count / 2]
        p95 = sorted[min(sorted.count - 1, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1)]
        max = sorted.last!
    }
}

/// `nas worker`: claims queued trials of one run (or of every unfinished run in a database),
/// evaluates each with the run's own evaluator and proxy settings, and records the result,
/// until the run is finished, `maxTrials` are done, or it has been idle for `idleTimeout`.
/// Any number of workers, on any machines, can serve one run: claims are exclusive, leases
/// are renewed by heartbeats, and a dead worker's trial is queued again by whoever notices.
public final class Worker: @unchecked Sendable {
    public let options: WorkerOptions
    let store: any TrialStore
    private var runners: [Int64: TrialRunner] = [:]
    /// The runs served, re-read whenever there is nothing to claim.
    private var knownRuns: [RunRecord]?
    /// The trial in hand (to give it back on SIGTERM).
    private let current = Mutex<(run: Int64, trial: Int64, maxAttempts: Int)?>(nil)

    public init(_ options: WorkerOptions) throws(SearchError) {
        try options.validate()
        self.options = options
        let location = RunLocation(run: options.run ?? "", storage: options.storage)
        store = try location.store(.write)
    }

    /// How long a worker waits for its named database run to be created (a controller started
    /// beside it may not have created it yet) before it stops: a mistyped name used to leave
    /// it waiting forever. `--idle-timeout`, if given, is used instead.
    public static let missingRunGrace: TimeInterval = 60

    /// Works until there is nothing more to do; what it did.
    /// A database that cannot be reached (a restart, a network cut) is retried with growing
    /// pauses for about two minutes before the worker gives up; a trial it held meanwhile
    /// is re-run once its lease runs out.
    public func run(events: @escaping @Sendable (WorkerEvent) -> Void = { _ in }) throws(SearchError) -> WorkerSummary {
        var summary = WorkerSummary(worker: options.name)
        var claimTimes: [Double] = []
        let start = Date()
        var retry = DatabaseRetry()
        return try retry.run(retrying: { message, pause in
            current.withLock { $0 = nil }
            knownRuns = nil
            events(.idle("database error (\(message)); retrying in \(Int(pause)) s"))
        }) { () throws(SearchError) -> WorkerSummary in
            try serve(events: events, summary: &summary, claimTimes: &claimTimes, start: start)
        }
    }

    private func serve(events: @escaping @Sendable (WorkerEvent) -> Void, summary: inout WorkerSummary,
                       claimTimes: inout [Double], start: Date) throws(SearchError) -> WorkerSummary {
        var idleSince: Date?
        func finish(_ why: String) -> WorkerSummary {
            summary.stopped = why
            summary.seconds = Date().timeIntervalSince(start)
            summary.claimMilliseconds = LatencySummary(claimTimes)
            return summary
        }
        while true {
            if let maxTrials = options.maxTrials, summary.trials >= maxTrials { return finish("did its --max-trials \(maxTrials)") }
            // The hot path is one claim and one result per trial; the whole log is read only
            // when there is nothing to claim.
            var claimed: (TrialRecord, TrialRunner)?
            if knownRuns == nil { knownRuns = try candidateRuns() }
            for run in knownRuns ?? [] {
                guard let runner = try loadedRunner(for: run) else { continue }
                let before = Date()
                if let trial = try runner.claim(worker: options.name) {
                    claimTimes.append(Date().timeIntervalSince(before) * 1000)
                    claimed = (trial, runner)
                    break
                }
            }
            if let (trial, runner) = claimed {
                current.withLock { $0 = (runner.run.id, trial.id, runner.config.maxAttempts) }
                idleSince = nil
                events(.claimed(trial, run: runner.run.name))
                let number = trial.number
                let outcome = try runner.process(trial, worker: options.name) { events(.progress(number: number, fraction: $0)) }
                current.withLock { $0 = nil }
                summary.trials += 1
                switch outcome {
                case .recorded(let record):
                    if record.state == .complete { summary.complete += 1 } else { summary.failed += 1 }
                    events(.finished(record, run: runner.run.name))
                case .lost(let record, let reason):
                    summary.lost += 1
                    events(.lost(record, run: runner.run.name, reason: reason))
                }
                continue
            }
            // Nothing queued: take back trials of dead workers, and stop if every run is done.
            var anyUnfinished = false
            let runs = try candidateRuns()
            knownRuns = runs
            for run in runs {
                // A resumed search may have raised the budget: the stored config is the truth.
                if let cached = runners[run.id], cached.run.config != run.config { runners[run.id] = nil }
                let config = try runner(for: run).config
                if Self.isFinished(try Search.storeCall { try store.tally(run: run.id) }, config: config) { continue }
                anyUnfinished = true
                let requeued = try Search.storeCall {
                    try store.requeueExpired(run: run.id, now: Date(), maxAttempts: config.maxAttempts)
                }
                if !requeued.isEmpty { idleSince = nil }
            }
            if !anyUnfinished, !runs.isEmpty {
                return finish(options.run != nil ? "the run is finished" : "every run is finished")
            }
            let now = Date()
            let missing = runs.isEmpty && options.run != nil && options.storage != nil
            if idleSince == nil {
                idleSince = now
                events(.idle(anyUnfinished ? "waiting for the controller's next batch"
                    : missing ? "waiting for run '\(options.run!)' to be created" : "waiting for a run to serve"))
            }
            if missing, now.timeIntervalSince(idleSince!) >= options.idleTimeout ?? Self.missingRunGrace {
                throw .noRun(RunLocation(run: options.run!, storage: options.storage).description)
            }
            if let timeout = options.idleTimeout, now.timeIntervalSince(idleSince!) >= timeout {
                return finish("idle for \(Int(timeout)) s")
            }
            Thread.sleep(forTimeInterval: options.pollInterval)
        }
    }

    /// Queues again the trial this worker holds (SIGTERM from Slurm or Kubernetes): it re-runs
    /// elsewhere now instead of after its lease. The lease is ended and taken back like any
    /// expired one (the reason says "lease expired (worker NAME)").
    public func releaseHeld() {
        guard let held = current.withLock({ $0 }) else { return }
        let now = Date()
        _ = try? store.heartbeat(trial: held.trial, worker: options.name, lease: -1, now: now)
        _ = try? store.requeueExpired(run: held.run, now: now, maxAttempts: held.maxAttempts)
    }

    /// A run is finished when its whole budget of sampled trials exists and is finished, and so
    /// are its leader evaluations if it has any: the controller enqueues each next batch (the
    /// leaders' included) in the same transaction that records its update.
    static func isFinished(_ tally: TrialTally, config: SearchConfig) -> Bool {
        tally.sampled >= config.trials && tally.unfinished == 0 && ((config.leaderEvaluations ?? 0) == 0 || tally.finalLeaders > 0)
            // Promotions come a batch after the results they follow: done only once the
            // controller saved after the last batch (and so enqueued nothing more).
            && (config.promotion == nil || (tally.controllerBatch ?? -1) >= tally.lastBatch)
    }

    private func candidateRuns() throws(SearchError) -> [RunRecord] {
        if let name = options.run {
            let location = RunLocation(run: name, storage: options.storage)
            if location.isFolder { return [try location.record(in: store)] }
            return try Search.storeCall { try store.run(named: location.runName) }.map { [$0] } ?? []
        }
        return try Search.storeCall { try store.runs() }
    }

    /// The run's configuration and space (no evaluator yet).
    private func runner(for run: RunRecord) throws(SearchError) -> TrialRunner {
        if let cached = runners[run.id] { return cached }
        let (config, space) = try Search.decode(run)
        let runner = TrialRunner(run: run, config: config, space: space, store: store, evaluator: PendingEvaluator(),
                                 lease: options.lease)
        runners[run.id] = runner
        return runner
    }

    /// A runner whose evaluator is loaded (the built-in trainer loads its dataset), before any
    /// claim starts a lease; nil for a run that is finished, so none is loaded for it.
    private func loadedRunner(for run: RunRecord) throws(SearchError) -> TrialRunner? {
        let runner = try runner(for: run)
        guard runner.evaluator is PendingEvaluator else { return runner }
        if Self.isFinished(try Search.storeCall { try store.tally(run: run.id) }, config: runner.config) { return nil }
        let location = RunLocation(run: options.storage == nil ? (options.run ?? run.name) : run.name, storage: options.storage)
        let evaluator = try Search.makeEvaluator(runner.config, location: location, cache: options.cache, progress: nil)
        let loaded = TrialRunner(run: run, config: runner.config, space: runner.space, store: store, evaluator: evaluator,
                                 lease: options.lease)
        runners[run.id] = loaded
        return loaded
    }
}

/// Stands in until a run's evaluator is needed (the built-in one loads a dataset).
private struct PendingEvaluator: TrialEvaluator {
    func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        throw EvaluationFailure("internal: the evaluator was not loaded")
    }
}
