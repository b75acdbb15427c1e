import Foundation
import NASSearch
import NASArchitecture
import NASFormatting
import NASController
import NASSearchSpace
import NASStore

/// The controller's statistics after each of its updates, reconstructed by replaying it: the
/// store keeps only the controller's latest state, but the controller is deterministic (its
/// proposals depend only on the seed, the configuration and the rewards fed to it), so
/// proposing each stored batch again and feeding it the stored rewards retraces every update.
public struct ControllerReplay: Sendable {
    public struct Point: Sendable, Hashable {
        /// The batch the controller was updated on.
        public var batch: Int
        /// Its statistics right after that update.
        public var statistics: ControllerStatistics
    }

    public var points: [Point]
    /// Why the replay stopped before the last finished batch (a proposal that differs from
    /// the stored trials, or a controller that cannot be built), or nil.
    public var problem: String?

    /// Replays `records` (a run's trials, in any order): for each batch in order whose trials
    /// are all finished, propose as many architectures as it has sampled trials, check they
    /// equal the stored decisions (trials in number order), and update on the stored rewards
    /// (nil for failed trials), exactly as `Search.run` does.
    static func replay(config: SearchConfig, space: SearchSpace, records: [TrialRecord]) -> ControllerReplay {
        var controller: Controller
        do {
            controller = try Controller(config: config.controller, decisionSizes: space.decisionSizes, seed: config.seed)
        } catch {
            return ControllerReplay(points: [], problem: "the controller cannot be rebuilt: \(error)")
        }
        let batches = Dictionary(grouping: records, by: \.batch)
        var points: [Point] = []
        for batch in batches.keys.sorted() {
            let trials = batches[batch]!.sorted { $0.number < $1.number }
            guard trials.allSatisfy(\.state.isFinished) else { break }
            let sampled = trials.filter { $0.role == .sampled }
            guard !sampled.isEmpty else { continue }
            let proposed = controller.propose(count: sampled.count)
            let stored = sampled.map(\.decisions)
            if proposed != stored {
                let index = zip(proposed, stored).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? 0
                return ControllerReplay(
                    points: points,
                    problem: "replaying the controller stopped at batch \(batch): it proposes \(proposed[index]) "
                        + "where trial \(sampled[index].number) holds \(stored[index]), so the controller's history "
                        + "after batch \(batch - 1) cannot be reconstructed")
            }
            let rewards = sampled.map { $0.state == .complete ? $0.result?.reward : nil }
            do { try controller.check(decisions: stored, rewards: rewards) } catch {
                return ControllerReplay(points: points, problem: "replaying the controller stopped at batch \(batch): \(error)")
            }
            controller.update(decisions: stored, rewards: rewards)
            points.append(Point(batch: batch, statistics: controller.statistics))
        }
        return ControllerReplay(points: points, problem: nil)
    }
}

/// Everything `nas report` shows about a run: its status, the controller's history, the
/// best sampled architecture beside the reference (EfficientNet-B0) and its scaled family.
/// `html()` renders it as one self-contained page (Docs/REPORT.md).
public struct RunReport: Sendable {
    public var status: RunStatus
    public var replay: ControllerReplay
    /// The space's name and cost resolution, and the run's configuration.
    public var config: SearchConfig
    /// Run creation and the last trial's finish (nil while none has finished).
    public var started: Date
    public var lastFinished: Date?
    /// Reference trials' network names, by trial id.
    public var referenceNames: [Int: String]
    /// Options per controller decision (for the uniform policy's entropy).
    public var decisionSizes: [Int]
    /// Other strategies' runs on the same space, reward and proxy (`addComparisons`).
    public var comparisons: [StrategyOutcome] = []

    /// Reads a run folder or a run in a database (without its lock, like `nas status`).
    public static func load(_ location: RunLocation) throws(SearchError) -> RunReport {
        let snapshot = try RunSnapshot.load(location)
        let records = snapshot.trials.map(\.record)
        var names: [Int: String] = [:]
        for trial in snapshot.trials where trial.role == .reference {
            names[trial.number] = (try? trial.network.get())?.name ?? "reference"
        }
        return RunReport(
            status: RunStatus(snapshot),
            // A study has no controller to replay.
            replay: snapshot.config.fidelity != nil ? ControllerReplay(points: [], problem: nil)
                // A weight-sharing search's controller also draws a path per shared-weight
                // step, which the log does not hold.
                : snapshot.config.oneShot != nil
                ? ControllerReplay(points: [], problem: "a weight-sharing search's controller also draws the path of every shared-weight step, which the log does not hold, so its history is not replayed; section 2 has every scored architecture's reward and section 4 the result")
                : ControllerReplay.replay(config: snapshot.config, space: snapshot.space, records: records),
            config: snapshot.config, started: snapshot.run.createdAt, lastFinished: records.compactMap(\.finishedAt).max(),
            referenceNames: names, decisionSizes: snapshot.space.decisionSizes)
    }

    /// Complete sampled trials (not references), in id order.
    public var completeSamples: [TrialSummary] {
        status.trials.filter { $0.role == .sampled && $0.state == .complete && $0.reward != nil }
    }

    /// The search's best architecture as its sampled trial (`RunStatus.best`: decided at the
    /// highest promotion rung when there is one), the one `nas status` and `nas export` show.
    public var bestSample: TrialSummary? { status.best }

    /// The best architecture's result as the report's header and summary say it: its mean at
    /// the promotion rung it was decided at, or its single proxy training.
    var bestResult: String? {
        guard let best = bestSample else { return nil }
        if status.weightSharing != nil, let found = weightSharingResult { return found }
        if status.bestRung > 0, status.weightSharing == nil, let promoted = status.promotion?.best {
            let range = promoted.rewardRange.map { " (\(Formatting.fraction($0[0]))–\(Formatting.fraction($0[1])))" } ?? ""
            return "best: trial #\(best.id)'s architecture, mean reward \(Formatting.fraction(promoted.reward))\(range) over \(promoted.complete) "
                + "evaluations at promotion rung \(status.bestRung)"
        }
        return "best trial #\(best.id), reward \(Formatting.fraction(best.reward))"
    }

    /// The reference the best architecture is compared with: EfficientNet-B0 when the run has
    /// it, otherwise the first complete reference trial, otherwise the first reference.
    public var comparisonReference: TrialSummary? {
        let references = status.trials.filter(\.reference)
        return references.first { referenceNames[$0.id]?.lowercased() == "efficientnet-b0" && $0.state == .complete }
            ?? references.first { $0.state == .complete } ?? references.first
    }

    /// Entropy of the uniform policy in nats per decision, mean ln(options): where REINFORCE
    /// starts (the softmax policy exactly; the LSTM nearly) and what random search keeps.
    public var uniformEntropy: Double? {
        decisionSizes.isEmpty ? nil : decisionSizes.map { log(Double($0)) }.reduce(0, +) / Double(decisionSizes.count)
    }

    /// Exponential moving average (0.9, as `nas status`) of `values`, point by point.
    static func movingAverage(_ values: [Double]) -> [Double] {
        var average: Double?
        return values.map { value in
            let next = average.map { 0.9 * $0 + 0.1 * value } ?? value
            average = next
            return next
        }
    }

    /// The Pareto front of (MACs, accuracy): the trials that have the highest accuracy of all
    /// trials with at most their MACs, in increasing MACs.
    static func paretoFront(_ trials: [TrialSummary]) -> [TrialSummary] {
        let sorted = trials.filter { $0.macs != nil && $0.accuracy != nil }
            .sorted { ($0.macs!, -$0.accuracy!, $0.id) < ($1.macs!, -$1.accuracy!, $1.id) }
        var front: [TrialSummary] = []
        for trial in sorted where trial.accuracy! > (front.last?.accuracy ?? -.infinity) { front.append(trial) }
        return front
    }
}
