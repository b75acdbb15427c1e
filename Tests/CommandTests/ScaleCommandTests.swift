import Foundation
import Testing

/// `nas scale` (in the `ReportCommandTests` suite).
extension ReportCommandTests {
    @Test func scalingB0ReproducesEfficientNetsFamily() throws {
        let result = try Nas.run(["scale", "efficientnet-b0", "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let variants = try #require(object["variants"] as? [[String: Any]])
        #expect(variants.map { $0["variant"] as? String } == ["b1", "b2", "b3", "b4", "b5", "b6", "b7"])
        #expect(variants.map { $0["params"] as? Int }
            == [7_794_184, 9_109_994, 12_233_232, 19_341_616, 30_389_784, 43_040_704, 66_347_960])
        for variant in variants {
            let efficientNet = try #require(variant["efficientnet"] as? [String: Any])
            #expect(variant["params"] as? Int == efficientNet["params"] as? Int)
            #expect(variant["macs"] as? Int == efficientNet["macs"] as? Int)
        }
        #expect(variants.map { $0["resolution"] as? Int } == [240, 260, 300, 380, 456, 528, 600])
        #expect((object["base"] as? [String: Any])?["params"] as? Int == 5_288_548)

        let table = try Nas.run(["scale", "efficientnet-b0", "--variants", "b1,b3"])
        #expect(table.status == 0)
        #expect(table.stdout.split(separator: "\n").count == 5)  // title, header, base, b1, b3
        #expect(table.stdout.contains("12.23M"))

        let bad = try Nas.run(["scale", "efficientnet-b0", "--variants", "b9"])
        #expect(bad.status != 0 && bad.stderr.contains("--variants"))
    }

    @Test func scaleWritesArchitectureFilesThatRebuild() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("mine.arch", "name: mine\nstem: 16\nhead: 640\nds_r1_k3_s1_e1_c16\nir_r2_k5_s2_e3_c24_se0.25\nir_r2_k3_s2_e6_c40\n")
        let out = folder.url.appendingPathComponent("family").path
        let result = try Nas.run(["scale", file.path, "--variants", "b2-b3", "--out-dir", out, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        let variants = try #require(object["variants"] as? [[String: Any]])
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["mine-b2.arch", "mine-b3.arch"])
        // `nas arch` reads each file back with the counts `nas scale` printed.
        for (name, variant) in zip(["mine-b2", "mine-b3"], variants) {
            let arch = try Nas.run(["arch", out + "/\(name).arch", "--format", "json"])
            #expect(arch.status == 0, "\(arch.stderr)")
            let summary = try JSONSerialization.jsonObject(with: Data(arch.stdout.utf8)) as! [String: Any]
            #expect(summary["params"] as? Int == variant["params"] as? Int)
            #expect(summary["macs"] as? Int == variant["macs"] as? Int)
            #expect(summary["resolution"] as? Int == variant["resolution"] as? Int)
        }
        // A second time refuses to overwrite, before printing anything.
        let again = try Nas.run(["scale", file.path, "--variants", "b2-b3", "--out-dir", out])
        #expect(again.status != 0 && again.stdout.isEmpty && again.stderr.contains("--force"))
        #expect(try Nas.run(["scale", file.path, "--variants", "b2-b3", "--out-dir", out, "--force"]).status == 0)
    }
}
