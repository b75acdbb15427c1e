import Foundation
import NASEvaluation
import NASArchitecture
import NASSearchSpace
import NASStore

/// Claims one run's queued trials, evaluates them and records the results: the same code for
/// a search's own worker threads and for `nas worker` processes on other machines. While a
/// trial is evaluated its lease is renewed by a heartbeat; a process that dies stops renewing,
/// and whoever next looks (the controller, another worker) queues the trial again.
public struct TrialRunner: Sendable {
    public let run: RunRecord
    public let config: SearchConfig
    public let space: SearchSpace
    let store: any TrialStore
    let evaluator: any TrialEvaluator
    /// Seconds a claim lasts without a heartbeat. Heartbeats come every third of it.
    public let lease: TimeInterval

    init(run: RunRecord, config: SearchConfig, space: SearchSpace, store: any TrialStore, evaluator: any TrialEvaluator,
         lease: TimeInterval) {
        self.run = run
        self.config = config
        self.space = space
        self.store = store
        self.evaluator = evaluator
        self.lease = lease
    }

    /// What became of a claimed trial.
    public enum Outcome: Sendable {
        /// Recorded as complete or failed.
        case recorded(TrialRecord)
        /// The lease was lost (taken back after missed heartbeats) before the result came:
        /// the trial is someone else's now and this result is not recorded.
        case lost(TrialRecord, reason: String)
    }

    /// The oldest queued trial, now running under `worker`; nil when none is queued.
    func claim(worker: String) throws(SearchError) -> TrialRecord? {
        try Search.storeCall { try store.claim(run: run.id, worker: worker, lease: lease, now: Date()) }
    }

    /// Evaluates a trial this worker holds, heartbeating meanwhile, and records the result.
    func process(_ trial: TrialRecord, worker: String, progress: @escaping @Sendable (Double) -> Void) throws(SearchError) -> Outcome {
        let heartbeat = Heartbeat(store: store, trial: trial.id, worker: worker, lease: lease)
        let start = Date()
        let result = evaluate(trial, progress: progress)
        let lostReason = heartbeat.stop()
        do {
            switch result {
            case .success(let measured):
                let timed = TrialResult(accuracy: measured.accuracy, reward: measured.reward, macs: measured.macs,
                                        params: measured.params, components: measured.components,
                                        seconds: Date().timeIntervalSince(start))
                return .recorded(try store.complete(trial: trial.id, worker: worker, result: timed, now: Date()))
            case .failure(let failure):
                return .recorded(try store.fail(trial: trial.id, worker: worker, reason: failure.reason, now: Date()))
            }
        } catch {
            switch error {
            case .leaseLost, .notRunning: return .lost(trial, reason: lostReason ?? error.description)
            default: throw .store(error)
            }
        }
    }

    /// Trains and scores one trial; any failure is the trial's, not the search's.
    func evaluate(_ trial: TrialRecord, progress: @escaping @Sendable (Double) -> Void) -> Result<TrialResult, EvaluationFailure> {
        do throws(EvaluationFailure) {
            let network: Network
            do { network = try trial.decodedNetwork() } catch {
                throw EvaluationFailure("the stored architecture does not decode: \(error)")
            }
            let proxy = config.proxy(batch: trial.batch, rung: trial.rung)
            let job = EvaluationJob(
                trial: trial.number, seed: trial.seed, network: network,
                decisions: trial.role == .reference ? [] : space.describe(trial.decisions), proxy: proxy,
                isReference: trial.isReference, rung: trial.rung)
            var measurement = try evaluator.evaluate(job, progress: progress)
            let cost = network.resolved(resolution: space.resolution).cost
            measurement.measureMissing(
                network, latency: config.reward.needsLatency, stepTime: config.reward.needsStepTime,
                resolution: space.resolution, proxy: proxy)
            let breakdown = config.reward.evaluate(
                accuracy: measurement.accuracy, macs: cost.macs, params: cost.params, latencyMs: measurement.latencyMs,
                stepSeconds: measurement.stepSeconds)
            if let error = breakdown.error { throw EvaluationFailure("reward: \(error)") }
            var components = breakdown.components
            for (key, value) in measurement.extra where components[key] == nil { components[key] = value }
            return .success(TrialResult(accuracy: measurement.accuracy, reward: breakdown.reward, macs: cost.macs,
                                        params: cost.params, components: components, seconds: 0))
        } catch {
            return .failure(error)
        }
    }
}

/// Renews a trial's lease every third of it on its own thread until stopped. A heartbeat the
/// store refuses (the lease was already taken back) ends it; `stop` says why.
final class Heartbeat: @unchecked Sendable {
    private let stopped = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var lostReason: String?
    /// Dropped by the thread before it says it finished: the thread outlives `stop` by a
    /// moment, and holding the last reference to the store then would close it (checkpointing
    /// SQLite's log into the database file) after the search has returned.
    private var store: (any TrialStore)?

    init(store: any TrialStore, trial: Int64, worker: String, lease: TimeInterval) {
        self.store = store
        let interval = max(0.05, lease / 3)
        let thread = Thread { [self] in
            defer {
                lock.withLock { self.store = nil }
                finished.signal()
            }
            while stopped.wait(timeout: .now() + interval) == .timedOut {
                guard let store = lock.withLock({ self.store }) else { return }
                do throws(StoreError) {
                    try store.heartbeat(trial: trial, worker: worker, lease: lease, now: Date())
                } catch {
                    switch error {
                    case .leaseLost, .notRunning:
                        lock.withLock { lostReason = "lease lost: \(error)" }
                        return
                    default:
                        // A passing database hiccup: the next beat may get through before the
                        // lease runs out.
                        continue
                    }
                }
            }
        }
        thread.start()
    }

    /// Stops the heartbeats; why the lease was lost, if it was.
    func stop() -> String? {
        stopped.signal()
        finished.wait()
        return lock.withLock { lostReason }
    }
}
