import Foundation
import Testing

/// SearchSpaces/efficientnetv2.yaml end to end: a short search with the built-in trainer on
/// Fashion-MNIST (what CI has; the space's own proxy reads CIFAR-10), every trial scored by the
/// training-aware reward from its measured step time (in the serialized `SearchCommandTests`).
extension SearchCommandTests {
    @Test func efficientNetV2SpaceSearchesWithTheTrainingAwareReward() throws {
        let fashion = "/usr/share/datasets/fashion-mnist"
        guard FileManager.default.fileExists(atPath: fashion + "/train-images-idx3-ubyte.gz") else {
            Issue.record("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
            return
        }
        let setup = try Setup()
        let run = setup.run("v2")
        let space = Self.root.appendingPathComponent("SearchSpaces/efficientnetv2.yaml").path
        let search = try Nas.run([
            "search", "--space", space, "--run", run, "--data", fashion, "--trials", "4", "--batch", "2", "--steps", "3",
            "--workers", "2", "--promote", "none", "--leader-evaluations", "0",
        ])
        #expect(search.status == 0, "\(search.stderr)")
        let status = try Nas.run(["status", run, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as! [String: Any]
        let trials = try #require(object["trials"] as? [[String: Any]])
        #expect(trials.count >= 5 && trials.filter { $0["reference"] as? Bool == true }.count == 1, "\(trials.count) trials")
        for trial in trials {
            #expect(trial["state"] as? String == "complete", "\(trial)")
            let components = try #require((trial["components"] as? [String: Any])?.compactMapValues { ($0 as? NSNumber)?.doubleValue })
            let (accuracy, step, params) = (components["accuracy"] ?? 0, components["step_seconds"] ?? 0, components["params"] ?? 0)
            #expect(step > 0 && params > 0, "\(components)")
            let expected = accuracy * pow(step / 0.1, -0.07) * pow(params / 5_300_000, -0.05)
            #expect(abs((trial["reward"] as? Double ?? 0) - expected) < 1e-9, "\(trial)")
        }
        let sampled = trials.filter { $0["reference"] as? Bool != true }
        #expect(sampled.allSatisfy { ($0["decisions"] as? [String: String])?["block1.operator"] != nil })
        #expect(sampled.allSatisfy { ($0["decisions"] as? [String: String])?["block4.operator"] == nil })
    }
}
