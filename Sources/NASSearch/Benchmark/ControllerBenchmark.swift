import Foundation
import NASController
import NASRandom
import NASStore

/// What one batch costs the search loop outside the trials: the controller's proposal, its
/// REINFORCE update on the batch's rewards, the state's encoding and its save (with the next
/// batch enqueued) in a run's SQLite log — `Search`'s own steps, timed one by one.
public struct ControllerBenchmark: Codable, Sendable {
    public var strategy: String
    public var policy: String
    public var decisions: Int
    public var batch: Int
    public var batches: Int
    /// Medians over the timed batches, in milliseconds.
    public var proposeMilliseconds: Double
    public var updateMilliseconds: Double
    public var encodeMilliseconds: Double
    public var saveMilliseconds: Double
    /// Update + encode + save: what the budget counts.
    public var updateAndSaveMilliseconds: Double
    public var stateBytes: Int

    enum CodingKeys: String, CodingKey {
        case strategy, policy, decisions, batch, batches
        case proposeMilliseconds = "propose_ms", updateMilliseconds = "update_ms", encodeMilliseconds = "encode_ms"
        case saveMilliseconds = "save_ms", updateAndSaveMilliseconds = "update_and_save_ms", stateBytes = "state_bytes"
    }

    /// `batches` timed batches after one untimed, rewards drawn from a seeded generator, the
    /// log in a temporary folder removed afterwards.
    public static func run(config: ControllerConfig, decisionSizes: [Int], batch: Int, batches: Int) throws(SearchError) -> ControllerBenchmark {
        var controller: Controller
        do { controller = try Controller(config: config, decisionSizes: decisionSizes, seed: 1) } catch { throw .controller(error) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftnas-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store: SQLiteTrialStore, run: RunRecord
        do {
            store = try SQLiteTrialStore(path: folder.appendingPathComponent("trials.sqlite").path)
            run = try store.createRun(name: "bench", space: "", config: "{}")
        } catch { throw .store(error) }
        var times: [[Double]] = [[], [], [], []]
        var bytes = 0
        var rewards = SplitMix64(seed: 7)
        for index in 0...batches {
            var clock = DispatchTime.now().uptimeNanoseconds
            func lap() -> Double {
                let now = DispatchTime.now().uptimeNanoseconds
                defer { clock = now }
                return Double(now - clock) / 1e6
            }
            let decisions = controller.propose(count: batch)
            let propose = lap()
            controller.update(decisions: decisions, rewards: decisions.map { _ in Double(rewards.next() % 1000) / 1000 })
            let update = lap()
            let state: Data
            do { state = try controller.encodedState() } catch { throw .controller(error) }
            let encode = lap()
            do { try store.saveControllerState(run: run.id, batch: index, state: state) } catch { throw .store(error) }
            let save = lap()
            bytes = state.count
            if index > 0 { for (k, value) in [propose, update, encode, save].enumerated() { times[k].append(value) } }
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let totals = (0..<batches).map { times[1][$0] + times[2][$0] + times[3][$0] }
        return ControllerBenchmark(
            strategy: config.strategy.rawValue, policy: config.policy.rawValue, decisions: decisionSizes.count, batch: batch,
            batches: batches, proposeMilliseconds: median(times[0]), updateMilliseconds: median(times[1]),
            encodeMilliseconds: median(times[2]), saveMilliseconds: median(times[3]), updateAndSaveMilliseconds: median(totals),
            stateBytes: bytes)
    }
}
