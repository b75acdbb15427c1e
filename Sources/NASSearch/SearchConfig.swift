import Foundation
import NASRandom
import NASController
import NASEvaluation
import NASSearchSpace

public enum SwiftNAS {
    public static let version = "0.4.0"
}

/// Everything a run was started with, stored as the run's config (JSON) so `nas resume` runs
/// against exactly the same inputs, whatever the files on disk have become since.
public struct SearchConfig: Codable, Hashable, Sendable {
    public var format = 1
    public var swiftnasVersion = SwiftNAS.version
    /// The search-space file as given (its text is stored beside this config).
    public var spaceFile: String
    public var seed: UInt64 = 1
    /// Sampled trials in all (reference trials come on top).
    public var trials: Int
    /// Architectures per controller update.
    public var batch: Int
    public var controller: ControllerConfig
    /// "builtin", "dry-run[:SECONDS]" (`DryRunEvaluator`), or a shell command (`CommandEvaluator`).
    public var evaluator: String = "builtin"
    /// Seconds per trial for a command evaluator; nil = no limit.
    public var timeout: Double?
    public var reward: RewardSettings
    public var proxy: ProxySettings
    /// Evaluations at once in the search's own process; 0 = none, `nas worker` processes
    /// evaluate. Not part of what the run computes: any value gives the same trials.
    public var workers: Int
    /// Claims of one trial before it is failed for good: a trial that keeps killing its
    /// process (out of memory, say) must not stop the search forever. Generous, because a
    /// user's own kills count too.
    public var maxAttempts = 5
    /// Named models or block strings evaluated alongside, as reference trials.
    public var references: [String] = []
    /// Save each trial's trained model to RUN/models/trial-N (built-in trainer only), for
    /// `nas export RUN --trial N --format onnx`. nil (absent from older runs' configs) = no.
    public var keepWeights: Bool?
    /// Submit each trial to a batch scheduler (Slurm) instead of running the command here.
    /// nil (absent from older runs' configs) = run it here.
    public var submit: SubmitSettings?
    /// Once the budget is spent, the controller's most likely architecture is evaluated this
    /// many more times as leader trials (`TrialRole.leader`), and their mean reward is the
    /// search's result beside the best single trial. nil (older runs) or 0 = none.
    public var leaderEvaluations: Int?
    /// A fidelity study instead of a search (`nas fidelity`): its trials, all enqueued when
    /// the run is created, train at the plan's budgets; no controller runs. nil = a search.
    public var fidelity: FidelityPlan?

    /// Promotion of each batch's best to larger budgets (`PromotionPlan`); nil (older runs,
    /// command evaluators unless asked) = none.
    public var promotion: PromotionPlan?
    /// A weight-sharing search (`OneShotPlan`) instead of training every candidate; nil (older
    /// runs) = training every candidate. Its `trials` are the scored architectures
    /// (`batch` × the plan's updates).
    public var oneShot: OneShotPlan?
    /// A compound-scaling coefficient search (`nas scale --search`, `ScalingPlan`) instead of
    /// a search; nil (older runs) = none.
    public var scaling: ScalingPlan?

    /// The classes and channels of a `folder` proxy's images, which the run's networks take
    /// instead of the space's (`SearchSpace.adapted(to:)`), found when the run is created by
    /// the built-in trainer that loads them; nil (older runs, other data or evaluators) = the
    /// space's own.
    public var dataShape: DataShape?

    /// The recipe of a trial in `batch`: a study's budget, or the proxy of every trial.
    public func proxy(forBatch batch: Int) -> ProxySettings {
        if let scaling, scaling.points.indices.contains(batch) { return scaling.proxy(forPoint: batch) }
        guard let fidelity, fidelity.budgets.indices.contains(batch) else { return proxy }
        return fidelity.budgets[batch].proxy
    }

    /// The recipe a trial is evaluated with: its rung's (promotion), its study budget's, or
    /// the proxy. The one place a trial's budget is chosen.
    public func proxy(batch: Int, rung: Int) -> ProxySettings {
        if rung > 0, let promotion, promotion.rungs.indices.contains(rung - 1) { return promotion.rungs[rung - 1].proxy }
        return proxy(forBatch: batch)
    }

    public var usesBuiltinTrainer: Bool { (try? EvaluatorChoice(evaluator)) == .builtin }

    /// Leader evaluations at the end of a search (`--leader-evaluations`).
    public static let leaderEvaluationsRange = 0...16
    /// New REINFORCE runs' leader evaluations: its greedy policy is a bet worth checking with
    /// a mean of three trainings (Docs/CONTROLLER.md).
    public static let recommendedLeaderEvaluations = 3

    /// Evaluations at once in the search's process (`--workers`): one thread each.
    public static let workersRange = 0...256

    /// The seed of trial `number`: a function of the run seed and the number alone.
    public func trialSeed(_ number: Int) -> UInt64 {
        SplitMix64.output(seed: seed, index: UInt64(number + 1))
    }

    /// A run's budget of sampled trials (`--trials`, also on resume, before the run is opened).
    public static func check(trials: Int) throws(SearchError) {
        let range = SearchSettings.trialsRange
        guard range.contains(trials) else {
            throw .invalid("--trials must be from \(range.lowerBound) to \(range.upperBound), got \(trials)")
        }
    }

    /// Evaluations at once in the search's process (`--workers`).
    public static func check(workers: Int) throws(SearchError) {
        guard workersRange.contains(workers) else {
            throw .invalid("--workers must be from \(workersRange.lowerBound) (only `nas worker` processes evaluate) to \(workersRange.upperBound), got \(workers)")
        }
    }

    public func validate() throws(SearchError) {
        func check(_ ok: Bool, _ message: String) throws(SearchError) { if !ok { throw .invalid(message) } }
        let batchRange = SearchSettings.batchRange
        try Self.check(trials: trials)
        try check(batchRange.contains(batch), "--batch must be from \(batchRange.lowerBound) to \(batchRange.upperBound), got \(batch)")
        try Self.check(workers: workers)
        try check(timeout.map { $0 > 0 && $0 <= TimeLimit.maxSeconds } ?? true,
                  "--timeout must be in (0, \(Int(TimeLimit.maxSeconds))] seconds, got \(timeout ?? 0)")
        try check(maxAttempts >= 1, "max attempts must be at least 1")
        let leaders = Self.leaderEvaluationsRange
        try check(leaders.contains(leaderEvaluations ?? 0),
                  "--leader-evaluations must be from \(leaders.lowerBound) to \(leaders.upperBound), got \(leaderEvaluations ?? 0)")
        do { try controller.validate() } catch { throw .controller(error) }
        if let promotion {
            try promotion.validate(proxy: proxy)
            try check(fidelity == nil, "a fidelity study trains every budget already; it has no promotion")
        }
        if let fidelity {
            try fidelity.validate()
            try check(trials == fidelity.trials, "a fidelity study's trials are its plan's (\(fidelity.trials)), got \(trials)")
            try check(proxy == fidelity.budgets[0].proxy, "a fidelity study's proxy is its first budget")
        }
        if let scaling {
            try scaling.validate()
            try check(trials == scaling.trialCount, "a coefficient search's trials are its grid's (\(scaling.trialCount)), got \(trials)")
            try check(fidelity == nil && oneShot == nil && promotion == nil, "a coefficient search is neither a fidelity study nor a search: no promotion or weight sharing")
        }
        if let oneShot {
            try oneShot.validate()
            try check(trials == oneShot.trials(batch: batch), "a weight-sharing search scores \(oneShot.trials(batch: batch)) architectures, got \(trials) trials")
            try check(usesBuiltinTrainer && fidelity == nil && submit == nil,
                      "a weight-sharing search trains its supernet itself: no --evaluator or --submit")
            try check((promotion?.rungs.count ?? 0) == (oneShot.verification == nil ? 0 : 1),
                      "a weight-sharing search's one promotion rung is its verification budget (--verify), no --promote")
        }
        do { try EvaluatorChoice(evaluator).validate(submit: submit) } catch { throw .evaluator(error) }
        try check(keepWeights != true || usesBuiltinTrainer, "--keep-weights needs the built-in trainer: a command evaluator's weights are its own")
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String) throws(SearchError) -> SearchConfig {
        do {
            return try JSONDecoder().decode(SearchConfig.self, from: Data(text.utf8))
        } catch {
            throw .store(.corrupt("the run's config cannot be read (\(error)); was it written by a different SwiftNAS version?"))
        }
    }
}
