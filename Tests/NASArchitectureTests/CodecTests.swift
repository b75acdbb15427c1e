import Testing

@testable import NASArchitecture
import NASRandom

let b0TF = [
    "r1_k3_s11_e1_i32_o16_se0.25", "r2_k3_s22_e6_i16_o24_se0.25", "r2_k5_s22_e6_i24_o40_se0.25",
    "r3_k3_s22_e6_i40_o80_se0.25", "r3_k5_s11_e6_i80_o112_se0.25", "r4_k5_s22_e6_i112_o192_se0.25",
    "r1_k3_s11_e6_i192_o320_se0.25",
]
let b0Timm = [
    "ds_r1_k3_s1_e1_c16_se0.25", "ir_r2_k3_s2_e6_c24_se0.25", "ir_r2_k5_s2_e6_c40_se0.25",
    "ir_r3_k3_s2_e6_c80_se0.25", "ir_r3_k5_s1_e6_c112_se0.25", "ir_r4_k5_s2_e6_c192_se0.25",
    "ir_r1_k3_s1_e6_c320_se0.25",
]

@Suite struct CodecTests {
    @Test func b0StringsRoundTripInBothEncodings() throws {
        let b0 = NamedModels.efficientNetB0
        #expect(b0.timmArchDef.flatMap { $0 } == b0Timm)
        #expect(try b0.tfBlockStrings() == b0TF)
        let fromTF = try b0TF.map { try TFCodec.decode($0).block }
        #expect(fromTF == b0.blocks)
        #expect(try b0TF.map { try TFCodec.decode($0).inputFilters } == [32, 16, 24, 40, 80, 112, 192])
    }

    @Test func timmParsesFieldsInAnyOrder() throws {
        let block = try TimmCodec.decode("ir_c24_se0.25_e6_s2_k3_r2")
        #expect(TimmCodec.encode(block) == "ir_r2_k3_s2_e6_c24_se0.25")
        #expect(block.seRatio == 0.25 && block.expansion == 6 && block.repeats == 2)
    }

    @Test func flagsAndActivationsRoundTrip() throws {
        for string in [
            "ir_r1_k5_s1_e3_c40_noskip_nre", "ds_r1_k3_s1_e1_c16_noskip", "cn_r2_k3_s1_c24_skip",
            "er_r4_k3_s2_e4_c48_nr6", "ir_r1_k7_s2_e1.5_c32_se0.5_nsw", "cn_r1_k1_s1_c8",
        ] {
            #expect(TimmCodec.encode(try TimmCodec.decode(string)) == string)
        }
        let noE = try TimmCodec.decode("ds_r1_k3_s1_c16")
        #expect(TimmCodec.encode(noE) == "ds_r1_k3_s1_e1_c16")
        #expect(try TimmCodec.decode("cn_r2_k3_s1_c24_skip").skip)
        #expect(try !TimmCodec.decode("cn_r2_k3_s1_c24").skip)
        #expect(try !TimmCodec.decode("ir_r1_k3_s1_e6_c24_noskip").skip)
    }

    /// Every block that both encodings can express survives timm → value → TF → value.
    @Test func randomBlocksRoundTrip() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let op = Operator.allCases.randomElement(using: &generator)!
            let block = Block(
                op: op, kernel: [1, 3, 5, 7].randomElement(using: &generator)!, stride: Int.random(in: 1...2, using: &generator),
                expansion: [1, 2, 3, 4, 6, 1.5].randomElement(using: &generator)!,
                seRatio: op == .conv ? 0 : [0, 0.25, 0.5].randomElement(using: &generator)!,
                outFilters: Int.random(in: 1...512, using: &generator), repeats: Int.random(in: 1...6, using: &generator),
                skip: Bool.random(using: &generator),
                activation: [nil, .swish, .relu, .relu6].randomElement(using: &generator)!)
            #expect(try TimmCodec.decode(TimmCodec.encode(block)) == block)
            var tfBlock = block
            tfBlock.activation = nil
            if let tf = try? TFCodec.encode(tfBlock, inputFilters: 24) {
                let (decoded, input) = try TFCodec.decode(tf)
                #expect(decoded == tfBlock, "\(tf)")
                #expect(input == 24)
            } else {
                #expect(block.op.hasExpansion && block.expansion == 1)
            }
        }
    }

    @Test func tfConvTypesMapToTimmOperators() throws {
        #expect(try TFCodec.decode("r2_k3_s1_e1_i24_o24_c1").block.op == .conv)
        #expect(try TFCodec.decode("r2_k3_s1_e1_i24_o24_c1").block.skip)
        #expect(try TFCodec.decode("r4_k3_s2_e4_i24_o48_c1").block.op == .fusedMBConv)
        #expect(try TFCodec.decode("r1_k3_s11_e1_i32_o16").block.op == .depthwiseSeparable)
        #expect(try TFCodec.decode("r1_k3_s11_e6_i32_o16").block.op == .mbconv)
        #expect(try !TFCodec.decode("r1_k3_s11_e6_i32_o16_noskip").block.skip)
    }

    @Test func recognizersTellTheFormsApart() {
        #expect(TFCodec.recognizes("r1_k3_s11_e1_i32_o16"))
        #expect(!TFCodec.recognizes("ir_r1_k3_s1_e1_c16"))
        #expect(TimmCodec.recognizes("ir_r1_k3_s1_e1_c16"))
        #expect(!TimmCodec.recognizes("r1_k3_s11_e1_i32_o16"))
        #expect(!TimmCodec.recognizes("dsa_r1_k3_s1_c16"))
    }
}

