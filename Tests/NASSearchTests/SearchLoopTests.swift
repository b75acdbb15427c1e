import Foundation
import NASArchitecture
import NASController
import NASSearchSpace
import NASStore
import NASEvaluation
import NASTestSupport
import NASPresentation
import Synchronization
import Testing

@testable import NASSearch

@Suite struct SearchLoopTests {
    /// (number, decisions, architecture, reward) of every trial, in order.
    static func sequence(_ directory: String) throws -> [String] {
        try RunStatus.load(RunLocation(run: directory)).trials.map { trial in
            "\(trial.id) \(trial.decisions.sorted { $0.key < $1.key }) \(trial.arch) \(trial.reward.map { String($0) } ?? "-")"
        }
    }

    /// A controller with no workers of its own (`--workers 0`) and workers elsewhere (here,
    /// threads running `Worker` on the run folder's SQLite log, as `nas worker --run` does):
    /// the same trials as a one-process run, each claimed once, and the workers stop by
    /// themselves when the run is finished.
    @Test func workersServeAControllerThatEvaluatesNothing() throws {
        let reference = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: reference), spaceText: Fixtures.spaceText,
                          config: try Fixtures.config(trials: 12, workers: 1, evaluator: "dry-run")).run()
        let directory = Fixtures.temporaryDirectory()
        let search = try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText,
                                       config: try Fixtures.config(trials: 12, workers: 0, evaluator: "dry-run:0.005"))
        search.pollInterval = 0.01
        let summaries = Mutex<[WorkerSummary]>([])
        let errors = Mutex<[String]>([])
        let group = DispatchGroup()
        for index in 0..<3 {
            group.enter()
            Thread {
                defer { group.leave() }
                do {
                    var options = WorkerOptions(run: directory, storage: nil, name: "thread-\(index)")
                    options.pollInterval = 0.01
                    let summary = try Worker(options).run()
                    summaries.withLock { $0.append(summary) }
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }.start()
        }
        try search.run()
        group.wait()
        #expect(errors.withLock { $0 } == [])
        #expect(try Self.sequence(directory) == Self.sequence(reference))
        let done = summaries.withLock { $0 }
        #expect(done.map(\.trials).reduce(0, +) == (try RunStatus.load(RunLocation(run: directory))).trials.count)
        #expect(done.allSatisfy { $0.stopped == "the run is finished" && $0.lost == 0 })
        #expect(try RunStatus.load(RunLocation(run: directory)).trials.allSatisfy { $0.attempts == 1 && $0.worker?.hasPrefix("thread-") == true })
    }

    @Test func architecturesDependOnTheSeedNotOnTheWorkers() throws {
        var sequences: [[String]] = []
        for workers in [1, 3, 5] {
            let directory = Fixtures.temporaryDirectory()
            let search = try Search.create(
                location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: try Fixtures.config(trials: 14, workers: workers),
                evaluator: FakeEvaluator(jitter: true))
            try search.run()
            sequences.append(try Self.sequence(directory))
        }
        #expect(sequences[0].count == 14)
        #expect(sequences[1] == sequences[0])
        #expect(sequences[2] == sequences[0])
        // A different seed gives a different search.
        let other = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: other), spaceText: Fixtures.spaceText, config: try Fixtures.config(trials: 14, seed: 8),
                          evaluator: FakeEvaluator()).run()
        #expect(try Self.sequence(other) != sequences[0])
    }

    /// A search stopped mid-batch (trials left running, state not yet saved) and resumed —
    /// even with a bigger budget given on resume — matches an uninterrupted run.
    @Test func resumeAfterAnInterruptionMatchesAnUninterruptedRun() throws {
        let reference = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: reference), spaceText: Fixtures.spaceText, config: try Fixtures.config(trials: 16),
                          evaluator: FakeEvaluator()).run()

        let directory = Fixtures.temporaryDirectory()
        do {
            // Two workers; the "process dies" at the sixth claim, mid-batch, with a trial claimed:
            // its store fails from then on, as a killed process's would.
            let search = try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText,
                                           config: try Fixtures.config(trials: 8, workers: 2), evaluator: FakeEvaluator(),
                                           dataCache: nil, dataProgress: nil) { CrashingStore($0, crashAfterClaims: 5) }
            #expect {
                try search.run()
            } throws: { error in "\(error)".contains("simulated crash") }
        }
        let store = try SQLiteTrialStore(path: RunDirectory(directory).database, mode: .open)
        let run = try #require(try store.runs().first)
        #expect(try store.counts(run: run.id)[.running]! >= 1)

        let resumed = try Search.resume(location: RunLocation(run: directory), trials: 16, evaluator: FakeEvaluator())
        let events = Mutex<[SearchEvent]>([])
        try resumed.run { event in events.withLock { $0.append(event) } }
        let released = events.withLock { events -> [TrialRecord] in
            for case let .started(_, _, _, _, released, _) in events { return released }
            return []
        }
        #expect(!released.isEmpty && released.allSatisfy { $0.failure?.contains("interrupted") == true })
        #expect(try Self.sequence(directory) == (try Self.sequence(reference)))
        #expect(try RunStatus.load(RunLocation(run: directory)).trials.allSatisfy { $0.state == .complete })
    }

    @Test func aSecondProcessIsRefused() throws {
        let directory = Fixtures.temporaryDirectory()
        let search = try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: try Fixtures.config(),
                                       evaluator: FakeEvaluator())
        #expect {
            try Search.resume(location: RunLocation(run: directory), evaluator: FakeEvaluator())
        } throws: { error in
            guard case SearchError.locked = error else { return false }
            return "\(error)".contains("in use by another process (pid \(getpid())")
        }
        _ = search  // held until here
        // Status reads beside a running search.
        #expect(try RunStatus.load(RunLocation(run: directory)).trials.isEmpty)
    }

    @Test func searchNeverOverwritesAndRefusalsWriteNothing() throws {
        let directory = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: try Fixtures.config(trials: 4),
                          evaluator: FakeEvaluator()).run()
        let before = try Data(contentsOf: URL(fileURLWithPath: RunDirectory(directory).database))
        #expect {
            try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: try Fixtures.config(),
                              evaluator: FakeEvaluator())
        } throws: { error in "\(error)".contains("never overwrites") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: RunDirectory(directory).database)) == before)

        // A folder with anything in it is not reused either.
        let occupied = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: occupied, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: occupied + "/notes.txt", contents: Data("mine".utf8))
        #expect(throws: SearchError.self) {
            try Search.create(location: RunLocation(run: occupied), spaceText: Fixtures.spaceText, config: try Fixtures.config(), evaluator: FakeEvaluator())
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: occupied) == ["notes.txt"])

        // A bad evaluator command, a missing dataset, a bad space: refused before the folder exists.
        let fresh = Fixtures.temporaryDirectory()
        #expect {
            try Search.create(location: RunLocation(run: fresh), spaceText: Fixtures.spaceText,
                              config: try Fixtures.config(evaluator: "no-such-program-xyz --flag"))
        } throws: { error in "\(error)".contains("'no-such-program-xyz' is not a program on PATH") }
        var config = try Fixtures.config()
        config.proxy.dataset = "cifar10"
        config.proxy.data = "/nonexistent/cifar"
        #expect {
            try Search.create(location: RunLocation(run: fresh), spaceText: Fixtures.spaceText, config: config)
        } throws: { error in "\(error)".contains("cannot load the proxy dataset (cifar10 at /nonexistent/cifar)") }
        #expect {
            try Search.create(location: RunLocation(run: fresh), spaceText: Fixtures.spaceText.replacingOccurrences(of: "kernel: [3, 5]", with: "kernel: [3, 4]"),
                              config: try Fixtures.config(), evaluator: FakeEvaluator())
        } throws: { error in "\(error)".contains("tiny.yaml:") && !"\(error)".contains("\n") }
        #expect(!FileManager.default.fileExists(atPath: fresh))
    }

    @Test func corruptAndForeignLogsAreRefusedUntouched() throws {
        let corrupt = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        let garbage = Data(repeating: 0x5A, count: 8192)
        try garbage.write(to: URL(fileURLWithPath: RunDirectory(corrupt).database))
        #expect {
            try Search.resume(location: RunLocation(run: corrupt), evaluator: FakeEvaluator())
        } throws: { error in "\(error)".contains("not a SQLite database") }
        #expect {
            try RunStatus.load(RunLocation(run: corrupt))
        } throws: { error in "\(error)".contains("not a SQLite database") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: RunDirectory(corrupt).database)) == garbage)

        let missing = Fixtures.temporaryDirectory()
        #expect {
            try Search.resume(location: RunLocation(run: missing), evaluator: FakeEvaluator())
        } throws: { error in "\(error)".contains("is not a SwiftNAS run folder") }
    }

    /// Failed trials are recorded with their reason, the controller skips them, the search goes on.
    @Test func failingTrialsAreRecordedAndTheSearchGoesOn() throws {
        let directory = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: try Fixtures.config(trials: 8),
                          evaluator: FailingEvaluator()).run()
        let status = try RunStatus.load(RunLocation(run: directory))
        #expect(status.finished == 8)
        let failed = status.trials.filter { $0.state == .failed }
        #expect(!failed.isEmpty && failed.allSatisfy { $0.failure == "diverged (test)" })
        #expect(status.trials.contains { $0.state == .complete })
        #expect(status.updates == 2)
    }

    @Test func rewardComponentsAreStored() throws {
        let directory = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: try Fixtures.config(trials: 4),
                          evaluator: FakeEvaluator()).run()
        let trial = try #require(try RunStatus.load(RunLocation(run: directory)).trials.first)
        let components = try #require(trial.components)
        let macs = Double(try #require(trial.macs))
        #expect(components["macs"] == macs && components["accuracy"] == trial.accuracy)
        let expected = try #require(trial.accuracy) * pow(macs / 300_000, -0.07)
        #expect(abs(try #require(trial.reward) - expected) < 1e-12)
    }

    @Test func exportsRebuildTheSameNetwork() throws {
        let directory = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: try Fixtures.config(trials: 4),
                          evaluator: FakeEvaluator()).run()
        let (summary, network, status) = try Export.trial(RunLocation(run: directory), selector: "best")
        #expect(summary.id == status.best?.id)
        for format in [ExportFormat.json, .timm, .tf] {
            let text = try Export.render(network, trial: summary, run: status.run, format: format)
            #expect(try ArchitectureFile.decode(text, name: network.name) == network, "\(format)")
            #expect(!text.contains("stem-stride") && !text.contains("stem_stride"), "\(format)")
        }
        // A stride-1 stem is kept by every format; the string formats say timm and TF lose it.
        var strideOne = network
        strideOne.stemStride = 1
        for format in [ExportFormat.json, .timm, .tf] {
            let text = try Export.render(strideOne, trial: summary, run: status.run, format: format)
            #expect(try ArchitectureFile.decode(text, name: network.name) == strideOne, "\(format)")
            #expect(text.contains("# stem-stride 1: timm and TF block strings cannot express it") == (format != .json))
        }
        let markdown = try Export.render(network, trial: summary, run: status.run, format: .markdown)
        #expect(markdown.contains("| stage | operator |"))
        #expect(throws: SearchError.self) { try Export.trial(RunLocation(run: directory), selector: "99") }
        #expect(throws: SearchError.self) { try Export.trial(RunLocation(run: directory), selector: "first") }
    }

    @Test func everyStrategyRunsThroughTheLoop() throws {
        for strategy in ["reinforce", "random", "evolution"] {
            let directory = Fixtures.temporaryDirectory()
            try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText,
                              config: try Fixtures.config(trials: 10, strategy: strategy), evaluator: FakeEvaluator()).run()
            let status = try RunStatus.load(RunLocation(run: directory))
            #expect(status.finished == 10 && status.run.strategy == strategy)
        }
    }
}

/// Fails every third trial.
struct FailingEvaluator: TrialEvaluator {
    func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        if job.trial % 3 == 1 { throw EvaluationFailure("diverged (test)") }
        return TrialMeasurement(accuracy: Fixtures.accuracy(job.network))
    }
}

@Suite struct MeasuredRewardTests {
    /// With the latency or training-aware metric and an evaluator that measures nothing, the
    /// loop measures with SwiftNAS's own kernels and stores the measurement with the trial.
    @Test(arguments: [("latency", "2ms", "latency_ms"), ("training-aware", "0.05s", "step_seconds")])
    func theLoopMeasuresWhatTheMetricNeeds(_ metric: String, _ target: String, _ key: String) throws {
        var options = SearchOptions()
        options.trials = 2
        options.batch = 2
        options.workers = 1
        options.metric = .init(rawValue: metric)
        options.target = target
        let config = try options.config(space: Fixtures.space, spaceFile: "tiny.yaml")
        let directory = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: config, evaluator: FakeEvaluator()).run()
        for trial in try RunStatus.load(RunLocation(run: directory)).trials {
            let components = try #require(trial.components)
            let measured = try #require(components[key])
            #expect(measured > 0 && measured.isFinite)
            #expect(trial.state == .complete && (trial.reward ?? 0) > 0)
        }
    }

    /// `--controller FIELD=VALUE` sets any controller field, checked like a stored config.
    @Test func controllerFieldsAreSetAndChecked() throws {
        var options = SearchOptions()
        options.policy = .lstm
        options.controllerFields = ["biasLearningRate=0.1", "hiddenSize=50", "normalizeAdvantage=false"]
        let controller = try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").controller
        #expect(controller.biasLearningRate == 0.1 && controller.hiddenSize == 50 && !controller.normalizeAdvantage)
        #expect(controller.learningRate == ControllerConfig.recommended(policy: .lstm).learningRate)
        for bad in ["speed=3", "learningRate", "learningRate=-1", "hiddenSize=many"] {
            options.controllerFields = [bad]
            #expect(throws: SearchError.self, "\(bad)") { try options.config(space: Fixtures.space, spaceFile: "tiny.yaml") }
        }
        // The absolute reward from the command line.
        options = SearchOptions()
        options.preset = .absolute
        let reward = try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").reward
        #expect(reward.form == .absolute && reward.beta == -0.1)
    }

    @Test func targetsNeedTheMetricsUnit() throws {
        var options = SearchOptions()
        options.target = "75ms"
        #expect {
            try options.config(space: Fixtures.space, spaceFile: "tiny.yaml")
        } throws: { error in "\(error)".contains("wrong unit for metric macs") }
        options.metric = .latency
        #expect(try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").reward.target == 75)
        options.target = "400Q"
        #expect(throws: SearchError.self) { try options.config(space: Fixtures.space, spaceFile: "tiny.yaml") }
        options = SearchOptions()
        options.target = "400M"
        options.preset = .hard
        let hard = try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").reward
        #expect(hard.target == 400e6 && hard.alpha == 0 && hard.beta == -1)
        options.policy = .softmax
        #expect(try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").controller == .recommended(policy: .softmax))
    }

    /// New searches get the measured policy and settings; a stored configuration without the
    /// newer fields keeps meaning what it meant when it was written (the old LSTM).
    @Test func newRunsGetTheRecommendedControllerOldConfigsKeepTheirs() throws {
        let fresh = try SearchOptions().config(space: Fixtures.space, spaceFile: "tiny.yaml").controller
        #expect(fresh == .recommended(policy: ControllerConfig.recommendedPolicy) && fresh.policy == .softmax)
        var options = SearchOptions()
        options.policy = .lstm
        let lstm = try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").controller
        #expect(lstm.biasLearningRate == 0.1 && lstm.ppoEpochs == 2)
        // The LSTM as it was before: its optional fields unset.
        options.controllerFields = ["ppoEpochs=none", "biasLearningRate=none"]
        #expect(try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").controller == ControllerConfig())
        let old = try JSONDecoder().decode(ControllerConfig.self, from: Data(#"{"strategy":"reinforce","learningRate":0.003}"#.utf8))
        #expect(old == ControllerConfig() && old.policy == .lstm && old.biasLearningRate == nil && old.ppoEpochs == nil)
    }
}
