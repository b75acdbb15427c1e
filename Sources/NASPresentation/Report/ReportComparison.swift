import Foundation
import NASSearch
import NASFormatting
import NASSearchSpace
import NASStore

/// What one run's strategy achieved, for comparing strategies that searched the same space
/// with the same reward and proxy (`nas report DIR --compare OTHER`, Docs/REPORT.md).
/// Everything is derived from the run's finished sampled trials, so `limited(to:)` can compare
/// runs of different lengths at the same budget.
public struct StrategyOutcome: Sendable, Hashable {
    public var run: String
    /// "reinforce/lstm", "random", "evolution".
    public var strategy: String
    /// The run's budget of sampled trials.
    public var budget: Int
    /// The comparison reference's reward in this run (EfficientNet-B0 when the run has it).
    public var referenceReward: Double?
    /// Finished (complete or failed) sampled trials, references excluded, in sampling order.
    public private(set) var finished: [TrialSummary]

    /// The fraction of the target within which a trial counts as near it.
    public static let targetBand = 0.10

    public init(_ report: RunReport) {
        run = report.status.run.name
        strategy = report.status.run.strategy + (report.status.run.policy.map { "/\($0)" } ?? "")
        budget = report.status.run.trials
        referenceReward = report.comparisonReference?.reward
        finished = report.status.trials.filter { $0.role == .sampled && $0.state.isFinished }
    }

    /// The outcome after only the first `count` finished sampled trials: what the strategy had
    /// reached at that budget (sampling is in id order and never depends on later trials).
    public func limited(to count: Int) -> StrategyOutcome {
        var outcome = self
        outcome.finished = Array(finished.prefix(max(0, count)))
        return outcome
    }

    /// Complete sampled trials (failed ones have no reward), in sampling order.
    public var complete: [TrialSummary] { finished.filter { $0.state == .complete && $0.reward != nil } }

    /// Complete sampled trials.
    public var sampled: Int { complete.count }

    /// The best sampled trial within the budget (`bestSampled`).
    public var best: TrialSummary? { finished.bestSampled }

    /// The best reward after each complete sampled trial, in sampling order.
    public var bestSoFar: [Double] {
        var running = -Double.infinity
        return complete.map { running = max(running, $0.reward!); return running }
    }

    /// Sampled trials, counted in sampling order, up to and including the first whose reward
    /// reaches the reference's; nil when none did.
    public var trialsToReference: Int? {
        referenceReward.flatMap { target in complete.firstIndex { $0.reward! >= target }.map { $0 + 1 } }
    }

    /// Complete sampled trials whose cost is within ±10% of the target.
    public var nearTarget: Int {
        complete.filter { trial in trial.components?["ratio"].map { abs($0 - 1) <= Self.targetBand } ?? false }.count
    }

    /// Mean reward of the last quarter of the complete sampled trials: what the strategy
    /// samples once it has learned (random search's stays where it started).
    public var lateMeanReward: Double? {
        let samples = complete
        let late = samples.suffix(max(1, samples.count / 4)).compactMap(\.reward)
        return late.isEmpty ? nil : late.reduce(0, +) / Double(late.count)
    }
}

extension RunReport {
    /// Loads the runs to compare with this one. They must have searched the same space with
    /// the same reward, proxy and references, or their rewards would not be comparable.
    public mutating func addComparisons(directories: [String]) throws(SearchError) {
        for directory in directories {
            let other = try RunReport.load(RunLocation(run: directory))
            func differs(_ what: String, _ mine: String, _ theirs: String) -> SearchError {
                .invalid("cannot compare \(directory) with \(status.run.directory): its \(what) (\(theirs)) differs from this run's (\(mine))")
            }
            if other.status.run.space != status.run.space {
                throw differs("space", status.run.space, other.status.run.space)
            }
            if other.config.reward != config.reward {
                throw differs("reward", Self.describe(config.reward), Self.describe(other.config.reward))
            }
            if other.config.proxy != config.proxy {
                throw differs("proxy", Self.describe(config.proxy), Self.describe(other.config.proxy))
            }
            if other.config.references != config.references {
                throw differs("reference trials", config.references.joined(separator: ", "),
                              other.config.references.joined(separator: ", "))
            }
            comparisons.append(StrategyOutcome(other))
        }
    }

    /// This run's outcome and the compared runs', all cut to the same number of finished
    /// sampled trials (the smallest among them), so that no strategy is credited with a
    /// longer search; the number is nil when they already agree.
    public var comparedOutcomes: (outcomes: [StrategyOutcome], commonBudget: Int?) {
        let all = [StrategyOutcome(self)] + comparisons
        let counts = Set(all.map(\.finished.count))
        guard counts.count > 1, let common = counts.min() else { return (all, nil) }
        return (all.map { $0.limited(to: common) }, common)
    }

    static func describe(_ reward: RewardSettings) -> String {
        "\(reward.metric.rawValue), T \(Formatting.compact(reward.target)), α \(Formatting.compact(reward.alpha)), β \(Formatting.compact(reward.beta))"
    }

    static func describe(_ proxy: ProxySettings) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(proxy)).map { String(decoding: $0, as: UTF8.self) } ?? "\(proxy)"
    }
}
