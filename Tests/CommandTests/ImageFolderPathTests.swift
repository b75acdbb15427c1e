import CPNG
import Foundation
import Testing

/// The README's three commands for a user's own images, end to end on a small dataset made
/// here: `nas search --data DIR`, `nas train RUN --trial best --out MODEL`, `nas export MODEL
/// --format onnx`; onnxruntime (Benchmarks/onnx/check.py) then reproduces `nas eval`'s logits
/// and every predicted class. Needs python3 with onnx and onnxruntime, as ONNXExportTests.
@Suite(.serialized) struct ImageFolderPathTests {
    static let space = SearchCommandTests.root.appendingPathComponent("SearchSpaces/quickstart.yaml").path

    /// DIR/<class>/NNN.png, 40 RGB images a class: a red disc, a blue square or green stripes
    /// at a random place on a noisy dark ground. Most are 20×20; every fifth is 24×24 and every
    /// fifth 16 wide and 20 high (the loader resamples them to the first image's 20×20).
    static func dataset(in folder: TemporaryDirectory, classes: [String] = ["circle", "square", "stripes"]) throws -> String {
        let root = folder.url.appendingPathComponent("shapes")
        var random = UInt64(20)
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int(random >> 33) % bound
        }
        for (label, name) in classes.enumerated() {
            let directory = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for index in 0..<40 {
                let (width, height) = index % 5 == 3 ? (24, 24) : index % 5 == 4 ? (16, 20) : (20, 20)
                let (cx, cy, r) = (width / 4 + next(width / 2), height / 4 + next(height / 2), 3 + next(3))
                var pixels: [UInt8] = []
                for y in 0..<height {
                    for x in 0..<width {
                        let inside = switch label % 3 {
                        case 0: (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
                        case 1: abs(x - cx) <= r && abs(y - cy) <= r
                        default: (y + cy) % 4 < 2
                        }
                        let color: [Int] = inside ? [[220, 40, 40], [40, 60, 220], [40, 200, 60]][label % 3] : [30, 30, 30]
                        pixels += color.map { UInt8(clamping: $0 + next(30) - 15) }
                    }
                }
                try png(pixels, width: width, height: height, to: directory.appendingPathComponent(String(format: "%03d.png", index)).path)
            }
        }
        return root.path
    }

    static func png(_ rgb: [UInt8], width: Int, height: Int, to path: String) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        (image.width, image.height, image.format) = (UInt32(width), UInt32(height), UInt32(PNG_FORMAT_RGB))
        guard rgb.withUnsafeBytes({ png_image_write_to_file(&image, path, 0, $0.baseAddress, 0, nil) }) != 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    static func object(_ result: CommandResult) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func searchTrainTheWinnerAndExportItAsONNXThatOnnxruntimeAgreesWith() throws {
        let probe = try ONNXExportTests.python(["-c", "import onnx, onnxruntime, numpy"])
        guard probe.status == 0 else {
            Issue.record("python3 cannot import onnx, onnxruntime and numpy (bash setup.sh test installs them): \(probe.stderr)")
            return
        }
        let folder = try TemporaryDirectory()
        let data = try Self.dataset(in: folder)
        func path(_ name: String) -> String { folder.url.appendingPathComponent(name).path }
        let cache = ["--cache", path("cache")]

        // 1. The search: the quickstart space, on these images instead of Fashion-MNIST.
        let search = try Nas.run(["search", "--space", Self.space, "--run", path("run"), "--data", data, "--trials", "4", "--batch", "2",
                                  "--steps", "8", "--leader-evaluations", "0", "--promote", "none", "--workers", "2", "--quiet"] + cache)
        #expect(search.status == 0, "\(search.stderr)")
        let best = Self.object(try Nas.run(["export", path("run"), "--format", "json"]))
        #expect(best["classes"] as? Int == 3 && best["channels"] as? Int == 3, "the networks are the images': \(best)")
        let trial = try #require(best["trial"] as? [String: Any])
        let (id, accuracy) = (try #require(trial["id"] as? Int), try #require(trial["accuracy"] as? Double))
        let loss = try #require((trial["components"] as? [String: Any])?["final_loss"] as? Double)

        // Without options a trial trains as the search trained it: the same data, recipe and seed.
        let again = try Nas.run(["train", path("run"), "--trial", "\(id)", "--json"] + cache)
        #expect(again.status == 0, "\(again.stderr)")
        let measured = Self.object(again)
        #expect(measured["val_accuracy"] as? Double == accuracy && measured["steps"] as? Int == 8)
        #expect((measured["final_loss"] as? Double).map(Float.init) == Float(loss), "\(measured) vs the trial's loss \(loss)")

        // 2. The winner at a longer budget, saved.
        let train = try Nas.run(["train", path("run"), "--trial", "best", "--steps", "60", "--out", path("model"), "--json"] + cache)
        #expect(train.status == 0, "\(train.stderr)")
        let trained = try #require(Self.object(train)["val_accuracy"] as? Double)
        #expect(trained > 0.6, "three colors should be easy: \(trained)")
        let eval = try Nas.run(["eval", path("model"), "--split", "val", "--json"] + cache)  // the model's own data
        #expect(eval.status == 0 && Self.object(eval)["accuracy"] as? Double == trained, "\(eval.stderr)")

        // 3. ONNX with the weights, checked on the training split's 108 images.
        let export = try Nas.run(["export", path("model"), "--format", "onnx", "--output", path("model.onnx")])
        #expect(export.status == 0 && export.stderr.contains("input image [N, 3, 20, 20] in [0, 1], logits [N, 3]"), "\(export.stderr)")
        let reference = try Nas.run(["eval", path("model"), "--split", "train", "--logits", path("logits.npy"), "--inputs", path("inputs.npy")] + cache)
        #expect(reference.status == 0, "\(reference.stderr)")
        let script = ONNXExportTests.root.appendingPathComponent("Benchmarks/onnx/check.py").path
        let check = try ONNXExportTests.python([script, path("model.onnx"), "--images", path("inputs.npy"), "--logits", path("logits.npy")])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        let result = Self.object(check)
        #expect(result["images"] as? Int == 108 && result["class_agreement"] as? Double == 1)
        #expect((result["max_relative_difference"] as? Double ?? 1) <= 1e-4)
        #expect((result["ops"] as? [String] ?? []).contains("Resize"))  // 20 → the proxy's 32
    }

    @Test func refusalsAreOneLine() throws {
        let folder = try TemporaryDirectory()
        func path(_ name: String) -> String { folder.url.appendingPathComponent(name).path }
        let one = try Self.dataset(in: folder, classes: ["circle"])
        let tiny = try folder.write("tiny.yaml", SearchCommandTests.space).path
        let study = try Nas.run(["fidelity", "--space", tiny, "--run", path("study"), "--evaluator", "dry-run", "--candidates", "4",
                                 "--budget", "steps=2", "--reference", "steps=4", "--seeds", "1", "--reference-seeds", "1", "--quiet"])
        #expect(study.status == 0, "\(study.stderr)")
        let searched = try Nas.run(["search", "--space", tiny, "--run", path("searched"), "--evaluator", "dry-run", "--trials", "2", "--quiet"])
        #expect(searched.status == 0, "\(searched.stderr)")
        let arch = try folder.write("net.arch", TrainCommandTests.tinyArch).path
        let cases: [([String], String)] = [
            (["search", "--space", Self.space, "--run", path("one"), "--data", one], "a classifier needs at least 2 classes"),
            (["search", "--space", Self.space, "--run", path("none"), "--data", path("missing")], "not found (image folder or archive)"),
            (["train", path("searched"), "--trial", "99"], "has no trial 99"),
            (["train", path("searched"), "--trial", "worst"], "--trial must be 'best', 'leader', 'promoted' or a trial number"),
            (["train", path("study")], "is a fidelity study"),
            (["train", arch, "--trial", "3"], "--trial picks a trial of a run"),
            (["train", arch, "--data", one, "--steps", "1"], "a classifier needs at least 2 classes"),
        ]
        for (arguments, message) in cases {
            let result = try Nas.run(arguments + ["--cache", path("cache")])
            #expect(result.status != 0 && result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: path("one")) && !FileManager.default.fileExists(atPath: path("none")))
    }
}
