import Foundation
import NASArchitecture
import NASEvaluation

/// One training of one architecture: a row of `table.csv` (Benchmarks/tabular/README.md).
public struct TabularRow: Sendable, Hashable {
    /// The timm arch-def, blocks joined by " ", stages by "|" (`BenchmarkTable.key`).
    public var key: String
    public var choices: [Int]
    public var seed: UInt64
    public var accuracy: Double
    public var macs: Int
    public var params: Int
    public var seconds: Double

    public static let header = "key,choices,seed,accuracy,macs,params,seconds"

    public var line: String {
        "\(key),\(choices.map(String.init).joined(separator: " ")),\(seed),\(String(format: "%.6f", accuracy)),\(macs),\(params),\(String(format: "%.2f", seconds))"
    }

    public init(key: String, choices: [Int], seed: UInt64, accuracy: Double, macs: Int, params: Int, seconds: Double) {
        (self.key, self.choices, self.seed, self.accuracy, self.macs, self.params, self.seconds) =
            (key, choices, seed, accuracy, macs, params, seconds)
    }

    public init?(_ line: Substring) {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == 7, let seed = UInt64(fields[2]), let accuracy = Double(fields[3]), let macs = Int(fields[4]),
              let params = Int(fields[5]), let seconds = Double(fields[6]) else { return nil }
        self.init(key: String(fields[0]), choices: fields[1].split(separator: " ").compactMap { Int($0) }, seed: seed,
                  accuracy: accuracy, macs: macs, params: params, seconds: seconds)
    }
}

/// The tabular benchmark's table: every training, grouped by architecture.
public struct BenchmarkTable: Sendable {
    public let rows: [TabularRow]
    /// Each architecture's trainings, by seed.
    public let trainings: [String: [TabularRow]]

    /// The table at `path`; empty when there is no file yet (a build starting).
    public init(path: String) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        self.init(rows: text.split(separator: "\n").dropFirst().compactMap(TabularRow.init))
    }

    public init(rows: [TabularRow]) {
        self.rows = rows
        trainings = Dictionary(grouping: rows, by: \.key).mapValues { $0.sorted { $0.seed < $1.seed } }
    }

    public static func key(_ archDef: [[String]]) -> String { archDef.map { $0.joined(separator: " ") }.joined(separator: "|") }

    /// One training's accuracy of `key`, picked by a trial's seed: as noisy as one real proxy
    /// training. Nil when the table does not hold the architecture.
    public func accuracy(of key: String, seed: UInt64) -> Double? {
        guard let rows = trainings[key], !rows.isEmpty else { return nil }
        return rows[Int(seed % UInt64(rows.count))].accuracy
    }

    /// Mean accuracy over each architecture's seeds.
    public var means: [String: Double] { trainings.mapValues { $0.map(\.accuracy).reduce(0, +) / Double($0.count) } }

    /// Architectures by mean accuracy, best first (ties by key, so the order is fixed).
    public var ranking: [String] {
        let means = means
        return means.keys.sorted { (means[$0]!, $1) > (means[$1]!, $0) }
    }

    /// The best `fraction` of the ranking, at least one architecture.
    public func top(_ fraction: Double) -> Set<String> {
        let ranking = ranking
        return Set(ranking.prefix(max(1, Int((Double(ranking.count) * fraction).rounded()))))
    }
}

/// Answers trials from the table in process (`tabular-benchmark lookup` is the same as a
/// command), so a 500-trial search through the real search loop takes a second.
public struct TableEvaluator: TrialEvaluator {
    public let table: BenchmarkTable

    public init(_ table: BenchmarkTable) { self.table = table }

    public func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        let key = BenchmarkTable.key(job.network.timmArchDef)
        guard let accuracy = table.accuracy(of: key, seed: job.seed) else { throw EvaluationFailure("\(key) is not in the table") }
        return TrialMeasurement(accuracy: accuracy)
    }
}
