import Foundation
import Testing

@Suite struct ArchCommandTests {
    func json(_ arguments: [String]) throws -> [String: Any] {
        let result = try Nas.run(["arch"] + arguments + ["--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }

    @Test func b0JSONHasTheDocumentedKeysAndCounts() throws {
        let object = try json(["efficientnet-b0"])
        #expect(Set(object.keys) == ["name", "resolution", "classes", "channels", "params", "macs", "stages", "timm", "tf"])
        #expect(object["params"] as? Int == 5_288_548)
        let macs = try #require(object["macs"] as? Int)
        #expect(abs(Double(macs) / 0.386e9 - 1) < 0.01)
        #expect(object["resolution"] as? Int == 224)
        #expect((object["tf"] as? [String])?.first == "r1_k3_s11_e1_i32_o16_se0.25")
        let stages = try #require(object["stages"] as? [[String: Any]])
        #expect(stages.count == 9)
        #expect(Set(stages[0].keys) == ["index", "operator", "input_resolution", "output_channels", "layers", "stride", "params", "macs"])
    }

    @Test func variantsUseTheirOwnResolution() throws {
        let b1 = try json(["efficientnet-b0", "--variant", "b1"])
        #expect(b1["params"] as? Int == 7_794_184)
        #expect(b1["resolution"] as? Int == 240)
        let b7 = try json(["efficientnet-b7"])
        #expect(b7["params"] as? Int == 66_347_960)
        #expect(b7["resolution"] as? Int == 600)
    }

    @Test func overridesApply() throws {
        let small = try json(["efficientnet-b0", "--resolution", "32", "--classes", "10", "--channels", "1", "--width", "0.5"])
        #expect(small["classes"] as? Int == 10)
        #expect(small["channels"] as? Int == 1)
        #expect(small["resolution"] as? Int == 32)
        #expect((small["params"] as? Int ?? 0) < 2_000_000)
    }

    @Test func tableShowsTheStagesAndTotals() throws {
        let result = try Nas.run(["arch", "efficientnet-b0"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("MBConv6, k5x5, SE0.25"))
        #expect(result.stdout.contains("total"))
        #expect(result.stdout.contains("5,288,548"))
    }

    @Test func readsAnArchitectureFileInEitherForm() throws {
        let folder = try TemporaryDirectory()
        let tf = try folder.write(
            "b0.arch",
            """
            # EfficientNet-B0 as TF strings
            r1_k3_s11_e1_i32_o16_se0.25
            r2_k3_s22_e6_i16_o24_se0.25
            r2_k5_s22_e6_i24_o40_se0.25
            r3_k3_s22_e6_i40_o80_se0.25
            r3_k5_s11_e6_i80_o112_se0.25
            r4_k5_s22_e6_i112_o192_se0.25
            r1_k3_s11_e6_i192_o320_se0.25
            """)
        let object = try json([tf.path])
        #expect(object["name"] as? String == "b0")
        #expect(object["params"] as? Int == 5_288_548)

        let timm = try Nas.run(["arch", tf.path, "--format", "timm"])
        #expect(timm.stdout.split(separator: "\n").first == "ds_r1_k3_s1_e1_c16_se0.25")
        let canonical = try Nas.run(["arch", tf.path, "--format", "file"])
        let again = try folder.write("again.arch", canonical.stdout)
        #expect(try json([again.path])["params"] as? Int == 5_288_548)
    }

    @Test func errorsAreOneClearLine() throws {
        let folder = try TemporaryDirectory()
        let bad = try folder.write("bad.arch", "ir_r1_k3_s1_e6_c16\nir_r2_k3_s2_e6_c24_q7\n")
        let cases: [([String], String)] = [
            (["arch", "resnet-50"], "unknown model 'resnet-50'"),
            (["arch", bad.path], "line 2: malformed block 'ir_r2_k3_s2_e6_c24_q7': 'q7'"),
            (["arch", "efficientnet-b0", "--variant", "b9"], "unknown variant 'b9'"),
            (["arch", "efficientnet-b0", "--variant", "b2", "--depth", "2"], "either --variant or --width/--depth"),
            (["arch", "efficientnet-b0", "--width", "0"], "--width must be in (0, 16]"),
            (["arch", "efficientnet-b0", "--format", "xml"], "format"),
            (["arch", "mobilenet-v2", "--format", "tf", "--classes", "0"], "--classes must be from 1 to 100000"),
        ]
        for (arguments, message) in cases {
            let result = try Nas.run(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let firstLine = try Nas.run(["arch", "resnet-50"]).stderr.split(separator: "\n")
        #expect(firstLine.count == 1)
    }

    @Test func tfFormatRefusesWhatTFCannotSay() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("e1.arch", "ir_r1_k3_s1_e1_c16\n")
        let result = try Nas.run(["arch", file.path, "--format", "tf"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("has no TF form"))
    }
}
