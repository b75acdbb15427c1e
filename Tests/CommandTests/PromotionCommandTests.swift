import Foundation
import NASTestSupport
import Testing

/// `nas search --promote` as a user runs it, with a command evaluator that reads its budget.
@Suite(.serialized) struct PromotionCommandTests {
    /// Accuracy: a hash of the architecture, blurred less the more steps the budget gives.
    static let evaluator = """
        import hashlib, json, sys
        job = json.load(sys.stdin)
        digest = hashlib.sha256(json.dumps(job["arch"]).encode()).digest()
        assert job["rung"] == {5: 0, 20: 1, 40: 2}[job["budget"]["steps"]], job
        print(json.dumps({"accuracy": 0.3 + digest[0] / 512 + 0.2 * (job["seed"] % 100) / 100 / job["budget"]["steps"]}))
        """

    @Test func aSearchPromotesItsBestAndExportsThem() throws {
        let setup = try SearchCommandTests.Setup(evaluator: Self.evaluator)
        let run = setup.run("promoted")
        let search = try Nas.run(["search", "--space", setup.space, "--run", run, "--evaluator", setup.evaluator, "--trials", "8",
                                  "--promote", "top=0.5,steps=20", "--promote", "top=0.5,seeds=2,steps=40", "--workers", "2", "--quiet"])
        #expect(search.status == 0, "\(search.stderr)")
        let status = try Nas.run(["status", run])
        #expect(status.stdout.contains("promotion: rung 1 (steps=20)") && status.stdout.contains("'s architecture at rung 2 (steps=40)"), "\(status.stdout)")
        let exported = try Nas.run(["export", run, "--trial", "promoted", "--format", "json"])
        #expect(exported.status == 0 && exported.stdout.contains("\"rung\" : 2"), "\(exported.stderr)")
        let bad = try Nas.run(["search", "--space", setup.space, "--run", setup.run("bad"), "--promote", "top=2,steps=9"])
        #expect(bad.status != 0 && bad.stderr.contains("top must be a fraction"))
        let none = try Nas.run(["export", setup.run("promoted"), "--trial", "nothing", "--format", "json"])
        #expect(none.status != 0 && none.stderr.contains("'promoted'"))
    }
}
