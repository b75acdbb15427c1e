import Foundation
import NASTestSupport
import Testing

/// `nas search --weight-sharing` on the quickstart space, cut short (issue 19).
@Suite(.serialized) struct WeightSharingCommandTests {
    typealias Setup = SearchCommandTests.Setup
    static let quickstart = SearchCommandTests.root.appendingPathComponent("SearchSpaces/quickstart.yaml").path
    static let options = [
        "--weight-sharing", "--shared-steps", "60", "--warmup", "0.5", "--update-every", "5", "--checkpoint-every", "7",
        "--seed", "3", "--verify", "top=1,random=3,seeds=2,random-seeds=1,images=300,steps=6", "--quiet",
    ]

    static var hasData: Bool {
        FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
    }

    /// kill -9 at random moments, resumed each time: the trials (architectures, decisions and
    /// shared-weights rewards) and the final checkpoint — supernet weights, optimizer,
    /// controller and samplers — are byte for byte an uninterrupted run's.
    @Test func killsAndResumesGiveTheUninterruptedSearch() throws {
        guard Self.hasData else {
            Issue.record("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
            return
        }
        let setup = try Setup()
        let reference = setup.run("reference")
        let full = try Nas.run(["search", "--space", Self.quickstart, "--run", reference] + Self.options)
        #expect(full.status == 0, "\(full.stderr)")
        let expected = try SearchCommandTests.sequence(reference)
        // 6 updates of 4 scored, 5 verified (the found, 1 best-scored, 3 random) scored with
        // the final shared weights, and 2 + 2 + 3 stand-alone trainings.
        #expect(expected.count == 24 + 5 + 7)
        let status = try Nas.run(["status", reference])
        #expect(status.stdout.contains("weight sharing: 60/60 shared-weight steps (30 warm-up), 6 controller updates"), "\(status.stdout)")
        #expect(status.stdout.contains("found (the policy's most likely): trial 24's architecture: stand-alone mean reward"), "\(status.stdout)")
        #expect(status.stdout.contains("shared weights vs stand-alone: Kendall τ") && status.stdout.contains("over 5 architectures"), "\(status.stdout)")
        // `best` is what the policy found.
        let best = try Nas.run(["export", reference, "--format", "json"])
        #expect(best.stdout.contains("\"name\" : \"reference-trial24\""), "\(best.stdout.prefix(300))")
        let page = setup.run("report.html")
        let report = try Nas.run(["report", reference, "--output", page])
        let html = (try? String(contentsOfFile: page, encoding: .utf8)) ?? ""
        #expect(report.status == 0 && html.contains("Weight sharing</h2>") && html.contains("found: trial #24"), "\(report.stderr)")
        // Rescoring with the run's own supernet and batch norm reproduces its scores; with
        // recalibrated statistics it scores again and changes nothing in the run.
        let same = try Nas.run(["rescore", reference])
        let tau = status.stdout.split(separator: "\n").first { $0.hasPrefix("shared weights vs stand-alone") }.map(String.init) ?? "?"
        let value = tau.components(separatedBy: "Kendall τ ").dropFirst().first?.prefix(5) ?? "?"
        #expect(same.status == 0 && same.stdout.contains("run Kendall τ \(value)") && same.stdout.contains("now Kendall τ \(value)"), "\(same.stdout) \(same.stderr)")
        let recalibrated = try Nas.run(["rescore", reference, "--score-batch-norm", "recalibrate", "--json"])
        #expect(recalibrated.status == 0 && recalibrated.stdout.contains("\"kendall\""), "\(recalibrated.stderr)")
        #expect(try SearchCommandTests.sequence(reference) == expected)
        let run = setup.run("killed")
        var kills = 0
        var process = try SearchCommandTests.start(["search", "--space", Self.quickstart, "--run", run] + Self.options)
        // The first kill once the supernet trains (before, there may be no run to resume).
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: run + "/supernet.checkpoint") && process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        while true {
            // A resume spends about a second loading the data before it trains.
            Thread.sleep(forTimeInterval: Double.random(in: kills == 0 ? 0...0.5 : 0.5...2.5))
            if !process.isRunning { break }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += 1
            if kills == 6 { break }
            process = try SearchCommandTests.start(["resume", run, "--quiet"])
        }
        process.waitUntilExit()
        let finished = try Nas.run(["resume", run, "--quiet"])
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try SearchCommandTests.sequence(run) == expected, "after \(kills) kills")
        let checkpoint = { (run: String) in FileManager.default.contents(atPath: run + "/supernet.checkpoint") }
        #expect(checkpoint(run) != nil && checkpoint(run) == checkpoint(reference), "after \(kills) kills")
    }

    /// The sandwich rule trains the largest and smallest networks beside each path: the same
    /// seed gives the same search, and not the plain one's.
    @Test func sandwichStepsAreReproducibleAndChangeTheScores() throws {
        guard Self.hasData else {
            Issue.record("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
            return
        }
        let setup = try Setup()
        let options = ["--weight-sharing", "--shared-steps", "12", "--warmup", "0.5", "--update-every", "3", "--seed", "5",
                       "--verify", "none", "--quiet"]
        var runs: [[String]] = []
        for (name, extra) in [("sandwich", ["--sandwich"]), ("again", ["--sandwich"]), ("plain", [])] {
            let result = try Nas.run(["search", "--space", Self.quickstart, "--run", setup.run(name)] + options + extra)
            #expect(result.status == 0, "\(result.stderr)")
            runs.append(try SearchCommandTests.sequence(setup.run(name)))
        }
        #expect(runs[0].count == 2 * 4 && runs[0] == runs[1])
        #expect(runs[0] != runs[2])
    }

    @Test func weightSharingOptionsNeedTheFlagAndASpaceWithOneOperatorPerBlock() throws {
        let setup = try Setup()
        let stray = try Nas.run(["search", "--space", Self.quickstart, "--run", setup.run("a"), "--shared-steps", "10"])
        #expect(stray.status != 0 && stray.stderr.contains("go with --weight-sharing"), "\(stray.stderr)")
        let sandwich = try Nas.run(["search", "--space", Self.quickstart, "--run", setup.run("s"), "--sandwich"])
        #expect(sandwich.status != 0 && sandwich.stderr.contains("go with --weight-sharing"), "\(sandwich.stderr)")
        let mnasnet = SearchCommandTests.root.appendingPathComponent("SearchSpaces/mnasnet.yaml").path
        let refused = try Nas.run(["search", "--space", mnasnet, "--run", setup.run("b"), "--weight-sharing", "--data", "/nonexistent"])
        #expect(refused.status != 0 && refused.stderr.contains("one operator per block"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
        let missing = try Nas.run(["rescore", setup.run("none")])
        #expect(missing.status != 0 && missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
    }
}
