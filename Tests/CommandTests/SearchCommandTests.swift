import Foundation
import NASTestSupport
import Testing

/// Whole-command tests of search and resume, with a fast external evaluator (status and the
/// exports of a finished run: StatusCommandTests.swift).
@Suite(.serialized) struct SearchCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The search tests' small space (scored by a fake evaluator, so "training" is instant).
    static let space = try! String(
        contentsOf: root.appendingPathComponent("Tests/Support/Fixtures/tiny.yaml"), encoding: .utf8)

    /// Accuracy is a hash of the architecture (so resumed and uninterrupted runs can be
    /// compared exactly); each trial takes 0.1–0.3 s so kills land mid-trial.
    static let evaluator = """
        import hashlib, json, sys, time
        job = json.load(sys.stdin)
        time.sleep(0.1 + (job["seed"] % 3) * 0.1)
        digest = hashlib.sha256(json.dumps(job["arch"]).encode()).digest()
        print(json.dumps({"accuracy": 0.5 + digest[0] / 512}))
        """

    struct Setup {
        let folder: TemporaryDirectory
        let space: String
        let evaluator: String
        init(evaluator script: String = SearchCommandTests.evaluator) throws {
            folder = try TemporaryDirectory()
            space = try folder.write("tiny.yaml", SearchCommandTests.space).path
            evaluator = "python3 " + (try folder.write("evaluate.py", script).path)
        }
        func run(_ name: String) -> String { folder.url.appendingPathComponent(name).path }
    }

    /// Every trial's id, architecture, decisions and reward, from `nas status --json`.
    static func sequence(_ run: String) throws -> [String] {
        let result = try Nas.run(["status", run, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let trials = object["trials"] as! [[String: Any]]
        return trials.map { trial in
            let decisions = (trial["decisions"] as? [String: String] ?? [:]).sorted { $0.key < $1.key }
            return "\(trial["id"]!) \(trial["state"]!) \(trial["arch"]!) \(decisions) \(trial["reward"] ?? "-")"
        }
    }

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = Nas.executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// kill -9 at arbitrary moments, then resume with other worker counts: nothing completed
    /// is lost, interrupted trials re-run, and the trials equal an uninterrupted run's.
    @Test func killNineAndResumeMatchesAnUninterruptedRun() throws {
        let setup = try Setup()
        let reference = setup.run("reference")
        let full = try Nas.run(["search", "--space", setup.space, "--run", reference, "--evaluator", setup.evaluator,
                                "--workers", "1", "--seed", "3", "--trials", "16", "--quiet"])
        #expect(full.status == 0, "\(full.stderr)")
        let expected = try Self.sequence(reference)
        #expect(expected.count == 16 + Fixtures.defaultLeaders)  // the leader's evaluations too

        var sawInterruptedTrial = false
        for (index, plan) in [(workers: 3, kills: [0.7, 0.9]), (workers: 2, kills: [1.3]), (workers: 4, kills: [0.4, 0.5, 0.6])].enumerated() {
            let run = setup.run("killed\(index)")
            var arguments = ["search", "--space", setup.space, "--run", run, "--evaluator", setup.evaluator,
                             "--workers", String(plan.workers), "--seed", "3", "--trials", "16", "--quiet"]
            for delay in plan.kills {
                let process = try Self.start(arguments)
                Thread.sleep(forTimeInterval: delay)
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                arguments = ["resume", run, "--workers", String(plan.workers % 3 + 1), "--quiet"]
                let status = try JSONSerialization.jsonObject(with: Data(try Nas.run(["status", run, "--json"]).stdout.utf8)) as? [String: Any]
                let counts = status?["counts"] as? [String: Int] ?? [:]
                if (counts["running"] ?? 0) > 0 { sawInterruptedTrial = true }
            }
            let resumed = try Nas.run(["resume", run, "--workers", "2"])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let got = try Self.sequence(run)
            let firstDifference = zip(got, expected).first { $0 != $1 }
            #expect(got == expected, "plan \(index): \(got.count) trials; first difference \(String(describing: firstDifference))")
        }
        #expect(sawInterruptedTrial, "no kill landed while a trial was running")
    }

    /// Ctrl-C (or SIGTERM) stops at once with a hint; resume finishes the run.
    @Test func interruptSaysHowToContinue() throws {
        let setup = try Setup()
        let run = setup.run("interrupted")
        let process = Process()
        process.executableURL = Nas.executable
        process.arguments = ["search", "--space", setup.space, "--run", run, "--evaluator", setup.evaluator, "--workers", "2"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.2)
        kill(process.processIdentifier, SIGINT)
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 130)
        #expect(stderr.contains("continue with `nas resume \(run)`"), "\(stderr)")
        let resumed = try Nas.run(["resume", run, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let status = try Nas.run(["status", run])
        #expect(status.stdout.contains("12/12 sampled trials finished"), "\(status.stdout)")
    }

    @Test func aSecondProcessOnTheSameRunIsRefused() throws {
        let setup = try Setup()
        let run = setup.run("busy")
        let first = try Self.start(["search", "--space", setup.space, "--run", run, "--evaluator", setup.evaluator, "--quiet"])
        defer {
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
        }
        var second = CommandResult(status: 0, stdout: "", stderr: "")
        for _ in 0..<50 {  // wait until the first has created the run
            Thread.sleep(forTimeInterval: 0.1)
            second = try Nas.run(["resume", run])
            if second.stderr.contains("in use") { break }
        }
        #expect(second.status != 0)
        #expect(second.stderr.contains("is in use by another process (pid \(first.processIdentifier)"), "\(second.stderr)")
        #expect(second.stderr.split(separator: "\n").count == 1)
        let again = try Nas.run(["search", "--space", setup.space, "--run", run, "--evaluator", setup.evaluator])
        #expect(again.status != 0 && again.stderr.contains("never overwrites"))
    }

    @Test func badInputsAreRefusedWithOneLineAndNothingWritten() throws {
        let setup = try Setup()
        let run = setup.run("never")
        let bad = try setup.folder.write("bad.yaml", Self.space.replacingOccurrences(of: "kernel: [3, 5]", with: "kernal: [3, 5]"))
        let cases: [([String], String)] = [
            (["--space", bad.path, "--evaluator", setup.evaluator], "bad.yaml:"),
            (["--space", setup.space, "--evaluator", "no-such-evaluator-program"], "is not a program on PATH"),
            (["--space", setup.space, "--data", "/nonexistent"], "cannot load the proxy dataset"),
            (["--space", setup.space, "--target", "400Q", "--evaluator", setup.evaluator], "--target"),
            (["--space", setup.space, "--trials", "0"], "--trials"),
        ]
        for (arguments, message) in cases {
            let result = try Nas.run(["search", "--run", run] + arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            // One line (ArgumentParser adds its usage lines to a refused option).
            #expect(result.stderr.hasPrefix("Error: "), "\(result.stderr)")
            #expect(result.stderr.contains("Usage:") || result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
            #expect(!FileManager.default.fileExists(atPath: run), "\(arguments) created the run folder")
        }
        // A corrupt log and a stranger's folder.
        let corrupt = setup.run("corrupt")
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        try Data(repeating: 7, count: 4096).write(to: URL(fileURLWithPath: corrupt + "/trials.sqlite"))
        for command in [["resume", corrupt], ["status", corrupt], ["export", corrupt, "--format", "json"]] {
            let result = try Nas.run(command)
            #expect(result.status != 0 && result.stderr.contains("not a SQLite database"), "\(command): \(result.stderr)")
        }
        let empty = try Nas.run(["status", setup.folder.url.path])
        #expect(empty.status != 0 && empty.stderr.contains("not a SwiftNAS run folder"))
    }

    /// Timeouts, crashes and unreadable output fail their trial with the reason; the search
    /// finishes.
    @Test func evaluatorFailuresFailTheirTrialOnly() throws {
        let setup = try Setup()
        let flaky = try setup.folder.write("flaky.py", """
            import json, sys, time
            job = json.load(sys.stdin)
            kind = job["trial"] % 4
            if kind == 1: time.sleep(30)
            if kind == 2: sys.stderr.write("CUDA out of memory\\n"); sys.exit(3)
            if kind == 3: print("accuracy is high"); sys.exit(0)
            print(json.dumps({"accuracy": 0.75, "latency_ms": 3.5}))
            """)
        let run = setup.run("flaky")
        let result = try Nas.run(["search", "--space", setup.space, "--run", run, "--evaluator", "python3 \(flaky.path)",
                                  "--timeout", "3", "--trials", "8", "--workers", "4", "--leader-evaluations", "0"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(try Nas.run(["status", run, "--json"]).stdout.utf8)) as! [String: Any]
        let trials = object["trials"] as! [[String: Any]]
        #expect(trials.count == 8)
        for trial in trials {
            let id = trial["id"] as! Int
            let failure = trial["failure"] as? String ?? ""
            switch id % 4 {
            case 0:
                #expect(trial["state"] as? String == "complete")
                #expect((trial["components"] as? [String: Double])?["latency_ms"] == 3.5)
            case 1: #expect(failure.contains("timed out after 3 s"), "\(failure)")
            case 2: #expect(failure.contains("status 3") && failure.contains("CUDA out of memory"), "\(failure)")
            default: #expect(failure.contains("expected one JSON object"), "\(failure)")
            }
        }
    }

    /// The quickstart with the built-in trainer, cut short: search (keeping weights), export,
    /// rebuild, train; the best trial's kept model exports as ONNX that onnx's checker passes.
    @Test func quickstartRunsEndToEndWithTheBuiltinTrainer() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") else {
            Issue.record("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
            return
        }
        let setup = try Setup()
        let run = setup.run("quickstart")
        let space = Self.root.appendingPathComponent("SearchSpaces/quickstart.yaml").path
        let search = try Nas.run(["search", "--space", space, "--run", run, "--trials", "4", "--steps", "8", "--workers", "2", "--keep-weights"])
        #expect(search.status == 0, "\(search.stderr)")
        // Every trial kept its model folder, and nothing partial is left.
        let models = try FileManager.default.contentsOfDirectory(atPath: run + "/models")
        let trials = (try JSONSerialization.jsonObject(with: Data(try Nas.run(["status", run, "--json"]).stdout.utf8)) as? [String: Any])?["trials"] as? [[String: Any]] ?? []
        #expect(trials.count >= 4 && Set(models) == Set(trials.compactMap { $0["id"] as? Int }.map { "trial-\($0)" }), "\(models)")
        let onnx = setup.run("best.onnx")
        let export = try Nas.run(["export", run, "--format", "onnx", "--output", onnx])
        #expect(export.status == 0 && export.stderr.contains("input image [N, 1, 28, 28]"), "\(export.stderr)")
        let check = try ONNXExportTests.python([
            ONNXExportTests.root.appendingPathComponent("Benchmarks/onnx/check.py").path, onnx, "--limit", "200",
        ])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        let best = setup.run("best.json")
        #expect(try Nas.run(["export", run, "--format", "json", "--output", best]).status == 0)
        #expect(try Nas.run(["arch", best]).status == 0)
        let train = try Nas.run(["train", best, "--steps", "5", "--batch", "16", "--resolution", "32", "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("val_accuracy"))
    }
}
