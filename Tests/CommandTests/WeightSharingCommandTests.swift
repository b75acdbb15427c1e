import Foundation
import NASTestSupport
import Testing

/// `nas search --weight-sharing` on the quickstart space, cut short (issue 19).
@Suite(.serialized) struct WeightSharingCommandTests {
    typealias Setup = SearchCommandTests.Setup
    static let quickstart = SearchCommandTests.root.appendingPathComponent("SearchSpaces/quickstart.yaml").path
    static let options = [
        "--weight-sharing", "--shared-steps", "60", "--warmup", "0.5", "--update-every", "5", "--checkpoint-every", "7",
        "--seed", "3", "--quiet",
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
        #expect(expected.count == 24)
        let run = setup.run("killed")
        var kills = 0
        var process = try SearchCommandTests.start(["search", "--space", Self.quickstart, "--run", run] + Self.options)
        while true {
            Thread.sleep(forTimeInterval: Double.random(in: 0.2...1.2))
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

    @Test func weightSharingOptionsNeedTheFlagAndASpaceWithOneOperatorPerBlock() throws {
        let setup = try Setup()
        let stray = try Nas.run(["search", "--space", Self.quickstart, "--run", setup.run("a"), "--shared-steps", "10"])
        #expect(stray.status != 0 && stray.stderr.contains("go with --weight-sharing"), "\(stray.stderr)")
        let mnasnet = SearchCommandTests.root.appendingPathComponent("SearchSpaces/mnasnet.yaml").path
        let refused = try Nas.run(["search", "--space", mnasnet, "--run", setup.run("b"), "--weight-sharing", "--data", "/nonexistent"])
        #expect(refused.status != 0 && refused.stderr.contains("one operator per block"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    }
}
