import Foundation
import NASProcess
import NASSearch
import NASFormatting
import NASArchitecture
import NASController
import NASSearchSpace
import NASStore

/// One trial as `nas status --json` and the exports show it.
public struct TrialSummary: Codable, Sendable, Hashable, RankedTrial {
    /// The trial's number in its run (0-based, in proposal order).
    public var id: Int
    public var state: TrialState
    public var batch: Int
    /// A hand-picked baseline (`TrialRole.reference`).
    public var reference: Bool
    /// An evaluation of the controller's most likely architecture after the budget
    /// (`TrialRole.leader`).
    public var leader: Bool
    /// The promotion rung it was evaluated at (`TrialRole.promoted`); nil at the proxy's
    /// budget (rung 0), so runs without promotion print as before.
    public var rung: Int?
    /// timm arch-def.
    public var arch: [[String]]
    /// The canonical architecture file text (Docs/FORMATS.md).
    public var architecture: String
    /// Decision name → chosen option, in the space's terms.
    public var decisions: [String: String]
    public var macs: Int?
    public var params: Int?
    public var accuracy: Double?
    public var reward: Double?
    /// Every reward component (accuracy, macs, ratio, factor, latency, …) and evaluator extras.
    public var components: [String: Double]?
    public var seconds: Double?
    public var attempts: Int
    public var failure: String?
    /// The worker that holds (or last held) the trial: `local-PID-N` for the search's own
    /// threads, the `nas worker` name otherwise.
    public var worker: String?
    public var seed: UInt64

    public var number: Int { id }
    public var role: TrialRole { rung != nil ? .promoted : leader ? .leader : reference ? .reference : .sampled }
    public var completeReward: Double? { state == .complete ? reward : nil }

    init(_ trial: StoredTrial, space: SearchSpace) {
        let record = trial.record
        id = record.number
        state = record.state
        batch = record.batch
        reference = record.role == .reference
        leader = record.role == .leader
        rung = record.rung > 0 ? record.rung : nil
        arch = (try? trial.network.get())?.timmArchDef ?? []
        architecture = record.architecture
        decisions = record.role == .reference || record.decisions.count != space.decisions.count
            ? [:] : Dictionary(space.describe(record.decisions).map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        macs = record.result?.macs
        params = record.result?.params
        accuracy = record.result?.accuracy
        reward = record.result?.reward
        components = record.result?.components
        seconds = record.result?.seconds
        attempts = record.attempts
        failure = record.failure
        worker = record.worker
        seed = record.seed
    }
}

/// A run at a glance: what it is, how far it got, the best trial, and how the controller is
/// doing. Read without taking the run's lock, so it works while the search runs.
public struct RunStatus: Codable, Sendable {
    public struct Run: Codable, Sendable {
        public var name: String
        /// The run folder, or for a run in a database its name.
        public var directory: String
        /// The database (password hidden) of a run kept there (`--storage`); nil for a run folder.
        public var storage: String?
        public var created: Date
        public var space: String
        public var spaceFile: String
        public var strategy: String
        public var policy: String?
        public var evaluator: String
        public var seed: UInt64
        public var trials: Int
        public var batch: Int
        public var workers: Int
        public var reward: RewardSettings
        public var resolution: Int
        public var swiftnasVersion: String

        enum CodingKeys: String, CodingKey {
            case name, directory, storage, created, space, strategy, policy, evaluator, seed, trials, batch, workers, reward, resolution
            case spaceFile = "space_file", swiftnasVersion = "swiftnas_version"
        }

        /// Where the run is, for people: the folder, or "NAME in URL".
        public var place: String { storage.map { "\(directory) in \($0)" } ?? directory }

        /// How another command names this run: `DIR`, or `NAME --storage URL`, quoted for sh.
        public var commandArguments: String {
            Shell.quoted(directory) + (storage.map { " --storage " + Shell.quoted($0) } ?? "")
        }
    }

    public var run: Run
    /// Trials in each state, references included.
    public var counts: [String: Int]
    /// Sampled trials finished (complete or failed) of the run's budget.
    public var finished: Int
    public var updates: Int
    /// Exponential moving average (0.9) of the sampled trials' rewards, in trial order.
    public var rewardMovingAverage: Double?
    /// The controller's policy entropy in nats per decision (see Docs/CONTROLLER.md).
    public var policyEntropy: Double?
    public var baseline: Double?
    /// The search's best architecture, as its sampled trial: with promotion, the architecture
    /// with the best mean at the highest rung reached (`promotion.best`, its seeds' spread
    /// there); otherwise, or before anything is promoted, the best sampled trial. What
    /// `nas export --trial best` exports.
    public var best: TrialSummary?
    /// The rung `best` was decided at (0: a single training at the proxy's budget).
    public var bestRung: Int
    /// The controller's most likely architecture, evaluated several times after the budget;
    /// nil when the run has no leader evaluations (yet).
    public var leader: LeaderSummary?
    /// A fidelity study's outcome (`nas fidelity`); nil for a search.
    public var fidelity: StudyResult?
    /// A coefficient search's outcome (`nas scale --search`); nil otherwise.
    public var scaling: ScalingResult?
    /// Promotion's rungs and the best at the highest one reached; nil without promotion.
    public var promotion: PromotionSummary?
    /// A weight-sharing search's schedule, found architecture and rank agreement; nil otherwise.
    public var weightSharing: WeightSharingSummary?
    public var trials: [TrialSummary]

    enum CodingKeys: String, CodingKey {
        case run, counts, finished, updates, best, leader, trials, baseline, fidelity, promotion, scaling
        case weightSharing = "weight_sharing"
        case bestRung = "best_rung", rewardMovingAverage = "reward_moving_average", policyEntropy = "policy_entropy"
    }

    /// Reads a run folder or a run in a database, changing nothing (no lock: SQLite's WAL
    /// lets it read beside a running search).
    public static func load(_ location: RunLocation) throws(SearchError) -> RunStatus {
        RunStatus(try RunSnapshot.load(location))
    }

    public init(_ snapshot: RunSnapshot) {
        let config = snapshot.config, space = snapshot.space, records = snapshot.trials.map(\.record)
        let statistics = snapshot.controller.flatMap { try? Controller.decode(state: $0.state) }?.statistics
        var average: Double?
        for record in records where record.role == .sampled {
            guard let reward = record.result?.reward else { continue }
            average = average.map { 0.9 * $0 + 0.1 * reward } ?? reward
        }
        var counts = Dictionary(uniqueKeysWithValues: TrialState.allCases.map { ($0.rawValue, 0) })
        for record in records { counts[record.state.rawValue, default: 0] += 1 }
        let location = snapshot.location
        run = Run(
            name: snapshot.run.name, directory: location.run, storage: location.storage.map(RunLocation.redacted),
            created: snapshot.run.createdAt, space: space.name, spaceFile: config.spaceFile,
            strategy: config.controller.strategy.rawValue,
            policy: config.controller.strategy == .reinforce ? config.controller.policy.rawValue : nil,
            evaluator: config.evaluator, seed: config.seed, trials: config.trials, batch: config.batch,
            workers: config.workers, reward: config.reward, resolution: space.resolution,
            swiftnasVersion: config.swiftnasVersion)
        self.counts = counts
        finished = records.filter { $0.role == .sampled && $0.state.isFinished }.count
        updates = statistics?.updates ?? 0
        rewardMovingAverage = average
        policyEntropy = statistics?.entropy
        baseline = statistics?.baseline
        let trials = snapshot.trials.map { TrialSummary($0, space: space) }, promotion = PromotionSummary(trials, plan: config.promotion)
        let promoted = promotion?.best?.first.flatMap { first in trials.first { $0.id == first } }
        self.trials = trials
        self.promotion = promotion
        leader = LeaderSummary(trials.leaderEvaluations, all: trials)
        fidelity = StudyResult(snapshot)
        scaling = ScalingResult(snapshot)
        best = promoted ?? trials.bestSampled
        bestRung = promoted == nil ? 0 : promotion?.top ?? 0
        weightSharing = WeightSharingSummary(trials, plan: config.oneShot)
        // A weight-sharing search's result is what its policy found, trained alone.
        if let found = weightSharing?.found, let summary = trials.first(where: { $0.id == found.trial }) {
            best = summary
            bestRung = found.standAlone?.complete ?? 0 > 0 ? 1 : 0
        }
    }

    public func json(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// The human summary `nas status` prints.
    public func text(last: Int = 10) -> String {
        func number(_ value: Double?) -> String { Formatting.fixed(value, digits: 4) }
        var lines: [String] = []
        let reward = run.reward
        let kind = scaling != nil ? "coefficient search" : fidelity == nil ? "\(run.strategy)\(run.policy.map { "/\($0)" } ?? "")" : "fidelity study"
        lines.append("run \(run.name) (\(run.place)) — space \(run.space), \(kind), seed \(run.seed), SwiftNAS \(run.swiftnasVersion)")
        lines.append("reward: \(reward.metric.rawValue), target \(Self.target(reward)), alpha \(reward.alpha), beta \(reward.beta); evaluator \(run.evaluator == "builtin" ? "built-in trainer" : "`\(run.evaluator)`")")
        let states = "\(counts["complete"] ?? 0) complete, \(counts["failed"] ?? 0) failed, \(counts["running"] ?? 0) running, \(counts["queued"] ?? 0) queued"
        lines.append(fidelity == nil && scaling == nil
            ? "trials: \(finished)/\(run.trials) sampled trials finished; \(states) (batches of \(run.batch), \(updates) controller updates)"
            : "trainings: \(finished)/\(run.trials) finished; \(states)")
        if let fidelity {
            lines.append(contentsOf: fidelity.lines)
        } else if let scaling {
            lines.append(contentsOf: scaling.lines)
        } else {
            lines.append("controller: reward moving average \(number(rewardMovingAverage)), baseline \(number(baseline)), policy entropy \(Formatting.fixed(policyEntropy, digits: 3)) nats/decision")
        }
        if let weightSharing {
            lines.append(contentsOf: weightSharing.lines)
            if let best { lines.append("      " + best.arch.map { $0.joined(separator: " ") }.joined(separator: " | ")) }
        } else if let promotion, let promoted = promotion.best, bestRung > 0 {
            lines.append("best: " + promotion.describe(promoted))
            lines.append("      " + promoted.arch.map { $0.joined(separator: " ") }.joined(separator: " | "))
            if let single = trials.bestSampled, single.id != best?.id {
                lines.append("best single proxy training: trial \(single.id): reward \(number(single.reward)), accuracy \(number(single.accuracy)), \(Formatting.millions(single.macs)) MACs (not confirmed at rung \(bestRung))")
            }
        } else if let best, fidelity == nil, scaling == nil {
            lines.append("best: trial \(best.id)\(best.reference ? " (reference)" : ""): reward \(number(best.reward)), accuracy \(number(best.accuracy)), \(Formatting.millions(best.macs)) MACs, \(Formatting.millions(best.params)) params")
            lines.append("      " + best.arch.map { $0.joined(separator: " ") }.joined(separator: " | "))
        }
        if let leader { lines.append(contentsOf: leader.lines) }
        if let promotion, weightSharing == nil { lines.append(contentsOf: promotion.lines) }
        for reference in trials where reference.reference {
            lines.append("reference trial \(reference.id): \(reference.state.rawValue), reward \(number(reference.reward)), accuracy \(number(reference.accuracy)), \(Formatting.millions(reference.macs)) MACs")
        }
        let shown = trials.suffix(last)
        if !shown.isEmpty {
            lines.append("")
            func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
            func left(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
            lines.append("   id  batch  state     accuracy  reward  MACs     params  seconds")
            for trial in shown {
                let last = trial.state == .failed ? "failed: " + (trial.failure ?? "") : Formatting.fixed(trial.seconds, digits: 1)
                lines.append(left(String(trial.id), 5) + left(String(trial.batch), 7) + "  " + pad(trial.state.rawValue, 9) + " "
                             + left(number(trial.accuracy), 8) + "  " + left(number(trial.reward), 6) + "  "
                             + left(Formatting.millions(trial.macs), 7) + "  " + left(Formatting.millions(trial.params), 6) + "  " + last
                             + (trial.role == .sampled ? "" : "  (\(trial.role.rawValue))"))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func target(_ reward: RewardSettings) -> String {
        switch reward.metric {
        case .macs: String(format: "%gM MACs", reward.target / 1e6)
        case .latency: String(format: "%g ms", reward.target)
        case .trainingAware: String(format: "%g s/step", reward.target)
        }
    }
}
