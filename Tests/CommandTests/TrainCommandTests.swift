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

    /// A temporary folder holding the tiny architecture; nil (with an issue) without Fashion-MNIST.
    static func tinyArchFolder() throws -> (TemporaryDirectory, URL)? {
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz") else {
            Issue.record("dataset-fashion-mnist is not installed (setup.sh installs it)")
            return nil
        }
        let folder = try TemporaryDirectory()
        return (folder, try folder.write("tiny.arch", tinyArch))
    }

    @Test func trainSaveAndEvalOnFashionMNIST() throws {
        guard case let (folder, arch)? = try Self.tinyArchFolder() else { return }
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

    /// `--progressive`: the stages on stderr and in the JSON, evaluation at the final size.
    @Test func progressiveTrainingRunsItsStages() throws {
        guard case let (folder, arch)? = try Self.tinyArchFolder() else { return }
        let train = try Nas.run([
            "train", arch.path, "--dataset", "fashion-mnist", "--resolution", "16", "--steps", "12", "--batch", "32",
            "--validation", "1000", "--cache", folder.url.appendingPathComponent("cache").path, "--dropout", "0.2",
            "--progressive", "--progressive-stages", "3", "--progressive-start-size", "8", "--progressive-start-dropout", "0.05", "--json",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stderr.contains("progressive learning: 8 px, dropout 0.05 for 4 steps; 12 px, dropout 0.125 for 4 steps; 16 px, dropout 0.2 for 4 steps"), "\(train.stderr)")
        #expect(train.stderr.contains("stage 3/3 at 16 px  step 12/12"), "\(train.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(train.stdout.utf8)) as! [String: Any]
        let stages = try #require(summary["stages"] as? [[String: Any]])
        #expect(stages.compactMap { $0["resolution"] as? Int } == [8, 12, 16])
        #expect(stages.compactMap { $0["steps"] as? Int } == [4, 4, 4])
        #expect(stages.allSatisfy { ($0["images_per_second"] as? Double ?? 0) > 0 })
        #expect((summary["val_accuracy"] as? Double ?? 0) > 0.15, "12 steps should beat chance (0.1): \(summary)")
        let plain = try Nas.run(["train", arch.path, "--resolution", "16", "--steps", "1", "--batch", "8", "--validation", "1000",
                                 "--cache", folder.url.appendingPathComponent("cache").path, "--json"])
        #expect(plain.status == 0 && !plain.stdout.contains("stages"), "\(plain.stdout) \(plain.stderr)")
    }

    /// `--evaluation-images`: the network is scored on that many images of the same split
    /// (reported in the JSON and on stderr); more than the split scores all of it.
    @Test func trainScoresASubsetOfTheValidationSplit() throws {
        guard case let (folder, arch)? = try Self.tinyArchFolder() else { return }
        let cache = folder.url.appendingPathComponent("cache").path
        func train(_ images: String) throws -> (stderr: String, summary: [String: Any]) {
            let result = try Nas.run(["train", arch.path, "--resolution", "16", "--steps", "4", "--batch", "32", "--validation", "1000",
                                      "--recalibration", "2", "--evaluation-images", images, "--cache", cache, "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            return (result.stderr, try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any])
        }
        let subset = try train("200")
        #expect(subset.stderr.contains("(59000 train, 1000 val, 200 of them scored)"), "\(subset.stderr)")
        #expect(subset.summary["evaluation_images"] as? Int == 200)
        let accuracy = try #require(subset.summary["val_accuracy"] as? Double)
        #expect(abs((accuracy * 200).rounded() - accuracy * 200) < 1e-9, "an accuracy on 200 images: \(accuracy)")
        let all = try train("5000")
        #expect(all.summary["evaluation_images"] as? Int == 1000 && !all.stderr.contains("scored"), "\(all.stderr)")
    }

    @Test func trainRefusesBadInput() throws {
        let cases: [([String], String)] = [
            (["train", "efficientnet-b0", "--epochs", "1", "--steps", "3"], "not both"),
            (["train", "efficientnet-b0", "--batch", "1"], "--batch must be from 2"),
            (["train", "efficientnet-b0", "--stem-stride", "3"], "the stem stride must be 1 or 2"),
            (["train", "efficientnet-b0", "--recalibration", "20000"], "--recalibration must be from 0"),
            (["train", "efficientnet-b0", "--evaluation-images", "0"], "--evaluation-images must be from 1 to 10000000 images"),
            (["train", "efficientnet-b0", "--dataset", "cifar10"], "needs --data PATH"),
            (["train", "efficientnet-b0", "--dataset", "folder", "--data", "/nonexistent/x"], "/nonexistent/x"),
            (["eval", "/nonexistent/model"], "not a trained model folder"),
            (["train", "efficientnet-b0", "--progressive-stages", "3"], "--progressive-stages, --progressive-start-size and --progressive-start-dropout go with --progressive"),
            (["train", "efficientnet-b0", "--progressive", "--progressive-stages", "1"], "--progressive-stages must be from 2 to 100, got 1"),
            (["train", "efficientnet-b0", "--progressive", "--resolution", "32", "--progressive-start-size", "64"],
             "--progressive-start-size must be from 8 to the training resolution (32), got 64"),
            (["train", "efficientnet-b0", "--progressive", "--progressive-start-dropout", "1"], "--progressive-start-dropout must be in [0, 1)"),
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
