import Foundation
import Testing

/// `nas train` and `nas eval` on Fashion-MNIST.
@Suite struct TrainCommandTests {
    static let tinyArch = """
        stem: 8
        head: 32
        ds_r1_k3_s1_e1_c8_se0.25
        ir_r1_k3_s2_e3_c16_se0.25
        """

    @Test func trainSaveAndEvalOnFashionMNIST() throws {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") else {
            Issue.record("dataset-fashion-mnist is not installed (setup.sh installs it)")
            return
        }
        let folder = try TemporaryDirectory()
        let arch = try folder.write("tiny.arch", Self.tinyArch)
        let out = folder.url.appendingPathComponent("model").path
        let cache = folder.url.appendingPathComponent("cache").path
        let train = try Nas.run([
            "train", arch.path, "--dataset", "fashion-mnist", "--resolution", "16", "--steps", "20", "--batch", "32",
            "--validation", "1000", "--cache", cache, "--out", out, "--json",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as! [String: Any]
        #expect(Set(summary.keys).isSuperset(of: ["val_accuracy", "images_per_second", "seconds", "params", "macs"]))
        #expect(summary["test_accuracy"] == nil)
        let accuracy = try #require(summary["val_accuracy"] as? Double)
        #expect(accuracy > 0.3, "20 steps should beat chance: \(accuracy)")
        #expect(train.stderr.contains("step 20/20"))
        for file in ["architecture.arch", "weights.safetensors", "training.json"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file))
        }
        let eval = try Nas.run(["eval", out, "--dataset", "fashion-mnist", "--split", "val", "--validation", "1000", "--cache", cache, "--json"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as! [String: Any]
        #expect(result["accuracy"] as? Double == accuracy)
    }

    @Test func trainRefusesBadInput() throws {
        let cases: [([String], String)] = [
            (["train", "efficientnet-b0", "--epochs", "1", "--steps", "3"], "not both"),
            (["train", "efficientnet-b0", "--batch", "1"], "--batch must be from 2"),
            (["train", "efficientnet-b0", "--stem-stride", "3"], "the stem stride must be 1 or 2"),
            (["train", "efficientnet-b0", "--recalibration", "20000"], "--recalibration must be from 0"),
            (["train", "efficientnet-b0", "--dataset", "cifar10"], "needs --data PATH"),
            (["train", "efficientnet-b0", "--dataset", "folder", "--data", "/nonexistent/x"], "/nonexistent/x"),
            (["eval", "/nonexistent/model"], "not a trained model folder"),
            (["bench", "train", "--batch", "1"], "--batch must be from 2"),
            (["bench", "infer", "--batch", "0"], "--batch must be from 1"),
        ]
        for (arguments, message) in cases {
            let result = try Nas.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
