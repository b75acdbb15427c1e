import Foundation
import NASTestSupport
import Testing

/// `nas scale ARCH --search` as a user runs it: a coefficient search in a run folder, killed
/// and resumed, then read by status and report.
@Suite(.serialized) struct ScaleSearchCommandTests {
    /// Accuracy: a smooth function of the recipe's depth, width and resolution (best at depth
    /// 1.2, width 1.2, 38 px) with a little seed noise.
    static let evaluator = """
        import json, sys, time
        job = json.load(sys.stdin)
        time.sleep(0.05 + (job["seed"] % 3) * 0.05)
        b = job["budget"]
        score = 0.8 - (b["depth"] - 1.2) ** 2 - (b["width"] - 1.2) ** 2 - ((b["resolution"] - 38) / 40) ** 2
        print(json.dumps({"accuracy": max(0.0, min(1.0, score + 0.002 * (job["seed"] % 5)))}))
        """

    @Test func aCoefficientSearchRunsResumesAfterKillNineAndReportsItsChoice() throws {
        let setup = try SearchCommandTests.Setup(evaluator: Self.evaluator)
        let common = ["efficientnet-b0", "--search", "--space", setup.space, "--evaluator", setup.evaluator,
                      "--grid", "step=0.2,tolerance=0.15,max=1.6", "--seeds", "2", "--workers", "2", "--quiet"]
        let reference = setup.run("reference")
        let full = try Nas.run(["scale", "--run", reference] + common)
        #expect(full.status == 0, "\(full.stderr)")
        #expect(full.stdout.contains("coefficient search on efficientnet-b0:") && full.stdout.contains("chosen: α"), "\(full.stdout)")
        #expect(full.stdout.contains("EfficientNet's α 1.20 β 1.10 γ 1.15: accuracy"), "\(full.stdout)")

        let killed = setup.run("killed")
        let process = try SearchCommandTests.start(["scale", "--run", killed] + common)
        Thread.sleep(forTimeInterval: 0.8)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try Nas.run(["resume", killed, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try FidelityCommandTests.studyLines(killed) == (try FidelityCommandTests.studyLines(reference)))
        let status = try Nas.run(["status", killed])
        #expect(status.stdout.contains("coefficient search") && status.stdout.contains("family: φ1"), "\(status.stdout)")

        let page = setup.run("report.html")
        let report = try Nas.run(["report", killed, "--output", page])
        let html = (try? String(contentsOfFile: page, encoding: .utf8)) ?? ""
        #expect(report.status == 0 && html.contains("Compound coefficients</h2>") && html.contains("<strong>chosen</strong>"), "\(report.stderr)")
        #expect(html.contains("efficientnet-b7"))
    }

    @Test func searchOptionsAreCheckedInOneLine() throws {
        let setup = try SearchCommandTests.Setup(evaluator: Self.evaluator)
        for (arguments, message) in [
            (["scale", "efficientnet-b0", "--grid", "step=0.1"], "go with --search"),
            (["scale", "efficientnet-b0", "--search", "--run", setup.run("a")], "needs --run and --space"),
            (["scale", "efficientnet-b0", "--search", "--space", setup.space, "--run", setup.run("b"), "--seeds", "11"], "--seeds must be from 1 to 10"),
            (["scale", "efficientnet-b0", "--search", "--space", setup.space, "--run", setup.run("c"), "--grid", "size=3"], "--grid"),
            (["scale", "efficientnet-b0", "--coefficients", "1.2,1.1"], "coefficients"),
        ] {
            let result = try Nas.run(arguments)
            #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // --non-uniform trains each deeper point's late twin too: another network, same recipe's width.
        let late = try Nas.run(["scale", "efficientnet-b0", "--search", "--non-uniform", "--space", setup.space, "--run", setup.run("late"),
                                "--evaluator", setup.evaluator, "--grid", "step=0.5,tolerance=0.3,max=2", "--seeds", "1", "--quiet"])
        #expect(late.status == 0 && late.stdout.contains("grid points done") && late.stdout.contains("6/6"), "\(late.stdout) \(late.stderr)")
        #expect(try FidelityCommandTests.studyLines(setup.run("late")).count == 6)
        let family = try Nas.run(["scale", "efficientnet-b0", "--coefficients", "1.2,1.1,1.15", "--phi", "3"])
        #expect(family.status == 0 && family.stdout.contains("efficientnet-b0-phi3") == false && family.stdout.contains("phi3"), "\(family.stdout)")
    }
}
