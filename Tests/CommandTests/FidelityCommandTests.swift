import Foundation
import NASTestSupport
import Testing

/// `nas fidelity` as a user runs it: a study in a run folder, killed and resumed, then read.
@Suite(.serialized) struct FidelityCommandTests {
    /// Accuracy: a hash of the architecture, blurred more the fewer steps the budget gives.
    static let evaluator = """
        import hashlib, json, sys, time
        job = json.load(sys.stdin)
        time.sleep(0.05 + (job["seed"] % 3) * 0.05)
        digest = hashlib.sha256(json.dumps(job["arch"]).encode()).digest()
        blur = 0.2 * (job["seed"] % 100) / 100 / job["budget"]["steps"]
        print(json.dumps({"accuracy": 0.3 + digest[0] / 512 + blur}))
        """

    static func studyLines(_ run: String) throws -> [String] {
        let result = try Nas.run(["status", run, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        return (object["trials"] as! [[String: Any]]).map { "\($0["id"]!) \($0["batch"]!) \($0["arch"]!) \($0["accuracy"] ?? "-")" }
    }

    @Test func aStudyRunsResumesAfterKillNineAndReportsItsRanking() throws {
        let setup = try SearchCommandTests.Setup(evaluator: Self.evaluator)
        let common = ["--space", setup.space, "--evaluator", setup.evaluator, "--candidates", "4", "--budget", "steps=2",
                      "--reference", "steps=50", "--seeds", "2", "--reference-seeds", "2", "--workers", "2"]
        let reference = setup.run("reference")
        let full = try Nas.run(["fidelity", "--run", reference, "--json", "--quiet"] + common)
        #expect(full.status == 0, "\(full.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(full.stdout.utf8)) as! [String: Any]
        let budgets = result["budgets"] as! [[String: Any]]
        #expect(budgets.map { $0["label"] as! String } == ["proxy", "steps=2", "reference steps=50"])
        #expect(budgets.allSatisfy { ($0["complete"] as! Int) == 8 })
        #expect((budgets[0]["fidelity"] as! [String: Any])["kendall"] is Double && result["macs_kendall"] is Double)

        let killed = setup.run("killed")
        let process = try SearchCommandTests.start(["fidelity", "--run", killed, "--quiet"] + common)
        Thread.sleep(forTimeInterval: 0.8)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try Nas.run(["resume", killed, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.studyLines(killed) == (try Self.studyLines(reference)))

        let status = try Nas.run(["status", killed])
        #expect(status.stdout.contains("fidelity study: 4 correlation candidates") && status.stdout.contains("reference steps=50"))
        let refused = try Nas.run(["resume", killed, "--trials", "40"])
        #expect(refused.status != 0 && refused.stderr.contains("a fidelity study's trials are its plan's"))
        let bad = try Nas.run(["fidelity", "--run", setup.run("bad")] + common.dropLast(2) + ["--reference", "colour=red"])
        #expect(bad.status != 0 && bad.stderr.split(separator: "\n").count == 1 && bad.stderr.contains("colour"))
    }
}
