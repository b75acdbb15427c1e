import Testing

@testable import NASArchitecture

/// The typed steps of `ArchitectureFile.decode` (settings, stages, network), which the
/// search-space parser uses instead of writing file text.
@Suite struct TypedFileStepsTests {
    let b0 = NamedModels.efficientNetB0

    @Test func settingsRoundTripThroughTheirText() throws {
        var network = b0
        (network.dropout, network.dropConnect, network.activation, network.headFilters) = (0.3, 0.125, .relu6, 0)
        var parsed = ArchitectureFile.Settings()
        for (key, value) in ArchitectureFile.Settings(network).pairs { try parsed.set(key, to: value) }
        #expect(parsed == ArchitectureFile.Settings(network))
        let stages = network.stages.map { ArchitectureFile.Stage(blocks: $0) }
        #expect(try parsed.network(stages: stages, name: "unused") == network)
    }

    @Test func encodeIsTheSettingsThenOneTimmLinePerStage() {
        let text = ArchitectureFile.encode(b0)
        let settings = ArchitectureFile.encodeSettings(b0)
        #expect(text.hasPrefix(settings))
        // Every setting but a default stem stride, which is left out so that such files read as before.
        #expect(settings.split(separator: "\n").map { String($0.prefix { $0 != ":" }) } == ArchitectureFile.settingKeys.filter { $0 != "stem-stride" })
        #expect(text.dropFirst(settings.count).split(separator: "\n").count == b0.stages.count)
    }

    @Test func unsetSettingsTakeTheFileDefaults() throws {
        let stage = try ArchitectureFile.Stage("r1_k3_s11_e1_i24_o16_se0.25")
        #expect(stage.declaredInputs == [.init(block: 0, string: "r1_k3_s11_e1_i24_o16_se0.25", filters: 24)])
        let network = try ArchitectureFile.Settings().network(stages: [stage], name: "n")
        #expect(network.name == "n" && network.stemFilters == 24 && network.headFilters == 1280)
        #expect(network == (try ArchitectureFile.decode("r1_k3_s11_e1_i24_o16_se0.25", name: "n")))
    }

    @Test func aStageDecodesAsTheFileDecodesItsLine() throws {
        let line = "ir_r2_k3_s2_e6_c24_se0.25\tir_r1_k5_s1_e6_c24"
        let stage = try ArchitectureFile.Stage(line)
        #expect(stage.blocks == (try ArchitectureFile.decode("stem: 16\n" + line, name: "n")).stages[0])
        #expect(throws: ArchitectureError.malformedBlock("xx_1", token: "xx", expected: "a timm string (ir_, er_, ds_, cn_) or a TF string (r1_k3_…)")) {
            try ArchitectureFile.Stage("ds_r1_k3_s1_c16 xx_1")
        }
    }

    @Test func aBadSettingIsRefusedOnceForBothReaders() throws {
        for (key, value, expected) in [
            ("stem", "many", "a whole number"), ("dropout", "lots", "a number"),
            ("activation", "gelu", "swish, relu or relu6"),
        ] {
            var settings = ArchitectureFile.Settings()
            #expect(throws: ArchitectureError.badSetting(key: key, value: value, expected: expected)) {
                try settings.set(key, to: " \(value) ")
            }
            // The file decoder reports the same refusal at its line.
            #expect(throws: ArchitectureError.badLine(2, "\(key): \(value)", expected: expected)) {
                try ArchitectureFile.decode("name: n\n\(key): \(value)\nds_r1_k3_s1_c16", name: "n")
            }
        }
        var settings = ArchitectureFile.Settings()
        #expect(throws: ArchitectureError.self) { try settings.set("width", to: "2") }
    }

    @Test func declaredInputsAreCheckedAgainstTheNetwork() throws {
        let stages = [try ArchitectureFile.Stage("ds_r1_k3_s1_c16"), try ArchitectureFile.Stage("r1_k3_s22_e6_i24_o24")]
        let network = try ArchitectureFile.Settings().network(stages: stages, name: "n")
        #expect(throws: ArchitectureError.inputMismatch("r1_k3_s22_e6_i24_o24", declared: 24, actual: 16)) {
            try stages[1].checkDeclaredInputs(stage: 1, of: network)
        }
        #expect(throws: ArchitectureError.inFile(line: 2, .inputMismatch("r1_k3_s22_e6_i24_o24", declared: 24, actual: 16))) {
            try ArchitectureFile.decode("ds_r1_k3_s1_c16\nr1_k3_s22_e6_i24_o24", name: "n")
        }
    }
}
