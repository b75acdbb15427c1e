import Foundation
import NASArchitecture
import NASController
import NASSearchSpace
import NASStore
import NASTraining
import Synchronization

/// What a running search reports, for a progress display. Delivered one at a time (never
/// concurrently), from whichever thread produced it.
public enum SearchEvent: Sendable {
    /// `released`: trials a killed process left running, queued again to re-run.
    /// `finished`: sampled trials already complete or failed, of `total`.
    case started(run: String, resumed: Bool, finished: Int, total: Int, released: [TrialRecord], best: TrialRecord?)
    case trialStarted(TrialRecord, worker: Int)
    case trialProgress(number: Int, fraction: Double)
    case trialFinished(TrialRecord)
    /// The controller learned from batch `batch`.
    case updated(batch: Int, statistics: ControllerStatistics)
    case finished(best: TrialRecord?)
}

/// A search in its run folder: sample a batch → evaluate it (`workers` at a time) → record
/// each result → update the controller once on the whole batch → save its state together with
/// the next batch. Because updates wait for whole batches and trials are numbered in proposal
/// order, the architectures depend on the seed alone, never on the workers or on timing; and
/// because each step is one transaction, a search killed at any moment resumes exactly where
/// it stopped (Docs/SEARCH.md).
public final class Search: @unchecked Sendable {
    public let directory: RunDirectory
    public let config: SearchConfig
    public let space: SearchSpace
    public let run: RunRecord
    let store: any TrialStore
    let lock: RunLock
    let evaluator: any TrialEvaluator
    let resumed: Bool
    /// A class (not a Mutex) so the event closure can hold it without holding the search:
    /// worker threads release their closures after `run` returns.
    private let eventLock = NSLock()
    /// Tests: after this many claims the workers stop as if the process had been killed,
    /// leaving their claimed trials running.
    let crashAfterClaims = Mutex<Int?>(nil)

    private init(directory: RunDirectory, config: SearchConfig, space: SearchSpace, run: RunRecord, store: any TrialStore,
                 lock: RunLock, evaluator: any TrialEvaluator, resumed: Bool) {
        self.directory = directory
        self.config = config
        self.space = space
        self.run = run
        self.store = store
        self.lock = lock
        self.evaluator = evaluator
        self.resumed = resumed
    }

    /// A new run. Everything is checked first — the space, the configuration, the evaluator
    /// command, the dataset — and only then is the folder created, so a refused search leaves
    /// nothing behind. `evaluator` replaces the configured one (tests, or a preloaded trainer).
    public static func create(directory path: String, spaceText: String, config: SearchConfig,
                              evaluator: (any TrialEvaluator)? = nil, dataCache: String? = nil,
                              dataProgress: (@Sendable (Int, Int) -> Void)? = nil) throws(SearchError) -> Search {
        let space: SearchSpace
        do { space = try SearchSpace.parse(spaceText, file: config.spaceFile) } catch { throw .space(error) }
        try config.validate()
        let directory = RunDirectory(path)
        if FileManager.default.fileExists(atPath: directory.database) { throw .runExists(directory: path) }
        let chosen: any TrialEvaluator
        if let evaluator { chosen = evaluator } else { chosen = try makeEvaluator(config, directory: directory, cache: dataCache, progress: dataProgress) }
        try directory.create()
        let lock = try directory.lock()
        let store = try directory.store(.create)
        let run = try storeCall { try store.createRun(name: directory.runName, space: spaceText, config: config.json()) }
        return Search(directory: directory, config: config, space: space, run: run, store: store, lock: lock,
                      evaluator: chosen, resumed: false)
    }

    /// An existing run, continued exactly where it stopped; `trials` raises (or lowers) its
    /// budget of sampled trials.
    public static func resume(directory path: String, trials: Int? = nil, workers: Int? = nil,
                              evaluator: (any TrialEvaluator)? = nil, dataCache: String? = nil,
                              dataProgress: (@Sendable (Int, Int) -> Void)? = nil) throws(SearchError) -> Search {
        let directory = RunDirectory(path)
        try directory.requireExisting()
        let lock = try directory.lock()
        let store = try directory.store(.open)
        var (run, config, space) = try load(store, directory)
        if let trials { config.trials = trials }
        if let workers { config.workers = workers }
        try config.validate()
        if trials != nil || workers != nil {
            run = try storeCall { try store.updateConfig(run: run.id, config: config.json()) }
        }
        let chosen: any TrialEvaluator
        if let evaluator { chosen = evaluator } else { chosen = try makeEvaluator(config, directory: directory, cache: dataCache, progress: dataProgress) }
        return Search(directory: directory, config: config, space: space, run: run, store: store, lock: lock,
                      evaluator: chosen, resumed: true)
    }

    /// The run, its configuration and its space as stored.
    static func load(_ store: any TrialStore, _ directory: RunDirectory) throws(SearchError)
        -> (RunRecord, SearchConfig, SearchSpace)
    {
        let runs = try storeCall { try store.runs() }
        guard let run = runs.first(where: { $0.name == directory.runName }) ?? runs.first else {
            throw .store(.corrupt("\(directory.database) holds no run"))
        }
        let config = try SearchConfig.decode(run.config)
        let space: SearchSpace
        do { space = try SearchSpace.parse(run.space, file: config.spaceFile + " (as stored in the run)") } catch {
            throw .space(error)
        }
        return (run, config, space)
    }

    static func makeEvaluator(
        _ config: SearchConfig, directory: RunDirectory, cache: String?, progress: (@Sendable (Int, Int) -> Void)?
    ) throws(SearchError) -> any TrialEvaluator {
        if config.usesBuiltinTrainer {
            return try BuiltinEvaluator.load(
                proxy: config.proxy, cacheDirectory: cache, modelsDirectory: config.keepWeights == true ? directory.models : nil,
                progress: progress)
        }
        return CommandEvaluator(command: config.evaluator, timeout: config.timeout)
    }

    // MARK: The loop

    /// Runs until the budget is spent. Killing the process at any moment loses nothing:
    /// `resume` re-runs the trials that were running and carries on.
    public func run(events: @escaping @Sendable (SearchEvent) -> Void = { _ in }) throws(SearchError) {
        signal(SIGPIPE, SIG_IGN)  // a command evaluator that exits early must not kill the search
        let emit: @Sendable (SearchEvent) -> Void = { [eventLock] event in eventLock.withLock { events(event) } }
        // Trials our own killed process left running: nobody else can hold them (we have the
        // lock), so they go back to the queue now rather than when their lease expires.
        let released = try storeCall {
            try store.release(run: run.id, workerPrefix: Self.workerPrefix, reason: "interrupted: the search process stopped during the trial",
                              maxAttempts: config.maxAttempts, now: Date())
        }
        var (batch, controller) = try loadOrStartController()
        emit(.started(run: run.name, resumed: resumed, finished: try finishedCount(), total: config.trials, released: released,
                     best: try storeCall { try store.best(run: run.id) }))
        while true {
            let trials = try storeCall { try store.trials(run: run.id) }
            let current = trials.filter { $0.batch == batch + 1 }
            if current.isEmpty {
                // Nothing proposed after the last update: the budget was spent — unless it was
                // raised on resume, in which case the controller proposes the next batch now.
                let next = try proposals(
                    &controller, batch: batch + 1, sampled: trials.filter { !$0.isReference }.count, firstNumber: trials.count)
                if next.isEmpty { break }
                try save(controller, batch: batch, enqueue: next)
                continue
            }
            if current.contains(where: { $0.state == .queued }) { try evaluateQueued(emit: emit) }
            let all = try storeCall { try store.trials(run: run.id) }
            let done = all.filter { $0.batch == batch + 1 }
            guard done.allSatisfy(\.state.isFinished) else {
                throw .store(.corrupt("batch \(batch + 1) still has unfinished trials after evaluation"))
            }
            let sampled = done.filter { !$0.isReference }
            batch += 1
            if !sampled.isEmpty {
                let decisions = sampled.map(\.decisions), rewards = sampled.map { $0.result?.reward }
                do { try controller.check(decisions: decisions, rewards: rewards) } catch { throw .controller(error) }
                controller.update(decisions: decisions, rewards: rewards)
            }
            let next = try proposals(
                &controller, batch: batch + 1, sampled: all.filter { !$0.isReference }.count, firstNumber: all.count)
            try save(controller, batch: batch, enqueue: next)
            emit(.updated(batch: batch, statistics: controller.statistics))
            if next.isEmpty { break }
        }
        emit(.finished(best: try storeCall { try store.best(run: run.id) }))
    }

    static let workerPrefix = "local-"

    /// The saved controller and the last batch it learned from, or a new controller with its
    /// first batch (and the reference trials) enqueued.
    private func loadOrStartController() throws(SearchError) -> (Int, Controller) {
        if let saved = try storeCall({ try store.controllerState(run: run.id) }) {
            do { return (saved.batch, try Controller.decode(json: saved.state)) } catch { throw .controller(error) }
        }
        var controller: Controller
        do { controller = try Controller(config: config.controller, decisionSizes: space.decisionSizes, seed: config.seed) } catch {
            throw .controller(error)
        }
        var first = references()
        first += try proposals(&controller, batch: 0, sampled: 0, firstNumber: first.count)
        try save(controller, batch: -1, enqueue: first)
        return (-1, controller)
    }

    /// Reference trials (e.g. EfficientNet-B0) go in the first batch, numbered first.
    private func references() -> [NewTrial] {
        space.references.enumerated().map { index, network in
            NewTrial(batch: 0, architecture: ArchitectureFile.encode(network), decisions: space.choices(matching: network) ?? [],
                     seed: config.trialSeed(index), isReference: true)
        }
    }

    /// The controller's next batch, cut to what is left of the budget; numbered after what
    /// the store already holds (reference trials included).
    /// Every choice of a loaded space builds a valid network (the space checks each option),
    /// so a failure here is a bug worth stopping for, not a trial to fail.
    private func proposals(_ controller: inout Controller, batch: Int, sampled: Int, firstNumber: Int)
        throws(SearchError) -> [NewTrial]
    {
        let count = min(config.batch, config.trials - sampled)
        guard count > 0 else { return [] }
        var trials: [NewTrial] = []
        for (index, choices) in controller.propose(count: count).enumerated() {
            let network: Network
            do { network = try space.architecture(for: choices) } catch { throw .space(error) }
            trials.append(NewTrial(batch: batch, architecture: ArchitectureFile.encode(network), decisions: choices,
                                   seed: config.trialSeed(firstNumber + index)))
        }
        return trials
    }

    private func save(_ controller: Controller, batch: Int, enqueue: [NewTrial]) throws(SearchError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let state: Data
        do { state = try encoder.encode(controller) } catch { throw .controller(.undecodableState("cannot encode: \(error)")) }
        _ = try storeCall { try store.saveControllerState(run: run.id, batch: batch, state: state, enqueue: enqueue) }
    }

    /// Sampled trials that are complete or failed.
    private func finishedCount() throws(SearchError) -> Int {
        try storeCall { try store.trials(run: run.id) }.filter { !$0.isReference && $0.state.isFinished }.count
    }

    /// `workers` threads claim queued trials until none is left. A store failure stops them all.
    private func evaluateQueued(emit: @escaping @Sendable (SearchEvent) -> Void) throws(SearchError) {
        let failure = Mutex<SearchError?>(nil)
        let group = DispatchGroup()
        for worker in 0..<config.workers {
            group.enter()
            // Unowned: `run` waits for every thread, and a strong capture would let a finishing
            // thread release the search (and close its store) after `run` has returned.
            let thread = Thread { [unowned self] in
                defer { group.leave() }
                do throws(SearchError) {
                    try work(worker: worker, emit: emit) { failure.withLock { $0 != nil } }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private func work(worker: Int, emit: @escaping @Sendable (SearchEvent) -> Void, stopped: () -> Bool) throws(SearchError) {
        let name = "\(Self.workerPrefix)\(getpid())-\(worker)"
        while !stopped() {
            // Local workers hold a long lease: the run's lock already keeps everyone else out,
            // and `release` takes their trials back on resume.
            guard let trial = try storeCall({ try store.claim(run: run.id, worker: name, lease: 7 * 86400, now: Date()) }) else {
                return
            }
            let crashed = crashAfterClaims.withLock { limit -> Bool in
                guard let left = limit else { return false }
                limit = left - 1
                return left <= 0
            }
            if crashed { throw .invalid("simulated crash") }
            emit(.trialStarted(trial, worker: worker))
            let start = Date()
            let record: TrialRecord
            switch evaluate(trial, emit: emit) {
            case .success(var result):
                result = TrialResult(accuracy: result.accuracy, reward: result.reward, macs: result.macs, params: result.params,
                                     components: result.components, seconds: Date().timeIntervalSince(start))
                record = try storeCall { try store.complete(trial: trial.id, worker: name, result: result, now: Date()) }
            case .failure(let failure):
                record = try storeCall { try store.fail(trial: trial.id, worker: name, reason: failure.reason, now: Date()) }
            }
            emit(.trialFinished(record))
        }
    }

    /// Trains and scores one trial; any failure is the trial's, not the search's.
    func evaluate(_ trial: TrialRecord, emit: @escaping @Sendable (SearchEvent) -> Void) -> Result<TrialResult, EvaluationFailure> {
        do throws(EvaluationFailure) {
            let network: Network
            do { network = try ArchitectureFile.decode(trial.architecture, name: "trial-\(trial.number)") } catch {
                throw EvaluationFailure("the stored architecture does not decode: \(error)")
            }
            let job = EvaluationJob(
                trial: trial.number, seed: trial.seed, network: network,
                decisions: trial.isReference ? [] : space.describe(trial.decisions), proxy: config.proxy,
                isReference: trial.isReference)
            let number = trial.number
            var measurement = try evaluator.evaluate(job) { fraction in emit(.trialProgress(number: number, fraction: fraction)) }
            let cost = network.resolved(resolution: space.resolution).cost
            if config.reward.needsLatency, measurement.latencyMs == nil {
                measurement.latencyMs = InferenceBenchmark.latency(network: network, resolution: space.resolution)
            }
            if config.reward.needsStepTime, measurement.stepSeconds == nil {
                measurement.stepSeconds = TrainingBenchmark.run(
                    network: network, resolution: config.proxy.resolution, batch: config.proxy.batch, steps: 3, threads: 1
                ).millisecondsPerStep / 1000
            }
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

    private func storeCall<T>(_ body: () throws -> T) throws(SearchError) -> T {
        try Self.storeCall(body)
    }

    static func storeCall<T>(_ body: () throws -> T) throws(SearchError) -> T {
        do { return try body() } catch let error as StoreError { throw .store(error) } catch {
            throw .store(.database(String(describing: error)))
        }
    }
}
