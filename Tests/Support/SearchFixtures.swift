import Foundation
import NASArchitecture
import NASEvaluation
import NASSearch
import NASSearchSpace

/// A small space whose candidates take no time to "train": tests use fake evaluators.
public enum Fixtures {
    /// Tests/Support/Fixtures/tiny.yaml, shared with CommandTests.
    public static let spaceText = try! String(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tiny.yaml"),
        encoding: .utf8)

    public static var space: SearchSpace { try! SearchSpace.parse(spaceText, file: "tiny.yaml") }
    /// Leader evaluations a `nas search` with REINFORCE adds after its budget by default.
    public static let defaultLeaders = SearchConfig.recommendedLeaderEvaluations

    public static func config(trials: Int = 12, batch: Int = 4, workers: Int = 1, seed: UInt64 = 7,
                       evaluator: String? = nil, strategy: String? = nil, leaders: Int = 0, promote: [String] = ["none"]) throws -> SearchConfig {
        var options = SearchOptions()
        options.leaderEvaluations = leaders
        options.promote = promote
        options.trials = trials
        options.batch = batch
        options.workers = workers
        options.seed = seed
        options.evaluator = evaluator
        if let strategy { options.strategy = .init(rawValue: strategy) }
        return try options.config(space: space, spaceFile: "tiny.yaml")
    }

    /// A path named `name` (not created) in a new folder of its own, inside this process's
    /// `scratch` folder.
    public static func temporaryDirectory(_ name: String = "run") -> String {
        let base = URL(fileURLWithPath: scratch).appendingPathComponent(UUID().uuidString)
        try? FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        return base.appendingPathComponent(name).path
    }

    /// This test process's folder for temporary runs, $TMPDIR/NASTests-PID, removed when the
    /// process exits; folders that processes killed before their exit left behind are removed
    /// the first time a later process asks for one.
    public static let scratch: String = {
        let prefix = "NASTests-"
        let temporary = FileManager.default.temporaryDirectory
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? [] where entry.hasPrefix(prefix) {
            if let pid = pid_t(entry.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(at: temporary.appendingPathComponent(entry))
            }
        }
        let folder = temporary.appendingPathComponent("\(prefix)\(getpid())").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fixtures.scratch) }
        return folder
    }()

    /// A deterministic "accuracy" of an architecture, from its text alone.
    public static func accuracy(_ network: Network) -> Double {
        var hash: UInt64 = 1469598103934665603
        for byte in network.timmArchDef.flatMap({ $0 }).joined(separator: "|").utf8 {
            hash = (hash ^ UInt64(byte)) &* 1099511628211
        }
        return 0.5 + Double(hash % 1000) / 2000
    }
}

/// Scores candidates by `Fixtures.accuracy`, optionally sleeping to shuffle completion order.
public struct FakeEvaluator: TrialEvaluator {
    public var jitter = false
    public init(jitter: Bool = false) { self.jitter = jitter }
    public func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        if jitter { usleep(useconds_t((job.seed % 7) * 3000)) }
        progress(1)
        return TrialMeasurement(accuracy: Fixtures.accuracy(job.network))
    }
}
