import Foundation
import NASArchitecture
import NASEvaluation

/// Scores a weight-sharing run's verified architectures and references again with a supernet
/// checkpoint — the run's own, or another run's of the same space and proxy — and the batch
/// norm and image count asked for, without writing anything: the same stand-alone trainings
/// then judge how each way of training or scoring the shared weights ranks
/// (`nas rescore`, Docs/WEIGHT_SHARING.md).
public enum OneShotRescore {
    public struct Options: Sendable {
        /// A `supernet.checkpoint` file; nil = the run folder's own.
        public var checkpoint: String?
        public var batchNorm: OneShotPlan.BatchNormScoring?
        public var recalibration: Int?
        public var images: Int?
        public var threads: Int
        /// Steps each path trains alone from its inherited weights before it is scored, and
        /// their learning rate (default: a tenth of the proxy's peak).
        public var finetune: Int
        public var finetuneRate: Float?

        public init(checkpoint: String? = nil, batchNorm: OneShotPlan.BatchNormScoring? = nil, recalibration: Int? = nil,
                    images: Int? = nil, threads: Int = 1, finetune: Int = 0, finetuneRate: Float? = nil) {
            (self.checkpoint, self.batchNorm, self.recalibration, self.images, self.threads) = (checkpoint, batchNorm, recalibration, images, threads)
            (self.finetune, self.finetuneRate) = (finetune, finetuneRate)
        }
    }

    /// Shared-weights accuracy by trial number for each verified (rung-0, last batch) and
    /// reference trial of `snapshot`; `progress(done, total)` after each.
    public static func scores(_ snapshot: RunSnapshot, options: Options,
                              progress: (Int, Int) -> Void = { _, _ in }) throws(SearchError) -> [Int: Double] {
        guard let plan = snapshot.config.oneShot else { throw .invalid("run '\(snapshot.run.name)' is not a weight-sharing search") }
        let batch = plan.updates + 1
        let trials = snapshot.trials.filter { $0.record.rung == 0 && ($0.batch == batch || $0.role == .reference) }
        guard !trials.isEmpty else { throw .invalid("run '\(snapshot.run.name)' has no verified architectures yet (its search has not finished)") }
        let training = try sharedTraining(snapshot, plan: plan, options: options)
        let path = options.checkpoint ?? (snapshot.location.directory.path as NSString).appendingPathComponent(OneShotCheckpoint.fileName)
        guard try OneShotCheckpoint.load(into: training.supernet, from: path) != nil else {
            throw .invalid("no supernet checkpoint at \(path) (a finished run's is not kept in git; give one with --supernet)")
        }
        let images = min(options.images ?? plan.verification?.images ?? plan.scoreImages, training.data.validation.count)
        var scores: [Int: Double] = [:]
        for (index, trial) in trials.enumerated() {
            let network: Network
            do { network = try trial.network.get() } catch { throw .store(.corrupt("trial \(trial.number)'s architecture: \(error)")) }
            do {
                scores[trial.number] = try training.score(
                    network, images: images, chunk: plan.scoreImages, batchNorm: options.batchNorm ?? plan.batchNorm, finetune: options.finetune,
                    rate: options.finetuneRate ?? training.config.learningRate / 10)
            } catch { throw .invalid("scoring trial \(trial.number) failed: \(error)") }
            progress(index + 1, trials.count)
        }
        return scores
    }

    private static func sharedTraining(_ snapshot: RunSnapshot, plan: OneShotPlan, options: Options) throws(SearchError) -> SharedTraining {
        let config = snapshot.config
        guard let builtin = try Search.makeEvaluator(config, location: snapshot.location, cache: nil, progress: nil) as? BuiltinEvaluator else {
            throw .invalid("a weight-sharing run needs the built-in trainer")
        }
        let largest: Network
        do { largest = try snapshot.space.largestNetwork() } catch { throw .space(error) }
        var recipe = config.proxy.trainingConfig(seed: config.seed)
        recipe.threads = options.threads
        do {
            return try SharedTraining(largest: largest, data: builtin.data, config: recipe, steps: plan.steps, scoreImages: plan.scoreImages,
                                      recalibration: options.recalibration ?? plan.recalibration)
        } catch { throw .invalid("cannot build the supernet: \(error)") }
    }
}
