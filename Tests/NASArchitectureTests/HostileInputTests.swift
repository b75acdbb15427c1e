import Foundation
import Testing

@testable import NASArchitecture

/// Hostile architecture text ends in one clear error naming the bound, never in a trap or
/// an allocation that runs the machine out of memory (issue 14).
@Suite struct HostileInputTests {
    func refusal(_ text: String) -> ArchitectureError? {
        do {
            _ = try ArchitectureFile.decode(text, name: "hostile")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("ir_r99999999_k3_s1_e6_c16", "repeats 99999999"),
        ("ir_r65_k3_s1_e6_c16", "repeats 65"),
        ("ir_r1_k13_s1_e6_c16", "kernel 13"),
        ("ir_r1_k3_s1_e17_c16", "expansion 17"),
        ("ir_r1_k3_s1_e6_c65537", "filters 65537"),
        ("ir_r1_k3_s1_e6_c9223372036854775807", "filters 9223372036854775807"),
    ])
    func blockValuesPastTheirBoundAreRefused(string: String, named: String) {
        let error = refusal(string + "\n")
        #expect(error?.description.contains(named) == true, "\(error as Any)")
        #expect(error?.description.contains("\n") == false)
    }

    @Test func numbersPastIntAreMalformedNotTraps() {
        let error = refusal("ir_r99999999999999999999_k3_s1_e6_c16\n")
        #expect(error?.description.contains("whole number") == true, "\(error as Any)")
    }

    @Test(arguments: [
        ("classes: 9223372036854775807", "classes"),
        ("classes: 100001", "classes"),
        ("channels: 9223372036854775807", "channels"),
        ("resolution: 4097", "resolution"),
        ("stem: 65537", "stem"),
        ("head: 9223372036854775807", "head"),
    ])
    func settingsPastTheirBoundAreRefused(setting: String, field: String) {
        let error = refusal("\(setting)\nir_r1_k3_s1_e6_c16\n")
        #expect(error?.description.contains("invalid \(field)") == true, "\(error as Any)")
    }

    @Test func tooManyLayersAreRefusedBeforeResolving() {
        // 20 stages of 64 layers: each block is in bounds, the network is not.
        let text = String(repeating: "ir_r64_k3_s1_e6_c16\n", count: 20)
        let error = refusal(text)
        #expect(error?.description.contains("layers 1280") == true, "\(error as Any)")
    }

    @Test func manyStridesAreRefusedNotOverflowed() {
        let error = refusal(String(repeating: "ir_r1_k3_s2_e6_c16\n", count: 80))
        #expect(error?.description.contains("invalid total stride") == true, "\(error as Any)")
    }

    @Test func costsPastTheBoundAreRefusedNotOverflowed() {
        // Widest, largest, most layers at 4096 px: the counts saturate and are refused.
        let stage = "er_r64_k11_s1_e16_c65536"
        let text = "resolution: 4096\nstem: 65536\nhead: 65536\nclasses: 100000\nchannels: 1024\n"
            + String(repeating: stage + "\n", count: 16)
        let error = refusal(text)
        #expect(error?.description.contains("parameters") == true || error?.description.contains("MACs") == true,
                "\(error as Any)")
        let huge = Network(
            name: "huge", stemFilters: 65536, stages: [[Block(op: .fusedMBConv, kernel: 11, stride: 1, expansion: 16,
                                                             outFilters: 65536, repeats: 64)]],
            headFilters: 65536, classes: 100_000, inputChannels: 1024, resolution: 4096)
        #expect(huge.resolved().cost.macs == .max)
    }

    @Test func jsonPastItsBoundsIsRefused() {
        let json = """
            {"name": "x", "stem": 32, "head": 1280, "activation": "swish", "resolution": 224,
             "classes": 9223372036854775807, "channels": 3, "dropout": 0.2, "drop_connect": 0.2,
             "timm": [["ir_r1_k3_s1_e6_c16"]]}
            """
        #expect(refusal(json)?.description.contains("invalid classes") == true)
    }

    @Test func crlfAndByteOrderMarkAreAccepted() throws {
        let unix = "name: n\nstem: 32\nds_r1_k3_s1_e1_c16_se0.25\nir_r2_k3_s2_e6_c24_se0.25\n"
        let expected = try ArchitectureFile.decode(unix, name: "n")
        let windows = "\u{FEFF}" + unix.replacingOccurrences(of: "\n", with: "\r\n")
        #expect(try ArchitectureFile.decode(windows, name: "n") == expected)
        let json = ArchitectureJSON(expected).encoded()
        #expect(try ArchitectureFile.decode("\u{FEFF}" + json, name: "n") == expected)
        // Line numbers still count CRLF lines once.
        let error = refusal("stem: 32\r\nir_r1_k3_s1_e6_c16\r\nir_r1_k3_s1_e6_c16_q1\r\n")
        #expect(error?.description.hasPrefix("line 3:") == true, "\(error as Any)")
    }

    @Test func everyNamedModelAndB7StayValid() throws {
        for name in NamedModels.names {
            try NamedModels.network(named: name).validate()
        }
        let b7 = NamedModels.efficientNetB0.scaled(to: try ScalingCoefficients.variant("b7"))
        try b7.validate()
        #expect(b7.resolution == 600)
        let widest = NamedModels.efficientNetB0.scaled(width: ScalingCoefficients.maxMultiplier, depth: 4)
        try widest.validate()
    }
}
