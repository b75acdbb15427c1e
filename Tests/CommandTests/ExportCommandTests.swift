import Foundation
import Testing

/// `nas export DIR --format onnx` end to end: train a small model with every operator on
/// Fashion-MNIST, export it, and have onnxruntime (Benchmarks/onnx/check.py, which also runs
/// onnx's checker) reproduce SwiftNAS's test-split logits within 1e-4 and every predicted
/// class. Needs python3 with onnx and onnxruntime (`bash setup.sh test` installs them).
@Suite(.serialized) struct ONNXExportTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// MBConv with SE, Fused-MBConv, depthwise-separable with SE, a plain conv with a skip,
    /// residuals, and swish, ReLU and ReLU6.
    static let everyOperator = """
        stem: 8
        head: 32
        ds_r1_k3_s1_e1_c8_se0.25
        ir_r2_k3_s2_e3_c16_se0.25
        er_r2_k3_s1_e2_c16_nre
        cn_r1_k3_s2_c24_skip ir_r1_k5_s1_e2_c24_nr6
        """

    static var fashionMNISTInstalled: Bool {
        FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    }

    static func python(_ arguments: [String]) throws -> CommandResult {
        try Nas.runProgram(URL(fileURLWithPath: "/usr/bin/env"), ["python3"] + arguments)
    }

    /// 32: the images are padded 28 → 32 in the graph; 24: then resized bilinearly as well;
    /// with a stride-1 stem, whose Conv strides follow it.
    @Test(arguments: [(32, 2), (24, 2), (24, 1)])
    func onnxruntimeReproducesTheTrainedModel(resolution: Int, stemStride: Int) throws {
        guard Self.fashionMNISTInstalled else {
            Issue.record("dataset-fashion-mnist is not installed (setup.sh installs it)")
            return
        }
        let probe = try Self.python(["-c", "import onnx, onnxruntime, numpy"])
        guard probe.status == 0 else {
            Issue.record("python3 cannot import onnx, onnxruntime and numpy (bash setup.sh test installs them): \(probe.stderr)")
            return
        }
        let folder = try TemporaryDirectory()
        let arch = try folder.write("every-operator.arch", "stem-stride: \(stemStride)\n" + Self.everyOperator)
        let model = folder.url.appendingPathComponent("model").path
        let cache = folder.url.appendingPathComponent("cache").path
        let train = try Nas.run([
            "train", arch.path, "--dataset", "fashion-mnist", "--resolution", "\(resolution)", "--steps", "40", "--batch", "32",
            "--validation", "500", "--cache", cache, "--out", model,
        ])
        #expect(train.status == 0, "\(train.stderr)")

        let logits = folder.url.appendingPathComponent("logits.npy").path
        let eval = try Nas.run([
            "eval", model, "--dataset", "fashion-mnist", "--split", "test", "--validation", "500", "--cache", cache,
            "--logits", logits, "--json",
        ])
        #expect(eval.status == 0, "\(eval.stderr)")
        let accuracy = try #require(
            (try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])?["accuracy"] as? Double)

        let onnx = folder.url.appendingPathComponent("model.onnx").path
        let export = try Nas.run(["export", model, "--format", "onnx", "--output", onnx])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.contains("ONNX opset 17, input image [N, 1, 28, 28] in [0, 1], logits [N, 10]"), "\(export.stderr)")

        let script = Self.root.appendingPathComponent("Benchmarks/onnx/check.py").path
        let check = try Self.python([script, onnx, "--logits", logits, "--accuracy", "\(accuracy)"])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        let result = try #require(try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any])
        #expect(result["images"] as? Int == 10_000)
        #expect(result["class_agreement"] as? Double == 1)
        #expect((result["max_relative_difference"] as? Double ?? 1) <= 1e-4)
        #expect(result["opset"] as? Int == 17)
        let ops = Set(result["ops"] as? [String] ?? [])
        var expected: Set<String> = ["Pad", "Sub", "Div", "Conv", "Sigmoid", "Mul", "Relu", "Clip", "Add", "GlobalAveragePool", "Flatten", "Gemm"]
        if resolution != 32 { expected.insert("Resize") }
        #expect(ops == expected)
    }

    @Test func exportRefusesWhatHasNoWeights() throws {
        let folder = try TemporaryDirectory()
        let noOutput = try Nas.run(["export", folder.url.path, "--format", "onnx"])
        #expect(noOutput.status != 0 && noOutput.stderr.contains("give it --output FILE"), "\(noOutput.stderr)")
        let notAModel = try Nas.run(["export", folder.url.path, "--format", "onnx", "--output", folder.url.appendingPathComponent("x.onnx").path])
        #expect(notAModel.status != 0 && notAModel.stderr.contains("not a trained model folder"), "\(notAModel.stderr)")
        let trialOfAModel = try Nas.run(["export", folder.url.path, "--trial", "3", "--format", "onnx", "--output", folder.url.appendingPathComponent("x.onnx").path])
        #expect(trialOfAModel.status != 0 && trialOfAModel.stderr.contains("--trial picks a trial of a run folder"), "\(trialOfAModel.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("x.onnx").path))
    }
}
