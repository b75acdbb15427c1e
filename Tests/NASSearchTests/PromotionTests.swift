import Foundation
import NASEvaluation
import NASPresentation
import NASSearchSpace
import NASStore
import NASTestSupport
import Synchronization
import Testing

@testable import NASSearch

/// Promotion: each batch's best sampled architectures evaluated again at larger budgets.
@Suite struct PromotionTests {
    /// The tiny space with its baseline as a reference trial.
    static let spaceText = Fixtures.spaceText.replacingOccurrences(of: "  strategy: reinforce", with: "  strategy: reinforce\n  references: [{name: small, stem: 8, head: 32, classes: 10, channels: 1, resolution: 32, stages: [ds_r1_k3_s1_e1_c8, ir_r1_k3_s2_e4_c16_se0.25, ir_r1_k3_s2_e4_c24_se0.25]}]")

    static func config(trials: Int = 12, workers: Int = 2, promote: [String] = ["top=0.5,steps=10", "top=0.5,seeds=2,steps=20"],
                       leaders: Int = 0) throws -> SearchConfig {
        var options = SearchOptions()
        options.trials = trials
        options.batch = 4
        options.workers = workers
        options.seed = 7
        options.leaderEvaluations = leaders
        options.promote = promote
        return try options.config(space: try SearchSpace.parse(spaceText, file: "tiny.yaml"), spaceFile: "tiny.yaml")
    }

    static func records(_ directory: String) throws -> [TrialRecord] {
        let store = try SQLiteTrialStore(path: RunDirectory(directory).database, mode: .readOnly)
        return try store.trials(run: try #require(try store.runs().first).id)
    }

    @Test func theBestOfEachBatchClimbTheRungsAndTheControllerLearnsFromRungZero() throws {
        let directory = Fixtures.temporaryDirectory()
        let evaluator = BudgetEvaluator()
        let config = try Self.config(leaders: 2)
        try Search.create(location: RunLocation(run: directory), spaceText: Self.spaceText, config: config, evaluator: evaluator).run()
        let records = try Self.records(directory)
        let sampled = records.filter { $0.role == .sampled }
        #expect(sampled.count == 12 && sampled.allSatisfy { $0.rung == 0 })
        // Every trial trained at its rung's recipe.
        let seen = evaluator.seen.withLock { $0 }
        for record in records { #expect(seen[record.number]?.steps == [0: 5, 1: 10, 2: 20][record.rung], "trial \(record.number)") }
        // Rung 1 of batch b: the best half (of 4) of b's samples, plus the reference, in batch b + 1.
        for batch in 0..<3 {
            let samples = sampled.filter { $0.batch == batch }.sorted { ($0.result!.reward, -$0.number) > ($1.result!.reward, -$1.number) }
            let promoted = records.filter { $0.batch == batch + 1 && $0.rung == 1 && $0.architecture != records[0].architecture }
            #expect(Set(promoted.map(\.architecture)) == Set(samples.prefix(2).map(\.architecture)), "batch \(batch)")
            #expect(promoted.allSatisfy { $0.role == .promoted && $0.isReference })
        }
        // The reference climbs every rung; rung 2 takes the better of each batch's two, twice.
        #expect(records.filter { $0.architecture == records[0].architecture }.map(\.rung).sorted() == [0, 1, 2, 2])
        #expect(records.filter { $0.rung == 2 }.count == 3 * 1 * 2 + 2)
        // After the budget: the promotions still due, then the leader's evaluations, last.
        #expect(records.suffix(2).allSatisfy { $0.role == .leader })
        #expect(records.last!.batch == records.filter { $0.rung > 0 }.map(\.batch).max()! + 1)
        let status = try RunStatus.load(RunLocation(run: directory))
        #expect(status.trials.filter { $0.role == .promoted }.allSatisfy { $0.rung! > 0 } && status.leader != nil)
        // The result: the best mean at the highest rung, beside the reference there.
        let promotion = try #require(status.promotion)
        #expect(promotion.top == 2 && promotion.rungs.map(\.label) == ["steps=10", "steps=20"])
        #expect(promotion.rungs.map(\.evaluations) == [records.count { $0.rung == 1 }, records.count { $0.rung == 2 }])
        let best = try #require(promotion.best)
        let atTop = records.filter { $0.rung == 2 && $0.architecture != records[0].architecture }
        let means = Dictionary(grouping: atTop, by: \.architecture).mapValues { $0.map { $0.result!.reward }.reduce(0, +) / 2 }
        #expect(best.reward == means.values.max() && best.complete == 2 && status.trials[best.first!].role == .sampled)
        #expect(promotion.references.count == 1 && promotion.references[0].first == 0)
        // "best" is that architecture, decided at rung 2, everywhere: status, JSON, export, report.
        #expect(status.best?.id == best.first && status.bestRung == 2 && status.json().contains("\"best_rung\":2"))
        #expect(status.text().contains("best: trial \(best.first!)'s architecture at rung 2 (steps=20)") && status.json().contains("\"promotion\":{"))
        #expect(status.text().contains("reference: trial 0's architecture at rung 2"))
        let (exported, _, _) = try Export.trial(RunLocation(run: directory), selector: "promoted")
        #expect(best.trials.contains(exported.id) && exported.role == .promoted)
        #expect(try Export.trial(RunLocation(run: directory), selector: "best").0.id == best.first)
        let html = try RunReport.load(RunLocation(run: directory)).html()
        #expect(html.contains("best: trial #\(best.first!)'s architecture, mean reward") && html.contains("at promotion rung 2"))
    }

    /// Killed mid-batch and resumed: the same trials, promotions included.
    @Test func aKilledSearchWithPromotionResumesToTheSameTrials() throws {
        let config = try Self.config()
        let reference = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: reference), spaceText: Self.spaceText, config: config, evaluator: BudgetEvaluator()).run()
        let directory = Fixtures.temporaryDirectory()
        do {
            let search = try Search.create(location: RunLocation(run: directory), spaceText: Self.spaceText, config: config,
                                           evaluator: BudgetEvaluator(), dataCache: nil, dataProgress: nil) { CrashingStore($0, crashAfterClaims: 9) }
            #expect { try search.run() } throws: { "\($0)".contains("simulated crash") }
        }
        try Search.resume(location: RunLocation(run: directory), evaluator: BudgetEvaluator()).run()
        func lines(_ directory: String) throws -> [String] {
            try Self.records(directory).map { "\($0.number) \($0.batch) \($0.rung) \($0.seed) \($0.architecture) \($0.result?.reward ?? -1)" }
        }
        #expect(try lines(directory) == (try lines(reference)))
    }

    /// `nas worker`s serving a controller with no workers of its own stay until the last
    /// rung is done, although every sampled trial finished a batch earlier.
    @Test func workersWaitForTheLastRung() throws {
        let directory = Fixtures.temporaryDirectory()
        var config = try Self.config(workers: 0)
        config.evaluator = "dry-run:0.002"
        let search = try Search.create(location: RunLocation(run: directory), spaceText: Self.spaceText, config: config)
        search.pollInterval = 0.01
        let done = Mutex(0)
        let group = DispatchGroup()
        group.enter()
        Thread {
            defer { group.leave() }
            var options = WorkerOptions(run: directory, storage: nil, name: "thread-0")
            options.pollInterval = 0.01
            if let summary = try? Worker(options).run() { done.withLock { $0 = summary.trials } }
        }.start()
        try search.run()
        group.wait()
        let records = try Self.records(directory)
        #expect(records.allSatisfy { $0.state == .complete } && done.withLock { $0 } == records.count && records.contains { $0.rung == 2 })
    }

    @Test func defaultsAndRefusals() throws {
        var options = SearchOptions()
        let space = try SearchSpace.parse(Self.spaceText, file: "tiny.yaml")
        let builtin = try options.config(space: space, spaceFile: "tiny.yaml")
        #expect(builtin.promotion?.rungs.map(\.label) == ["steps=15"] && builtin.promotion?.rungs.first?.seeds == 1)
        options.evaluator = "python3 x.py"
        #expect(try options.config(space: space, spaceFile: "tiny.yaml").promotion == nil)
        options.evaluator = nil
        options.promote = ["none"]
        #expect(try options.config(space: space, spaceFile: "tiny.yaml").promotion == nil)
        for (rung, message) in [("top=0,steps=9", "top must be"), ("seeds=11,steps=9", "seeds must"), ("top=0.5", "gives no budget"),
                                ("steps=9,dataset=cifar10,data=x", "proxy's data")] {
            options.promote = [rung]
            #expect { try options.config(space: space, spaceFile: "tiny.yaml") } throws: { "\($0)".contains(message) }
        }
    }
}
