import Foundation
import Testing

/// `nas status` (and the exports of the run it shows), in the serialized `SearchCommandTests`
/// suite, whose setup and evaluator they share.
extension SearchCommandTests {
    @Test func statusAndExportsRebuildWithArch() throws {
        let setup = try Setup()
        let run = setup.run("done")
        let search = try Nas.run(["search", "--space", setup.space, "--run", run, "--evaluator", setup.evaluator, "--trials", "4", "--workers", "4"])
        #expect(search.status == 0, "\(search.stderr)")
        #expect(search.stderr.contains("search finished"))
        let status = try Nas.run(["status", run])
        #expect(status.stdout.contains("4/4 sampled trials finished") && status.stdout.contains("best: trial"), "\(status.stdout)")
        let json = try JSONSerialization.jsonObject(with: Data(try Nas.run(["status", run, "--json"]).stdout.utf8)) as! [String: Any]
        #expect(Set(json.keys).isSuperset(of: ["run", "trials", "best"]))
        let trial = (json["trials"] as! [[String: Any]])[0]
        #expect(Set(trial.keys).isSuperset(of: ["id", "state", "arch", "macs", "params", "accuracy", "reward"]))
        #expect(trial["arch"] is [[String]])
        var timmLines: [String] = []
        for format in ["json", "timm", "tf"] {
            let file = setup.run("best.\(format)")
            let export = try Nas.run(["export", run, "--format", format, "--output", file])
            #expect(export.status == 0, "\(export.stderr)")
            let arch = try Nas.run(["arch", file, "--format", "timm"])
            #expect(arch.status == 0, "\(format): \(arch.stderr)")
            timmLines.append(arch.stdout)
            let overwrite = try Nas.run(["export", run, "--format", format, "--output", file])
            #expect(overwrite.status != 0 && overwrite.stderr.contains("--force"))
        }
        #expect(Set(timmLines).count == 1)
        let markdown = try Nas.run(["export", run, "--format", "markdown", "--trial", "0"])
        #expect(markdown.stdout.contains("trial 0 of run done"))
        // A command evaluator's trials keep no weights: ONNX is refused, with what to do instead.
        let onnx = try Nas.run(["export", run, "--format", "onnx", "--output", setup.run("best.onnx")])
        #expect(onnx.status != 0 && onnx.stderr.contains("kept no weights") && onnx.stderr.contains("nas train ARCH --out DIR"), "\(onnx.stderr)")
        let keep = try Nas.run(["search", "--space", setup.space, "--run", setup.run("keep"), "--evaluator", setup.evaluator, "--keep-weights"])
        #expect(keep.status != 0 && keep.stderr.contains("--keep-weights needs the built-in trainer"), "\(keep.stderr)")
    }
}
