import Foundation
import NASArchitecture
import NASEvaluation
import NASPresentation
import NASSearchSpace
import NASStore
import NASTestSupport
import Synchronization
import Testing

@testable import NASSearch

/// Scores a candidate by `Fixtures.accuracy` plus a budget-dependent perturbation (the fewer
/// steps, the larger), and records which recipe each trial was given.
final class BudgetEvaluator: TrialEvaluator, @unchecked Sendable {
    let seen = Mutex<[Int: ProxySettings]>([:])
    func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        seen.withLock { $0[job.trial] = job.proxy }
        let steps = Double(job.proxy.steps ?? 100)
        let noise = Double(job.seed % 1000) / 1000 - 0.5
        return TrialMeasurement(accuracy: Fixtures.accuracy(job.network) + noise * 0.2 / steps)
    }
}

/// `nas fidelity`'s runs: every candidate at every budget, each trial with its budget's recipe.
@Suite struct FidelityStudyTests {
    static func options(candidates: Int = 6) -> FidelityOptions {
        var options = FidelityOptions()
        options.candidates = candidates
        options.budgets = ["steps=2"]
        options.reference = "steps=20,batch=8"
        options.seeds = 2
        options.referenceSeeds = 3
        options.workers = 2
        return options
    }

    @Test func thePlanLaysOutCandidatesBudgetsAndSeeds() throws {
        let config = try Self.options().config(space: Fixtures.space, spaceFile: "tiny.yaml")
        let plan = try #require(config.fidelity)
        #expect(plan.budgets.map(\.label) == ["proxy", "steps=2", "reference steps=20,batch=8"])
        #expect(plan.budgets.map(\.seeds) == [2, 2, 3])
        #expect(config.trials == 42 && plan.trials == 42)
        #expect(plan.firstTrial(ofBudget: 1) == 12 && plan.firstTrial(ofBudget: 2) == 24)
        #expect(config.proxy(forBatch: 2).steps == 20 && config.proxy(forBatch: 2).batch == 8 && config.proxy(forBatch: 0) == config.proxy)
        let trials = try plan.trials(space: Fixtures.space, seed: config.trialSeed)
        #expect(trials.map(\.batch) == Array(repeating: 0, count: 12) + Array(repeating: 1, count: 12) + Array(repeating: 2, count: 18))
        // Candidate-major within a budget: the same six architectures, pass after pass.
        let candidates = trials.prefix(6).map(\.architecture)
        #expect(Set(candidates).count == 6)
        for pass in stride(from: 0, to: 42, by: 6) { #expect(trials[pass..<pass + 6].map(\.architecture) == candidates) }
        #expect(Set(trials.map(\.seed)).count == 42)
    }

    @Test func badPlansAreRefusedInOneLine() throws {
        var options = Self.options()
        options.candidates = 2
        #expect { try options.config(space: Fixtures.space, spaceFile: "tiny.yaml") } throws: { "\($0)".contains("--candidates must be from 4") }
        options = Self.options()
        options.reference = "epochs=0"
        #expect { try options.config(space: Fixtures.space, spaceFile: "tiny.yaml") } throws: { "\($0)".contains("out of range") }
        options = Self.options()
        options.budgets = ["dataset=cifar10,data=x"]
        #expect { try options.config(space: Fixtures.space, spaceFile: "tiny.yaml") } throws: { "\($0)".contains("same data") }
        options = Self.options()
        options.seeds = 0
        #expect { try options.config(space: Fixtures.space, spaceFile: "tiny.yaml") } throws: { "\($0)".contains("seeds per budget") }
    }

    /// Scoring fewer validation images (of the same split) is a budget, not other data.
    @Test func aBudgetMayScoreFewerValidationImages() throws {
        var options = Self.options()
        options.budgets = ["steps=2,evaluation-images=500,recalibration=5"]
        let config = try options.config(space: Fixtures.space, spaceFile: "tiny.yaml")
        let plan = try #require(config.fidelity)
        #expect(plan.budgets.map(\.label) == ["proxy", "steps=2,recalibration=5,evaluation-images=500", "reference steps=20,batch=8"])
        #expect(config.proxy(forBatch: 1).evaluationImages == 500 && config.proxy(forBatch: 2).evaluationImages == nil)
        #expect(config.proxy(forBatch: 1).trainingConfig(seed: 1).evaluationImages == 500)
        let extended = try plan.extended(with: ["steps=2,evaluation-images=100"], seeds: 1)
        #expect(extended.budgets.last?.label == "steps=2,evaluation-images=100" && extended.budgets.last?.proxy.evaluationImages == 100)
    }

    @Test func aStudyTrainsEveryTrialAtItsBudgetAndRanksThem() throws {
        let directory = Fixtures.temporaryDirectory()
        let evaluator = BudgetEvaluator()
        let config = try Self.options().config(space: Fixtures.space, spaceFile: "tiny.yaml")
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: config, evaluator: evaluator).run()
        let status = try RunStatus.load(RunLocation(run: directory))
        #expect(status.trials.count == 42 && status.trials.allSatisfy { $0.state == .complete })
        let seen = evaluator.seen.withLock { $0 }
        for trial in status.trials { #expect(seen[trial.id] == config.proxy(forBatch: trial.batch)) }
        let study = try #require(status.fidelity)
        #expect(study.budgets.map(\.complete) == [12, 12, 18])
        // The reference is nearly noise-free: it ranks itself almost perfectly, the 2-step
        // budget (largest perturbation) worst.
        let proxyTau = try #require(study.budgets[0].fidelity?.kendall), shortTau = try #require(study.budgets[1].fidelity?.kendall)
        #expect(proxyTau > 0.9 && shortTau < proxyTau)
        #expect(study.budgets[2].fidelity == nil && study.referenceSeedKendall! > 0.9)
        #expect(study.rows.count == 6 && study.rows.allSatisfy { $0.accuracy.count == 3 && $0.referenceRange != nil })
        #expect(status.text().contains("free baselines against the reference: MACs τ"))
        #expect(status.json().contains("\"fidelity\":{"))
        let report = try RunReport.load(RunLocation(run: directory)).html()
        #expect(report.contains(RunReport.fidelityTitle) && report.contains("reference steps=20,batch=8"))
    }

    /// A study whose process dies mid-budget resumes to the same trials and results.
    @Test func aKilledStudyResumesToTheSameResults() throws {
        let config = try Self.options(candidates: 4).config(space: Fixtures.space, spaceFile: "tiny.yaml")
        let reference = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: reference), spaceText: Fixtures.spaceText, config: config, evaluator: BudgetEvaluator()).run()
        let directory = Fixtures.temporaryDirectory()
        do {
            let search = try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: config,
                                           evaluator: BudgetEvaluator(), dataCache: nil, dataProgress: nil) { CrashingStore($0, crashAfterClaims: 11) }
            #expect { try search.run() } throws: { "\($0)".contains("simulated crash") }
        }
        #expect {
            try Search.resume(location: RunLocation(run: directory), trials: 50, evaluator: BudgetEvaluator())
        } throws: { "\($0)".contains("a fidelity study's trials are its plan's") }
        try Search.resume(location: RunLocation(run: directory), evaluator: BudgetEvaluator()).run()
        func results(_ directory: String) throws -> [String] {
            try RunStatus.load(RunLocation(run: directory)).trials.map { "\($0.id) \($0.batch) \($0.seed) \($0.architecture) \($0.accuracy ?? -1)" }
        }
        #expect(try results(directory) == (try results(reference)))
        // Everything but the wall-clock seconds.
        let resumed = try #require(try RunStatus.load(RunLocation(run: directory)).fidelity)
        let uninterrupted = try #require(try RunStatus.load(RunLocation(run: reference)).fidelity)
        #expect(resumed.rows == uninterrupted.rows && resumed.budgets.map(\.fidelity) == uninterrupted.budgets.map(\.fidelity))
    }

    /// A study started with no workers of its own is served by `Worker`s (as `nas worker
    /// --run` does), which stop once every budget is done; every trial claimed once.
    @Test func workersServeAStudy() throws {
        var options = Self.options(candidates: 4)
        options.workers = 0
        options.evaluator = "dry-run:0.002"
        let config = try options.config(space: Fixtures.space, spaceFile: "tiny.yaml")
        let directory = Fixtures.temporaryDirectory()
        let search = try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: config)
        search.pollInterval = 0.01
        let summaries = Mutex<[WorkerSummary]>([])
        let group = DispatchGroup()
        for index in 0..<2 {
            group.enter()
            Thread {
                defer { group.leave() }
                var workerOptions = WorkerOptions(run: directory, storage: nil, name: "thread-\(index)")
                workerOptions.pollInterval = 0.01
                if let summary = try? Worker(workerOptions).run() { summaries.withLock { $0.append(summary) } }
            }.start()
        }
        try search.run()
        group.wait()
        let status = try RunStatus.load(RunLocation(run: directory))
        #expect(status.trials.count == config.trials && status.trials.allSatisfy { $0.state == .complete && $0.attempts == 1 })
        #expect(summaries.withLock { $0.map(\.trials).reduce(0, +) } == config.trials)
        #expect(summaries.withLock { $0.count == 2 && $0.allSatisfy { $0.stopped == "the run is finished" } })
    }

    /// Budgets added to a finished study train alone, after everything stored, and are ranked
    /// against the study's own reference.
    @Test func anExtendedStudyTrainsOnlyItsNewBudgets() throws {
        let directory = Fixtures.temporaryDirectory()
        let config = try Self.options(candidates: 4).config(space: Fixtures.space, spaceFile: "tiny.yaml")
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: config, evaluator: BudgetEvaluator()).run()
        let before = try RunStatus.load(RunLocation(run: directory))
        let evaluator = BudgetEvaluator()
        try Search.resume(location: RunLocation(run: directory), extendStudy: (["steps=7", "steps=3,batch=4"], 1), evaluator: evaluator).run()
        let after = try RunStatus.load(RunLocation(run: directory))
        #expect(Array(after.trials.prefix(before.trials.count)) == before.trials)
        #expect(after.trials.count == before.trials.count + 8 && Set(evaluator.seen.withLock { $0.keys }) == Set(before.trials.count..<after.trials.count))
        let study = try #require(after.fidelity)
        #expect(study.reference == 2 && study.budgets.map(\.label) == ["proxy", "steps=2", "reference steps=20,batch=8", "steps=7", "steps=3,batch=4"])
        #expect(study.budgets[3].fidelity?.kendall != nil && study.budgets[2].fidelity == nil)
        #expect {
            try Search.resume(location: RunLocation(run: directory), extendStudy: (["colour=red"], 1), evaluator: evaluator)
        } throws: { "\($0)".contains("colour") }
        let search = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: search), spaceText: Fixtures.spaceText, config: try Fixtures.config(trials: 4), evaluator: FakeEvaluator()).run()
        #expect {
            try Search.resume(location: RunLocation(run: search), extendStudy: (["steps=7"], 1), evaluator: evaluator)
        } throws: { "\($0)".contains("is a search") }
    }

    /// Candidates of the user's own: trained in the order given, the space's choices kept for
    /// those that are points of it.
    @Test func aStudyOfGivenArchitectures() throws {
        let space = Fixtures.space
        var options = Self.options()
        let points = try [[0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1], [0, 1, 1, 2, 0, 1, 2]].map { choices in
            try space.architecture(for: Array(choices.prefix(space.decisionSizes.count)))
        }
        var outside = points[0]
        outside.headFilters = 48
        options.architectures = points + [outside]
        let config = try options.config(space: space, spaceFile: "tiny.yaml")
        #expect(config.fidelity?.candidates == 4 && config.trials == 28)
        let trials = try #require(config.fidelity).trials(space: space, seed: config.trialSeed)
        #expect(trials.prefix(4).map(\.architecture) == options.architectures.map(ArchitectureFile.encode))
        #expect(trials[0].decisions.count == space.decisionSizes.count && trials[3].decisions.isEmpty)
        options.architectures = [points[0], points[0], points[1], points[2]]
        #expect { try options.config(space: space, spaceFile: "tiny.yaml") } throws: { "\($0)".contains("given twice") }
    }
}
