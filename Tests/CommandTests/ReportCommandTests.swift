import Foundation
import Testing

/// `nas report` on a run made by `nas search` (and `nas scale`, in ScaleCommandTests.swift).
@Suite struct ReportCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Accuracy from a hash of the architecture; instant.
    static let evaluator = """
        import hashlib, json, sys
        job = json.load(sys.stdin)
        digest = hashlib.sha256(json.dumps(job["arch"]).encode()).digest()
        print(json.dumps({"accuracy": 0.5 + digest[0] / 512}))
        """

    @Test func reportWritesTheRunsPageAndRefusesToOverwriteOtherFiles() throws {
        let folder = try TemporaryDirectory()
        let space = Self.root.appendingPathComponent("Tests/Support/Fixtures/tiny.yaml").path
        let evaluator = "python3 " + (try folder.write("evaluate.py", Self.evaluator).path)
        let run = folder.url.appendingPathComponent("run").path
        let search = try Nas.run(["search", "--space", space, "--run", run, "--evaluator", evaluator, "--trials", "8", "--workers", "2"])
        #expect(search.status == 0, "\(search.stderr)")

        let first = try Nas.run(["report", run])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("wrote \(run)/report.html"))
        let page = try String(contentsOfFile: run + "/report.html", encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg") && page.hasSuffix("</html>\n"))
        #expect(page.components(separatedBy: "<svg").count == page.components(separatedBy: "</svg>").count)
        // The run's own report is replaced freely.
        #expect(try Nas.run(["report", run]).status == 0)

        let output = folder.url.appendingPathComponent("elsewhere.html").path
        #expect(try Nas.run(["report", run, "--output", output]).status == 0)
        #expect(FileManager.default.fileExists(atPath: output))
        _ = try folder.write("elsewhere.html", "mine")
        let refused = try Nas.run(["report", run, "--output", output])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("exists; pass --force to overwrite it"))
        #expect(try String(contentsOfFile: output, encoding: .utf8) == "mine")
        #expect(try Nas.run(["report", run, "--output", output, "--force"]).status == 0)
        #expect(try String(contentsOfFile: output, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))

        // Not a run: one line, nothing written.
        let notARun = try Nas.run(["report", folder.url.path])
        #expect(notARun.status != 0 && notARun.stderr.hasPrefix("Error: "))
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("report.html").path))
    }
}
