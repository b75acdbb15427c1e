import Foundation
import Testing

/// `nas bench` (in the `TrainCommandTests` suite).
extension TrainCommandTests {
    @Test func benchPrintsJSON() throws {
        let result = try Nas.run(["bench", "train", "--arch", "efficientnet-b0", "--width", "0.25", "--resolution", "16", "--batch", "8", "--steps", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect((object["images_per_second"] as? Double ?? 0) > 0)
        #expect((object["gflops_per_second"] as? Double ?? 0) > 0)
        #expect((object["peak_memory_bytes"] as? Int ?? 0) > 0)
    }

    /// `nas bench infer` times the folded network and writes it as ONNX that onnxruntime
    /// loads (the script's comparison runs the same file).
    @Test func benchInferPrintsJSONAndWritesTheTimedNetwork() throws {
        let onnx = FileManager.default.temporaryDirectory.appendingPathComponent("bench-infer-\(UUID().uuidString).onnx").path
        defer { try? FileManager.default.removeItem(atPath: onnx) }
        let result = try Nas.run(["bench", "infer", "--width", "0.25", "--resolution", "16", "--channels", "1", "--batch", "4", "--runs", "2",
                                  "--stem-stride", "1", "--onnx", onnx, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect((object["images_per_second"] as? Double ?? 0) > 0 && (object["latency_ms"] as? Double ?? 0) > 0)
        #expect((object["params"] as? Int ?? 0) > 0 && object["batch"] as? Int == 4)
        #expect(FileManager.default.fileExists(atPath: onnx))
    }

    @Test func benchControllerTimesBothPolicies() throws {
        for policy in ["softmax", "lstm"] {
            let result = try Nas.run(["bench", "controller", "--space", SearchCommandTests.root.appendingPathComponent("Tests/Support/Fixtures/tiny.yaml").path, "--policy", policy, "--batch", "4", "--batches", "2", "--json"])
            #expect(result.status == 0, "\(result.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
            #expect(object["policy"] as? String == policy && (object["update_and_save_ms"] as? Double ?? -1) >= 0)
            #expect((object["state_bytes"] as? Int ?? 0) > 0)
        }
        let bad = try Nas.run(["bench", "controller", "--space", SearchCommandTests.root.appendingPathComponent("Tests/Support/Fixtures/tiny.yaml").path, "--batch", "0"])
        #expect(bad.status != 0 && bad.stderr.contains("--batch"))
    }
}
