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

    /// `nas bench fused-mbconv`: both builds of the early stages timed, Fused-MBConv's MACs
    /// above MBConv's (one dense k×k conv in place of a 1×1 and a depthwise one).
    @Test func benchFusedMBConvTimesBothOperators() throws {
        let result = try Nas.run(["bench", "fused-mbconv", "--width", "0.25", "--resolution", "16", "--batch", "4", "--steps", "2", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let mbconv = try #require(object["mbconv"] as? [String: Any]), fused = try #require(object["fused"] as? [String: Any])
        #expect(object["stages"] as? Int == 3 && (object["ratio"] as? Double ?? 0) > 0)
        #expect((mbconv["ms_per_step"] as? Double ?? 0) > 0 && (fused["ms_per_step"] as? Double ?? 0) > 0)
        #expect((fused["macs"] as? Int ?? 0) > (mbconv["macs"] as? Int ?? 0))
        #expect((fused["arch"] as? [String])?.first?.hasPrefix("er_r1_k3_s1_e1") == true, "\(fused)")
        #expect((mbconv["arch"] as? [String])?.count == 3)
        let text = try Nas.run(["bench", "fused-mbconv", "--width", "0.25", "--resolution", "8", "--batch", "2", "--steps", "1", "--stages", "1"])
        #expect(text.status == 0 && text.stdout.contains("Fused-MBConv / MBConv step time"), "\(text.stdout) \(text.stderr)")
        let bad = try Nas.run(["bench", "fused-mbconv", "--stages", "8"])
        #expect(bad.status != 0 && bad.stderr.contains("--stages must be at most efficientnet-b0's 7 stages, got 8"), "\(bad.stderr)")
    }
}
