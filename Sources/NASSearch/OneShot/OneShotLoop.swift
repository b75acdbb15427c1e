import Foundation
import NASArchitecture
import NASController
import NASData
import NASEvaluation
import NASRandom
import NASSearchSpace
import NASStore

/// A weight-sharing search's loop (`OneShotPlan`): `Search.run` comes here when the run's
/// config has a plan. Trials are written as they are scored; the checkpoint after them. A
/// search killed between two checkpoints resumes from the last one and computes the same
/// steps again — every random draw comes from the checkpoint or from the seed and the step —
/// and the trials it finds already written are checked against the ones it scores again,
/// not written twice. So a killed and resumed search ends exactly where an uninterrupted one
/// does.
final class OneShotLoop {
    let search: Search
    let plan: OneShotPlan
    let training: SharedTraining
    /// The largest and smallest networks trained beside each step's path (`OneShotPlan.sandwich`).
    let sandwich: SharedTraining.Sandwich?
    let checkpointPath: String
    var state: OneShotState
    /// Trials already in the log beyond the checkpoint: scored again, checked, not written.
    var replay: [TrialRecord]
    let emit: @Sendable (SearchEvent) -> Void

    static let worker = "one-shot"

    init(search: Search, plan: OneShotPlan, emit: @escaping @Sendable (SearchEvent) -> Void) throws(SearchError) {
        self.search = search
        self.plan = plan
        self.emit = emit
        let config = search.config
        guard let builtin = search.runner.evaluator as? BuiltinEvaluator else {
            throw .invalid("a weight-sharing search needs the built-in trainer")
        }
        let data = builtin.data
        let largest: Network
        do { largest = try search.space.largestNetwork() } catch { throw .space(error) }
        var recipe = config.proxy.trainingConfig(seed: config.seed)
        recipe.seed = config.seed
        // The plan's threads, fixed when the run was made: a resume with other --workers
        // must not change the numbers (a reduction split another way rounds another way).
        recipe.threads = plan.threads
        guard plan.scoreImages <= data.validation.count else {
            throw .invalid("weight sharing scores on \(plan.scoreImages) validation images, but the validation split has \(data.validation.count)")
        }
        do {
            training = try SharedTraining(
                largest: largest, data: data, config: recipe, steps: plan.steps, scoreImages: plan.scoreImages,
                recalibration: plan.recalibration)
        } catch { throw .invalid("cannot build the supernet: \(error)") }
        do {
            sandwich = plan.sandwich == true
                ? SharedTraining.Sandwich(largest: largest, smallest: try search.space.architecture(for: try search.space.smallestChoices()))
                : nil
        } catch { throw .space(error) }
        checkpointPath = (search.location.directory.path as NSString).appendingPathComponent(OneShotCheckpoint.fileName)
        let stored = try search.storeCall { try search.store.trials(run: search.run.id) }
        if let saved = try OneShotCheckpoint.load(into: training.supernet, from: checkpointPath) {
            state = saved
        } else {
            let controller: Controller
            do { controller = try Controller(config: config.controller, decisionSizes: search.space.decisionSizes, seed: config.seed) } catch {
                throw .controller(error)
            }
            state = OneShotState(
                step: 0, updates: 0, trials: 0, controller: controller, generator: SeededGenerator(seed: config.seed &+ 0x0E5),
                train: BatchSampler(count: data.train.count, batchSize: recipe.batchSize, generator: SeededGenerator(seed: config.seed &+ 0x51)),
                validation: BatchSampler(count: data.validation.count, batchSize: plan.scoreImages, generator: SeededGenerator(seed: config.seed &+ 0x5C)))
        }
        replay = Array(stored.dropFirst(state.trials))
    }

    func run() throws(SearchError) {
        let stored = try search.storeCall { try search.store.trials(run: search.run.id) }
        emit(.started(run: search.run.name, resumed: search.resumed, finished: stored.count, total: search.config.trials,
                      released: [], best: stored.bestSampled))
        while state.step < plan.steps {
            try trainStep()
            if plan.updatesAfter(step: state.step) { try update() }
            if state.step % plan.checkpointEvery == 0 || state.step == plan.steps { try checkpoint() }
        }
        if let verification = plan.verification { try OneShotVerifier(loop: self, verification: verification).run() }
        let trials = try search.storeCall { try search.store.trials(run: search.run.id) }
        emit(.finished(best: trials.bestSampled, leader: []))
    }

    /// One step of the shared weights on a path drawn uniformly (warm-up, or always with
    /// uniform path sampling) or from the policy.
    private func trainStep() throws(SearchError) {
        let choices: [Int]
        if plan.uniformPath(at: state.step) {
            choices = search.space.decisionSizes.map { Int(state.generator.next() % UInt64($0)) }
        } else {
            choices = state.controller.propose(count: 1)[0]
        }
        let seed = search.config.seed
        var augmentation = SeededGenerator(seed: SplitMix64.output(seed: seed &+ 0xA6, index: UInt64(state.step)))
        var dropout = SeededGenerator(seed: SplitMix64.output(seed: seed &+ 0xD4, index: UInt64(state.step)))
        let loss: Float
        do {
            loss = try training.train(try network(choices), sandwich: sandwich, indices: state.train.next(), step: state.step,
                                      augmentation: &augmentation, dropout: &dropout)
        } catch let error as SearchError { throw error } catch { throw .invalid("shared training failed at step \(state.step + 1): \(error)") }
        guard loss.isFinite else { throw .invalid("shared training diverged: loss \(loss) at step \(state.step + 1) (try a lower learning rate)") }
        state.step += 1
        emit(.sharedStep(step: state.step, total: plan.steps, loss: Double(loss)))
    }

    /// A batch of architectures from the policy scored on one validation batch, logged, and
    /// the controller updated on them.
    private func update() throws(SearchError) {
        let batch = state.updates + 1
        training.prepareScoring(indices: state.validation.next())
        var decisions: [[Int]] = [], rewards: [Double?] = []
        for choices in state.controller.propose(count: search.config.batch) {
            let start = Date()
            let network = try network(choices)
            let accuracy: Double
            do { accuracy = try training.score(network, batchNorm: plan.batchNorm) } catch { throw .invalid("scoring failed: \(error)") }
            let result = try self.result(network, accuracy: accuracy, since: start)
            try log(NewTrial(batch: batch, network: network, decisions: choices, seed: search.config.trialSeed(state.trials)), result)
            decisions.append(choices)
            rewards.append(result.reward)
        }
        state.controller.update(decisions: decisions, rewards: rewards)
        state.updates = batch
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let saved: Data
        do { saved = try encoder.encode(state.controller) } catch { throw .controller(.undecodableState("cannot encode: \(error)")) }
        try search.storeCall { try search.store.saveControllerState(run: search.run.id, batch: batch, state: saved) }
        emit(.updated(batch: batch, statistics: state.controller.statistics))
    }

    /// Writes a scored trial, or checks it against the one written before a kill (and
    /// finishes writing it if the kill came between its enqueue and its result).
    private func log(_ trial: NewTrial, _ result: TrialResult) throws(SearchError) {
        defer { state.trials += 1 }
        var written: TrialRecord?
        if !replay.isEmpty {
            let earlier = replay.removeFirst()
            guard earlier.architecture == trial.architecture, earlier.decisions == trial.decisions else {
                throw .store(.corrupt("trial \(earlier.number) differs from the architecture the resumed search scored again"))
            }
            if earlier.state == .complete { return }
            written = earlier
        }
        if written == nil { written = try search.storeCall { try search.store.enqueue([trial], run: search.run.id)[0] } }
        try complete(written!, result)
    }

    /// A scored architecture's result: the space's reward on its accuracy and MACs, and the
    /// shared-weight step it was scored at.
    func result(_ network: Network, accuracy: Double, since start: Date) throws(SearchError) -> TrialResult {
        let cost = search.space.cost(of: network)
        let breakdown = search.config.reward.evaluate(accuracy: accuracy, macs: cost.macs, params: cost.params, latencyMs: nil, stepSeconds: nil)
        if let error = breakdown.error { throw .invalid("weight sharing rewards MACs only: \(error)") }
        var components = breakdown.components
        components["shared_step"] = Double(state.step)
        return TrialResult(accuracy: accuracy, reward: breakdown.reward, macs: cost.macs, params: cost.params,
                           components: components, seconds: Date().timeIntervalSince(start))
    }

    /// Records a scored trial's result, claiming it first if it is still queued. Nothing else
    /// claims in a weight-sharing run while it holds the run's lock, and scored trials are
    /// enqueued before anything trains, so the oldest queued trial is this one.
    func complete(_ trial: TrialRecord, _ result: TrialResult) throws(SearchError) {
        let store = search.store, run = search.run.id, worker = Self.worker
        let record = try search.storeCall { () throws -> TrialRecord in
            var current = trial
            if current.state == .queued {
                guard let claimed = try store.claim(run: run, worker: worker, lease: 3600, now: Date()), claimed.id == current.id else {
                    throw StoreError.corrupt("trial \(current.number) could not be claimed")
                }
                current = claimed
            }
            return try store.complete(trial: current.id, worker: worker, result: result, now: Date())
        }
        emit(.trialFinished(record))
    }

    private func checkpoint() throws(SearchError) {
        try OneShotCheckpoint.save(training.supernet, state: state, to: checkpointPath)
    }

    func network(_ choices: [Int]) throws(SearchError) -> Network {
        do { return try search.space.architecture(for: choices) } catch { throw .space(error) }
    }
}

extension Search {
    func runOneShot(_ plan: OneShotPlan, emit: @escaping @Sendable (SearchEvent) -> Void) throws(SearchError) {
        guard location.isFolder else {
            throw .invalid("a weight-sharing search keeps its supernet in a run folder: run it without --storage")
        }
        try OneShotLoop(search: self, plan: plan, emit: emit).run()
    }
}
