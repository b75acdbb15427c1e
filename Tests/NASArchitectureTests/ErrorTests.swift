import Testing

@testable import NASArchitecture

@Suite struct ErrorTests {
    /// Each malformed string, the token the error must name, and a word of what was expected.
    @Test(arguments: [
        ("xx_r1_k3_s1_e1_c16", "'xx'", "block type"),
        ("dsa_r1_k3_s1_c16", "'dsa'", "block type"),
        ("ir_r1_k3_s1_e6_c16_q4", "'q4'", "one of r, k, s"),
        ("ir_r1_k3_s1_e6_c16_bogus", "'bogus'", "one of r, k, s"),
        ("ir_r1_k3_s1_c16", "'ir_r1_k3_s1_c16'", "'e' option"),
        ("ir_k3_s1_e6_c16", "'ir_k3_s1_e6_c16'", "'r' option"),
        ("ir_r1_k3_s1_e6", "'ir_r1_k3_s1_e6'", "'c' option"),
        ("ir_r1.5_k3_s1_e6_c16", "'r1.5'", "whole number"),
        ("ir_r1_k3_s1_e6x_c16", "'e6x'", "as a number"),
        ("ir_r1_k3_s1_e6_c16_r2", "'r2'", "each option once"),
        ("ir_r1_k3_s1_e6_c16_noskip_noskip", "'noskip'", "each option once"),
        ("ir_r1_k3_s1_e6_c16_skip", "'skip'", "noskip"),
        ("cn_r1_k3_s1_c16_noskip", "'noskip'", "no residual"),
        ("ds_r1_k3_s1_e6_c16", "'e6'", "e1 or no 'e'"),
        ("ir_r1_k3_s1_e6_c16_nxx", "'nxx'", "nsw, nre or nr6"),
        ("r1_k3_s12_e1_i32_o16", "'s12'", "s11, s22"),
        ("r1_k3_e1_i32_o16", "'r1_k3_e1_i32_o16'", "'s' option"),
        ("r1_k3_s11_e1_o16", "'r1_k3_s11_e1_o16'", "'i' option"),
        ("r1_k3_s11_e1_i32_o16_c2", "'c2'", "c0 (MBConv) or c1"),
        ("r1_k3_s11_e1_i32_o16_c1_se0.25", "'se0.25'", "no SE"),
        ("r1_k3_s11_e1_i32_o16_x1", "'x1'", "one of r, k, s, e, i, o"),
    ])
    func malformedStringsNameTheToken(string: String, token: String, expected: String) {
        let error = decodeError(string)
        #expect(error?.description.contains(token) == true, "\(error as Any)")
        #expect(error?.description.contains(expected) == true, "\(error as Any)")
    }

    @Test(arguments: [
        ("ir_r0_k3_s1_e6_c16", "repeats 0"),
        ("ir_r1_k4_s1_e6_c16", "kernel 4"),
        ("ir_r1_k3_s3_e6_c16", "stride 3"),
        ("ir_r1_k3_s1_e0_c16", "expansion 0"),
        ("ir_r1_k3_s1_e6_c0", "filters 0"),
        ("ir_r1_k3_s1_e6_c16_se1.5", "se ratio 1.5"),
    ])
    func outOfRangeValuesAreRefused(string: String, field: String) {
        let error = decodeError(string)
        guard case .invalidBlock(_, let found, _) = error else {
            Issue.record("expected invalidBlock, got \(error as Any)")
            return
        }
        #expect(found == field)
    }

    @Test func unrepresentableTFBlocksSayWhy() {
        let ir1 = Block(op: .mbconv, kernel: 3, stride: 1, expansion: 1, outFilters: 16)
        #expect(throws: ArchitectureError.self) { try TFCodec.encode(ir1, inputFilters: 16) }
        let relu = Block(op: .mbconv, kernel: 3, stride: 1, expansion: 6, outFilters: 16, activation: .relu)
        #expect(throws: ArchitectureError.self) { try TFCodec.encode(relu, inputFilters: 16) }
    }

    @Test func unknownNamesAndVariants() {
        #expect(throws: ArchitectureError.unknownModel("resnet50", known: NamedModels.names)) {
            try NamedModels.network(named: "resnet50")
        }
        #expect(throws: ArchitectureError.unknownVariant("b9")) { try ScalingCoefficients.variant("b9") }
        #expect(throws: Never.self) { try NamedModels.network(named: "EfficientNet_B3") }
    }

    @Test func fileErrorsCarryTheLine() {
        func fileError(_ text: String) -> String {
            do {
                _ = try ArchitectureFile.decode(text, name: "t")
                return "no error"
            } catch { return error.description }
        }
        #expect(fileError("ir_r1_k3_s1_e6_c16\nir_r1_k3_s1_e6_c16_zz9") == "line 2: malformed block 'ir_r1_k3_s1_e6_c16_zz9': 'zz9' — expected one of r, k, s, e, c, se, n, skip, noskip")
        #expect(fileError("stem: 32\nfoo: 3\nir_r1_k3_s1_e6_c16").hasPrefix("line 2: 'foo: 3'"))
        #expect(fileError("stem: x\nir_r1_k3_s1_e6_c16").contains("whole number"))
        #expect(fileError("stem: 32\nstem: 16\nir_r1_k3_s1_e6_c16").contains("each setting once"))
        #expect(fileError("activation: gelu\nir_r1_k3_s1_e6_c16").contains("swish, relu or relu6"))
        #expect(fileError("dropout: 1.5\nir_r1_k3_s1_e6_c16").contains("invalid dropout 1.5"))
        #expect(fileError("# only a comment\n").contains("at least one line of block strings"))
        #expect(fileError("hello world").contains("'hello'"))
        // TF strings must chain: i of each block is the previous block's o.
        #expect(fileError("r1_k3_s11_e1_i32_o16\nr2_k3_s22_e6_i24_o24") == "line 2: block 'r2_k3_s22_e6_i24_o24' declares i24 but receives 16 channels")
        #expect(fileError("stem: 48\nr1_k3_s11_e1_i32_o16").contains("declares i32 but receives 48"))
    }

    private func decodeError(_ string: String) -> ArchitectureError? {
        do {
            if TFCodec.recognizes(string) { _ = try TFCodec.decode(string) } else { _ = try TimmCodec.decode(string) }
            return nil
        } catch { return error }
    }
}

@Suite struct NetworkValidationTests {
    @Test func onlyAStagesFirstBlockStrides() {
        #expect(throws: ArchitectureError.self) { try ArchitectureFile.decode("ir_r1_k3_s1_e6_c16 ir_r1_k3_s2_e6_c24", name: "x") }
        #expect(throws: Never.self) { try ArchitectureFile.decode("ir_r1_k3_s2_e6_c16 ir_r1_k3_s1_e6_c24", name: "x") }
    }

    @Test func totalStrideIsCappedAt32() {
        let text = (0..<5).map { _ in "ir_r1_k3_s2_e6_c16" }.joined(separator: "\n")
        #expect(throws: ArchitectureError.invalidNetwork(field: "total stride", value: "64", expected: "at most 32 (stem and block strides multiplied)")) {
            try ArchitectureFile.decode(text, name: "deep")
        }
        #expect(throws: Never.self) { try ArchitectureFile.decode(text.split(separator: "\n").dropFirst().joined(separator: "\n"), name: "ok") }
    }
}
