import Foundation
import NASSearchSpace

/// What one run's strategy achieved, for comparing strategies that searched the same space
/// with the same reward and proxy (`nas report DIR --compare OTHER`, Docs/REPORT.md).
public struct StrategyOutcome: Sendable, Hashable {
    public var run: String
    /// "reinforce/lstm", "random", "evolution".
    public var strategy: String
    /// Complete sampled trials (references excluded), and the run's budget.
    public var sampled: Int
    public var budget: Int
    public var best: TrialSummary?
    /// The comparison reference's reward in this run (EfficientNet-B0 when the run has it).
    public var referenceReward: Double?
    /// Sampled trials, counted in sampling order, up to and including the first whose reward
    /// reaches the reference's; nil when none did.
    public var trialsToReference: Int?
    /// Complete sampled trials whose cost is within ±10% of the target.
    public var nearTarget: Int
    /// Mean reward of the last quarter of the complete sampled trials: what the strategy
    /// samples once it has learned (random search's stays where it started).
    public var lateMeanReward: Double?
    /// The best reward after each complete sampled trial, in sampling order.
    public var bestSoFar: [Double]

    /// The fraction of the target within which a trial counts as near it.
    public static let targetBand = 0.10

    public init(_ report: RunReport) {
        let samples = report.completeSamples
        run = report.status.run.name
        strategy = report.status.run.strategy + (report.status.run.policy.map { "/\($0)" } ?? "")
        sampled = samples.count
        budget = report.status.run.trials
        best = report.bestSample
        referenceReward = report.comparisonReference?.reward
        var running = -Double.infinity
        bestSoFar = samples.map { running = max(running, $0.reward!); return running }
        trialsToReference = referenceReward.flatMap { target in samples.firstIndex { $0.reward! >= target }.map { $0 + 1 } }
        nearTarget = samples.filter { trial in
            trial.components?["ratio"].map { abs($0 - 1) <= Self.targetBand } ?? false
        }.count
        let late = samples.suffix(max(1, samples.count / 4)).compactMap(\.reward)
        lateMeanReward = late.isEmpty ? nil : late.reduce(0, +) / Double(late.count)
    }
}

extension RunReport {
    /// Loads the runs to compare with this one. They must have searched the same space with
    /// the same reward, proxy and references, or their rewards would not be comparable.
    public mutating func addComparisons(directories: [String]) throws(SearchError) {
        for directory in directories {
            let other = try RunReport.load(directory: directory)
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

    static func describe(_ reward: RewardSettings) -> String {
        "\(reward.metric.rawValue), T \(ReportFormat.number(reward.target)), α \(ReportFormat.number(reward.alpha)), β \(ReportFormat.number(reward.beta))"
    }

    static func describe(_ proxy: ProxySettings) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(proxy)).map { String(decoding: $0, as: UTF8.self) } ?? "\(proxy)"
    }
}
