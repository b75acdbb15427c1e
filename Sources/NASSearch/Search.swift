import Foundation
import NASArchitecture
import NASController
import NASData
import NASEvaluation
import NASSearchSpace
import NASStore
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
    /// A trial this process held was taken back (its lease expired) before its result came;
    /// the result was not recorded and the trial runs again.
    case trialLost(TrialRecord, reason: String)
    /// Trials whose workers stopped renewing their lease, queued again (or failed, out of
    /// attempts).
    case requeued([TrialRecord])
    /// The batch waits on trials that other processes (`nas worker`) hold or have yet to claim.
    case waiting(batch: Int, queued: Int, running: Int)
    /// A database run's server could not be reached (restart, network): the controller
    /// tries again after `pause` seconds, then carries on where it was.
    case reconnecting(message: String, pause: TimeInterval)
    /// The controller learned from batch `batch`.
    case updated(batch: Int, statistics: ControllerStatistics)
    /// `leader`: the latest leader evaluations (`TrialRole.leader`), empty when there are none.
    case finished(best: TrialRecord?, leader: [TrialRecord])
    /// A planned study starts (before `started`): what it is ("fidelity study") and its
    /// batches' labels (a fidelity study's budgets, a coefficient search's points), a trial's batch
    /// indexing them.
    case studyStarted(kind: String, budgets: [String])
    /// A planned study's trainings are all finished (`nas status` ranks them).
    case studyFinished(complete: Int, failed: Int)
    /// A weight-sharing search trained its shared weights for `step` of `total` steps.
    case sharedStep(step: Int, total: Int, loss: Double)
}

/// A search in its run folder: sample a batch → evaluate it (`workers` at a time) → record
/// each result → update the controller once on the whole batch → save its state together with
/// the next batch. Because updates wait for whole batches and trials are numbered in proposal
/// order, the architectures depend on the seed alone, never on the workers or on timing; and
/// because each step is one transaction, a search killed at any moment resumes exactly where
/// it stopped (Docs/SEARCH.md).
public final class Search: @unchecked Sendable {
    public let location: RunLocation
    public let config: SearchConfig
    public let space: SearchSpace
    public let run: RunRecord
    let store: any TrialStore
    /// The run's lock (a folder's flock or a PostgreSQL advisory lock), held while this lives.
    let lock: AnyObject
    let runner: TrialRunner
    let resumed: Bool
    /// A class (not a Mutex) so the event closure can hold it without holding the search:
    /// worker threads release their closures after `run` returns.
    private let eventLock = NSLock()
    /// How often a batch that waits on other processes' workers is looked at.
    var pollInterval: TimeInterval = 0.1

    /// Seconds a claim lasts without a heartbeat: a worker that dies is noticed this late.
    public static let defaultLease: TimeInterval = 60

    private init(location: RunLocation, config: SearchConfig, space: SearchSpace, run: RunRecord, store: any TrialStore,
                 lock: AnyObject, evaluator: any TrialEvaluator, resumed: Bool) {
        self.location = location
        self.config = config
        self.space = space
        self.run = run
        self.store = store
        self.lock = lock
        self.runner = TrialRunner(run: run, config: config, space: space, store: store, evaluator: evaluator,
                                  lease: Self.defaultLease)
        self.resumed = resumed
    }

    /// A new run. Everything is checked first — the space, the configuration, the evaluator
    /// command, the dataset — and only then is the run created, so a refused search leaves
    /// nothing behind. `evaluator` replaces the configured one (tests, or a preloaded trainer).
    public static func create(location: RunLocation, spaceText: String, config: SearchConfig,
                              evaluator: (any TrialEvaluator)? = nil, dataCache: String? = nil,
                              dataProgress: (@Sendable (Int, Int) -> Void)? = nil) throws(SearchError) -> Search {
        try create(location: location, spaceText: spaceText, config: config, evaluator: evaluator, dataCache: dataCache,
                   dataProgress: dataProgress, store: { $0 })
    }

    /// `create(location:…)`, the search using `wrap(store)` instead of the run's store (tests
    /// inject store faults this way, e.g. a process that dies mid-batch).
    static func create(location: RunLocation, spaceText: String, config: SearchConfig,
                       evaluator: (any TrialEvaluator)?, dataCache: String?, dataProgress: (@Sendable (Int, Int) -> Void)?,
                       store wrap: (any TrialStore) -> any TrialStore) throws(SearchError) -> Search {
        var space: SearchSpace
        do { space = try SearchSpace.parse(spaceText, file: config.spaceFile) } catch { throw .space(error) }
        var config = config
        try config.validate()
        if location.isFolder {
            if FileManager.default.fileExists(atPath: location.directory.database) { throw .runExists(directory: location.run) }
        } else if config.keepWeights == true {
            throw .invalid("--keep-weights keeps models in a run folder; with --storage there is none (train the best architecture with `nas train` instead)")
        }
        let chosen: any TrialEvaluator
        if let evaluator { chosen = evaluator } else {
            chosen = try makeEvaluator(config, location: location, cache: dataCache, progress: dataProgress)
        }
        // A user's images: the networks take their classes and channels (stored with the run).
        if config.dataShape == nil, config.proxy.dataset == DatasetKind.folder.rawValue, let builtin = chosen as? BuiltinEvaluator {
            config.dataShape = DataShape(classes: builtin.data.train.classNames.count, channels: builtin.data.train.channels)
        }
        space = space.adapted(to: config.dataShape)
        let store: any TrialStore
        let lock: AnyObject
        let run: RunRecord
        if location.isFolder {
            try location.directory.create()
            lock = try location.directory.lock()
            store = try location.directory.createStore(run: location.runName, space: spaceText, config: config.json())
            run = try location.record(in: store)
        } else {
            store = try location.store(.create)
            do { run = try store.createRun(name: location.runName, space: spaceText, config: config.json()) } catch {
                if case .runExists = error {
                    throw .invalid("a run named '\(location.runName)' already exists in \(RunLocation.redacted(location.storage ?? "")); `nas search` never overwrites a run (continue it with `nas resume \(location.commandArguments)`, or choose another --run name)")
                }
                throw .store(error)
            }
            lock = try location.lockDatabaseRun(store: store, run: run)
        }
        return Search(location: location, config: config, space: space, run: run, store: wrap(store), lock: lock,
                      evaluator: chosen, resumed: false)
    }

    /// An existing run, continued exactly where it stopped; `trials` raises (or lowers) its
    /// budget of sampled trials; `extendStudy` adds budgets to a fidelity study.
    public static func resume(location: RunLocation, trials: Int? = nil, workers: Int? = nil,
                              extendStudy: (budgets: [String], seeds: Int)? = nil,
                              evaluator: (any TrialEvaluator)? = nil, dataCache: String? = nil,
                              dataProgress: (@Sendable (Int, Int) -> Void)? = nil) throws(SearchError) -> Search {
        // Overrides out of bounds are refused before the run is even opened.
        if let trials { try SearchConfig.check(trials: trials) }
        if let workers { try SearchConfig.check(workers: workers) }
        if location.isFolder { try location.directory.requireExisting() }
        // A folder is locked before its file is opened; a database run once it is found.
        let folderLock: AnyObject? = location.isFolder ? try location.directory.lock() : nil
        let store = try location.store(.write)
        var run = try location.record(in: store)
        let decoded = try decode(run)
        var config = decoded.config
        let space = decoded.space
        let lock: AnyObject
        if let folderLock { lock = folderLock } else { lock = try location.lockDatabaseRun(store: store, run: run) }
        if let trials { config.trials = trials }
        if let workers { config.workers = workers }
        if let extendStudy {
            guard let plan = config.fidelity else { throw .invalid("--extend adds budgets to a fidelity study, and \(location) is a search") }
            let extended = try plan.extended(with: extendStudy.budgets, seeds: extendStudy.seeds)
            config.fidelity = extended
            config.trials = extended.trials
        }
        try config.validate()
        if trials != nil || workers != nil || extendStudy != nil {
            run = try storeCall { try store.updateConfig(run: run.id, config: config.json()) }
        }
        let chosen: any TrialEvaluator
        if let evaluator { chosen = evaluator } else {
            chosen = try makeEvaluator(config, location: location, cache: dataCache, progress: dataProgress)
        }
        return Search(location: location, config: config, space: space, run: run, store: store, lock: lock,
                      evaluator: chosen, resumed: true)
    }

    /// A stored run's configuration and space.
    static func decode(_ run: RunRecord) throws(SearchError) -> (config: SearchConfig, space: SearchSpace) {
        let config = try SearchConfig.decode(run.config)
        let space: SearchSpace
        do { space = try SearchSpace.parse(run.space, file: config.spaceFile + " (as stored in the run)") } catch {
            throw .space(error)
        }
        return (config, space.adapted(to: config.dataShape))
    }

    static func makeEvaluator(
        _ config: SearchConfig, location: RunLocation, cache: String?, progress: (@Sendable (Int, Int) -> Void)?
    ) throws(SearchError) -> any TrialEvaluator {
        let models = config.keepWeights == true && location.isFolder ? location.directory.models : nil
        do {
            return try EvaluatorChoice(config.evaluator).make(
                proxy: config.proxy, timeout: config.timeout, submit: config.submit, runName: location.runName,
                modelsDirectory: models, cache: cache, progress: progress)
        } catch { throw .evaluator(error) }
    }

    // MARK: The loop

    /// Runs until the budget is spent. Killing the process at any moment loses nothing:
    /// `resume` re-runs the trials that were running and carries on.
    /// On a database run, a server restart or network cut is waited out like `nas worker`
    /// does (`DatabaseRetry`): the controller reconnects, takes its run lock again, and
    /// carries on as a resumed search would.
    public func run(events: @escaping @Sendable (SearchEvent) -> Void = { _ in }) throws(SearchError) {
        signal(SIGPIPE, SIG_IGN)  // a command evaluator that exits early must not kill the search
        let emit: @Sendable (SearchEvent) -> Void = { [eventLock] event in eventLock.withLock { events(event) } }
        // A run folder's SQLite file has no server to wait for: its errors are final.
        guard !location.isFolder else { return try runOnce(emit: emit, resumed: resumed) }
        var retry = DatabaseRetry()
        var reconnected = false
        try retry.run(
            retrying: { message, pause in emit(.reconnecting(message: message, pause: pause)) },
            recover: { () throws(SearchError) in
                reconnected = true
                try renewLock()
            }
        ) { () throws(SearchError) in try runOnce(emit: emit, resumed: resumed || reconnected) }
    }

    /// A database run's lock went with the connection the server dropped: take it again, or
    /// stop if another controller took the run meanwhile.
    private func renewLock() throws(SearchError) {
        guard let lease = lock as? RunLease else { return }
        let kept: Bool
        do { kept = try lease.renew() } catch { throw .store(error) }
        if !kept { throw .locked(directory: location.description, holder: nil) }
    }

    /// `resumed`: carrying on where this run (or a killed process) stopped, as the progress
    /// display says.
    private func runOnce(emit: @escaping @Sendable (SearchEvent) -> Void, resumed: Bool) throws(SearchError) {
        // Trials our own killed process left running (or this one, when a database fault
        // stopped its workers): nobody else can hold them (we have the lock), so they go back
        // to the queue now rather than when their lease expires, without using an attempt.
        let released = try storeCall {
            try store.release(run: run.id, workerPrefix: Self.workerPrefix, reason: "interrupted: the search process stopped during the trial",
                              now: Date())
        }
        if let study = config.study { return try runStudy(study, emit: emit, resumed: resumed, released: released) }
        if let plan = config.oneShot { return try runOneShot(plan, emit: emit) }
        var (batch, controller) = try loadOrStartController()
        emit(.started(run: run.name, resumed: resumed, finished: try finishedCount(), total: config.trials, released: released,
                     best: try storeCall { try store.trials(run: run.id) }.bestSampled))
        while true {
            let trials = try storeCall { try store.trials(run: run.id) }
            let current = trials.filter { $0.batch == batch + 1 }
            if current.isEmpty {
                // Nothing proposed after the last update: the budget was spent — unless it was
                // raised on resume, in which case the controller proposes the next batch now.
                let next = try nextBatch(&controller, batch: batch + 1, after: trials)
                if next.isEmpty { break }
                try save(controller, batch: batch, enqueue: next)
                continue
            }
            try evaluateBatch(batch + 1, emit: emit)
            let all = try storeCall { try store.trials(run: run.id) }
            let done = all.filter { $0.batch == batch + 1 }
            guard done.allSatisfy(\.state.isFinished) else {
                throw .store(.corrupt("batch \(batch + 1) still has unfinished trials after evaluation"))
            }
            let sampled = done.filter { $0.role == .sampled }
            batch += 1
            if !sampled.isEmpty {
                let decisions = sampled.map(\.decisions), rewards = sampled.map { $0.result?.reward }
                do { try controller.check(decisions: decisions, rewards: rewards) } catch { throw .controller(error) }
                controller.update(decisions: decisions, rewards: rewards)
            }
            let next = try nextBatch(&controller, batch: batch + 1, after: all)
            try save(controller, batch: batch, enqueue: next)
            emit(.updated(batch: batch, statistics: controller.statistics))
            if next.isEmpty { break }
        }
        let trials = try storeCall { try store.trials(run: run.id) }
        emit(.finished(best: trials.bestSampled, leader: trials.leaderEvaluations))
    }

    static let workerPrefix = "local-"

    /// The saved controller and the last batch it learned from, or a new controller with its
    /// first batch (and the reference trials) enqueued.
    private func loadOrStartController() throws(SearchError) -> (Int, Controller) {
        if let saved = try storeCall({ try store.controllerState(run: run.id) }) {
            do { return (saved.batch, try Controller.decode(state: saved.state)) } catch { throw .controller(error) }
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
            NewTrial(batch: 0, network: network, decisions: space.choices(matching: network) ?? [],
                     seed: config.trialSeed(index), role: .reference)
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
            trials.append(NewTrial(batch: batch, network: network, decisions: choices,
                                   seed: config.trialSeed(firstNumber + index)))
        }
        return trials
    }

    /// What follows a batch: the controller's next proposals while the budget lasts, with the
    /// promotions of the batch before (`PromotionPlan.trials`) until no rung has any left,
    /// then once the leader evaluations (`leaderTrials`), then nothing.
    private func nextBatch(_ controller: inout Controller, batch: Int, after all: [TrialRecord]) throws(SearchError) -> [NewTrial] {
        let next = try proposals(&controller, batch: batch, sampled: all.count { $0.role == .sampled }, firstNumber: all.count)
        let promoted = config.promotion?.trials(after: all, batch: batch, firstNumber: all.count + next.count, seed: config.trialSeed) ?? []
        return next.isEmpty && promoted.isEmpty ? try leaderTrials(controller, batch: batch, after: all) : next + promoted
    }

    /// The controller's most likely architecture (`Controller.mostLikely`: REINFORCE's greedy
    /// policy, the best seen for the others), evaluated `leaderEvaluations` times with seeds of
    /// their own, so the search's result is a mean rather than its luckiest single training.
    /// Empty when the run asks for none or the last trials already are those evaluations.
    private func leaderTrials(_ controller: Controller, batch: Int, after all: [TrialRecord]) throws(SearchError) -> [NewTrial] {
        let evaluations = config.leaderEvaluations ?? 0
        guard evaluations > 0, let last = all.last, last.role != .leader else { return [] }
        let choices = controller.mostLikely()
        let network: Network
        do { network = try space.architecture(for: choices) } catch { throw .space(error) }
        return (0..<evaluations).map { index in
            NewTrial(batch: batch, network: network, decisions: choices, seed: config.trialSeed(all.count + index), role: .leader)
        }
    }

    private func save(_ controller: Controller, batch: Int, enqueue: [NewTrial]) throws(SearchError) {
        let state: Data
        do { state = try controller.encodedState() } catch { throw .controller(error) }
        _ = try storeCall { try store.saveControllerState(run: run.id, batch: batch, state: state, enqueue: enqueue) }
    }

    /// Sampled trials that are complete or failed.
    private func finishedCount() throws(SearchError) -> Int {
        try storeCall { try store.trials(run: run.id) }.filter { $0.role == .sampled && $0.state.isFinished }.count
    }

    /// Returns once every trial of `batch` is finished. This process's workers claim what is
    /// queued; trials that other processes (`nas worker`) hold are waited on, and taken back
    /// when their lease runs out, so a worker killed mid-trial costs a re-run, never the batch.
    func evaluateBatch(_ batch: Int, emit: @escaping @Sendable (SearchEvent) -> Void) throws(SearchError) {
        func load() throws(SearchError) -> [TrialRecord] {
            try storeCall { try store.trials(run: run.id, batch: batch) }
        }
        var trials = try load()
        // Finished trials already reported (before this call, or by this process's workers).
        var reported = Set(trials.filter(\.state.isFinished).map(\.id))
        var lastWaiting: (queued: Int, running: Int)?
        while true {
            if config.workers > 0, trials.contains(where: { $0.state == .queued }) {
                reported.formUnion(try evaluateQueued(emit: emit))
                trials = try load()
            }
            for trial in trials where trial.state.isFinished && !reported.contains(trial.id) {
                reported.insert(trial.id)
                emit(.trialFinished(trial))
            }
            if trials.allSatisfy(\.state.isFinished) { return }
            let requeued = try storeCall { try store.requeueExpired(run: run.id, now: Date(), maxAttempts: config.maxAttempts) }
            if !requeued.isEmpty {
                emit(.requeued(requeued))
            } else {
                let waiting = (queued: trials.count { $0.state == .queued }, running: trials.count { $0.state == .running })
                if lastWaiting == nil || lastWaiting! != waiting {
                    emit(.waiting(batch: batch, queued: waiting.queued, running: waiting.running))
                    lastWaiting = waiting
                }
                Thread.sleep(forTimeInterval: pollInterval)
            }
            trials = try load()
        }
    }

    /// `workers` threads claim queued trials until none is left; the ids they recorded. A
    /// store failure stops them all.
    private func evaluateQueued(emit: @escaping @Sendable (SearchEvent) -> Void) throws(SearchError) -> Set<Int64> {
        let failure = Mutex<SearchError?>(nil)
        let recorded = Mutex<Set<Int64>>([])
        let group = DispatchGroup()
        for worker in 0..<config.workers {
            group.enter()
            // Unowned: `run` waits for every thread, and a strong capture would let a finishing
            // thread release the search (and close its store) after `run` has returned.
            let thread = Thread { [unowned self] in
                defer { group.leave() }
                do throws(SearchError) {
                    try work(worker: worker, emit: emit, recorded: recorded) { failure.withLock { $0 != nil } }
                } catch {
                    failure.withLock { if $0 == nil { $0 = error } }
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        if let error = failure.withLock({ $0 }) { throw error }
        return recorded.withLock { $0 }
    }

    private func work(worker: Int, emit: @escaping @Sendable (SearchEvent) -> Void, recorded: borrowing Mutex<Set<Int64>>,
                      stopped: () -> Bool) throws(SearchError) {
        // The prefix lets a resumed search take back at once what its killed process held.
        let name = "\(Self.workerPrefix)\(getpid())-\(worker)"
        while !stopped() {
            guard let trial = try runner.claim(worker: name) else { return }
            emit(.trialStarted(trial, worker: worker))
            let number = trial.number
            switch try runner.process(trial, worker: name, progress: { emit(.trialProgress(number: number, fraction: $0)) }) {
            case .recorded(let record):
                recorded.withLock { _ = $0.insert(record.id) }
                emit(.trialFinished(record))
            case .lost(let trial, let reason):
                emit(.trialLost(trial, reason: reason))
            }
        }
    }

    func storeCall<T>(_ body: () throws -> T) throws(SearchError) -> T {
        try Self.storeCall(body)
    }

    static func storeCall<T>(_ body: () throws -> T) throws(SearchError) -> T {
        do { return try body() } catch let error as StoreError { throw .store(error) } catch {
            throw .store(.database(String(describing: error)))
        }
    }
}
