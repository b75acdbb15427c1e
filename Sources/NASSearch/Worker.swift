import Foundation
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
    public struct Options: Sendable {
        /// The run: a folder (SQLite, same machine) or, with `storage`, a name; nil = any
        /// unfinished run in the database.
        public var run: String?
        public var storage: String?
        public var name: String
        public var maxTrials: Int?
        public var lease: TimeInterval = Search.defaultLease
        public var idleTimeout: TimeInterval?
        public var pollInterval: TimeInterval = 0.2
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
    }

    public let options: Options
    let store: any TrialStore
    private var runners: [Int64: TrialRunner] = [:]
    /// Runs whose trials this worker has claimed (to release them on SIGTERM).
    private let served = Mutex<Set<Int64>>([])

    public init(_ options: Options) throws(SearchError) {
        guard options.run != nil || options.storage != nil else {
            throw .invalid("a worker needs --run RUN_FOLDER, or --storage URL (and optionally --run NAME)")
        }
        guard options.lease >= 1 else { throw .invalid("--lease must be at least 1 second, got \(options.lease)") }
        if let maxTrials = options.maxTrials, maxTrials < 1 { throw .invalid("--max-trials must be at least 1") }
        self.options = options
        let location = RunLocation(run: options.run ?? "", storage: options.storage)
        store = try location.store(.write)
    }

    /// Works until there is nothing more to do; what it did.
    public func run(events: @escaping @Sendable (WorkerEvent) -> Void = { _ in }) throws(SearchError) -> WorkerSummary {
        var summary = WorkerSummary(worker: options.name)
        var claimTimes: [Double] = []
        let start = Date()
        var idleSince: Date?
        defer {
            summary.seconds = Date().timeIntervalSince(start)
            summary.claimMilliseconds = LatencySummary(claimTimes)
        }
        while true {
            if let maxTrials = options.maxTrials, summary.trials >= maxTrials {
                summary.stopped = "did its --max-trials \(maxTrials)"
                return summary
            }
            var anyUnfinished = false
            var claimedOne = false
            for run in try candidateRuns() {
                let trials = try Search.storeCall { try store.trials(run: run.id) }
                let runner = try self.runner(for: run, loadEvaluator: false)
                if Self.isFinished(trials, config: runner.config) { continue }
                anyUnfinished = true
                _ = try Search.storeCall {
                    try store.requeueExpired(run: run.id, now: Date(), maxAttempts: runner.config.maxAttempts)
                }
                guard trials.contains(where: { $0.state == .queued || $0.state == .running }) else { continue }
                // The evaluator (the built-in trainer loads its dataset) is ready before the
                // lease starts counting.
                let ready = try self.runner(for: run, loadEvaluator: true)
                let before = Date()
                guard let trial = try ready.claim(worker: options.name) else { continue }
                claimTimes.append(Date().timeIntervalSince(before) * 1000)
                served.withLock { _ = $0.insert(run.id) }
                idleSince = nil
                events(.claimed(trial, run: run.name))
                let number = trial.number
                let outcome = try ready.process(trial, worker: options.name) { events(.progress(number: number, fraction: $0)) }
                summary.trials += 1
                switch outcome {
                case .recorded(let record):
                    if record.state == .complete { summary.complete += 1 } else { summary.failed += 1 }
                    events(.finished(record, run: run.name))
                case .lost(let record, let reason):
                    summary.lost += 1
                    events(.lost(record, run: run.name, reason: reason))
                }
                claimedOne = true
                break
            }
            if claimedOne { continue }
            if !anyUnfinished, options.run != nil, try namedRunExists() {
                summary.stopped = "the run is finished"
                return summary
            }
            if !anyUnfinished, options.run == nil, try !Search.storeCall({ try store.runs() }).isEmpty {
                summary.stopped = "every run is finished"
                return summary
            }
            let now = Date()
            if idleSince == nil {
                idleSince = now
                events(.idle(anyUnfinished ? "waiting for the controller's next batch" : "waiting for a run to serve"))
            }
            if let timeout = options.idleTimeout, now.timeIntervalSince(idleSince!) >= timeout {
                summary.stopped = "idle for \(Int(timeout)) s"
                return summary
            }
            Thread.sleep(forTimeInterval: options.pollInterval)
        }
    }

    /// Queues again whatever this worker holds (SIGTERM from Slurm or Kubernetes): the trial
    /// re-runs elsewhere now instead of after its lease.
    public func releaseHeld(reason: String) {
        for run in served.withLock({ $0 }) {
            let attempts = runners[run]?.config.maxAttempts ?? 5
            _ = try? store.release(run: run, workerPrefix: options.name, reason: reason, maxAttempts: attempts, now: Date())
        }
    }

    /// A run is finished when its whole budget of sampled trials exists and is finished: the
    /// controller enqueues the next batch in the same transaction that records its update.
    static func isFinished(_ trials: [TrialRecord], config: SearchConfig) -> Bool {
        trials.count { !$0.isReference } >= config.trials && trials.allSatisfy(\.state.isFinished)
    }

    private func candidateRuns() throws(SearchError) -> [RunRecord] {
        if let name = options.run {
            let location = RunLocation(run: name, storage: options.storage)
            if location.isFolder { return [try location.record(in: store)] }
            return try Search.storeCall { try store.run(named: location.runName) }.map { [$0] } ?? []
        }
        return try Search.storeCall { try store.runs() }
    }

    private func namedRunExists() throws(SearchError) -> Bool { try !candidateRuns().isEmpty }

    private func runner(for run: RunRecord, loadEvaluator: Bool) throws(SearchError) -> TrialRunner {
        if let cached = runners[run.id], !loadEvaluator || !(cached.evaluator is PendingEvaluator) { return cached }
        let (config, space) = try Search.decode(run)
        let location = RunLocation(run: options.storage == nil ? (options.run ?? run.name) : run.name, storage: options.storage)
        let evaluator: any TrialEvaluator = loadEvaluator
            ? try Search.makeEvaluator(config, location: location, cache: options.cache, progress: nil) : PendingEvaluator()
        let runner = TrialRunner(run: run, config: config, space: space, store: store, evaluator: evaluator, lease: options.lease)
        runners[run.id] = runner
        return runner
    }
}

/// Stands in until a run's evaluator is needed (the built-in one loads a dataset).
private struct PendingEvaluator: TrialEvaluator {
    func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        throw EvaluationFailure("internal: the evaluator was not loaded")
    }
}
