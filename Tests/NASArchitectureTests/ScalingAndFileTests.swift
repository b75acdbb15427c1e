import Testing

@testable import NASArchitecture

@Suite struct ScalingTests {
    @Test func roundFiltersFollowsTheNinetyPercentRule() {
        #expect(roundFilters(32, width: 1.1) == 32)  // 35.2 -> 32 (not below 90%)
        #expect(roundFilters(320, width: 1.1) == 352)
        #expect(roundFilters(359, width: 0.1) == 40)  // 35.9 -> 32 < 32.31 -> 40
        #expect(roundFilters(1280, width: 1.4) == 1792)
        #expect(roundFilters(3) == 8)  // never below the divisor
        #expect(roundFilters(12) == 16)  // timm rounds even at width 1
        #expect(roundFilters(20) == 24)
        #expect(roundFilters(36, width: 1.0) == 40)  // int(36 + 4) // 8 * 8
        #expect(makeDivisible(16 * 1.5) == 24)
    }

    @Test func roundRepeatsIsCeil() {
        #expect(roundRepeats(2, depth: 1.1) == 3)
        #expect(roundRepeats(1, depth: 1.1) == 2)
        #expect(roundRepeats(4, depth: 3.1) == 13)
        #expect(roundRepeats(3, depth: 1.0) == 3)
        #expect(scaledStageRepeats([3], depth: 1.4) == [5])
        // Several definitions in a stage: ceil(4 × 1.4) = 6 spread from the back, round-half-even.
        #expect(scaledStageRepeats([1, 3], depth: 1.4) == [2, 4])
        #expect(scaledStageRepeats([2, 2], depth: 0.5) == [1, 1])
    }

    @Test func variantScalingMatchesTheNamedModels() throws {
        let b0 = NamedModels.efficientNetB0
        for variant in ScalingCoefficients.efficientNet {
            var scaled = b0.scaled(to: variant)
            scaled.name = "efficientnet-\(variant.name)"
            #expect(scaled == (try NamedModels.network(named: "efficientnet-\(variant.name)")))
        }
        let b3 = b0.scaled(to: try ScalingCoefficients.variant("B3"))
        #expect(b3.stemFilters == 40 && b3.headFilters == 1536 && b3.resolution == 300 && b3.dropout == 0.3)
        #expect(b3.blocks.map(\.repeats) == [2, 3, 3, 5, 5, 6, 2])
        #expect(b3.blocks.map(\.outFilters) == [24, 32, 48, 96, 136, 232, 384])
    }

    @Test func freeScalingIsIdentityAtOne() {
        let b0 = NamedModels.efficientNetB0
        #expect(b0.scaled(width: 1, depth: 1) == b0)
    }

    @Test func countsDependOnResolution() {
        let b0 = NamedModels.efficientNetB0
        let r32 = b0.resolved(resolution: 32)
        #expect(r32.cost.params == b0.resolved().cost.params)
        #expect(r32.blocks.last!.outputSize == 1)
        #expect(r32.stemOutputSize == 16)
        // Odd sizes round up on stride 2 (same padding).
        #expect(b0.resolved(resolution: 225).stemOutputSize == 113)
    }

    @Test func resolvedLayersFollowTimmsBuilder() {
        let r = NamedModels.efficientNetB0.resolved()
        #expect(r.blocks.count == 16)
        #expect(r.blocks[0].op == .depthwiseSeparable && r.blocks[0].seChannels == 8 && r.blocks[0].hasSkip == false)
        #expect(r.blocks[1].midChannels == 96 && r.blocks[1].seChannels == 4 && r.blocks[1].stride == 2)
        #expect(r.blocks[2].hasSkip && r.blocks[2].stride == 1)
        #expect(r.blocks.last!.dropConnect == 0.2 * 15 / 16)
        #expect(r.featureChannels == 1280)
    }
}

@Suite struct ArchitectureFileTests {
    @Test(arguments: NamedModels.names)
    func canonicalTextRoundTrips(name: String) throws {
        let network = try NamedModels.network(named: name)
        let text = ArchitectureFile.encode(network)
        #expect(try ArchitectureFile.decode(text, name: "other") == network)
    }

    @Test func tfFileTakesItsStemFromTheFirstBlock() throws {
        let text = "# EfficientNet-B0 in TF strings\n" + b0TF.map { $0 + "   # a comment" }.joined(separator: "\n")
        let network = try ArchitectureFile.decode(text, name: "b0-tf")
        #expect(network.name == "b0-tf")
        #expect(network.stages == NamedModels.efficientNetB0.stages)
        #expect(network.stemFilters == 32)
        #expect(network.resolved().cost.params == 5_288_548)
    }

    @Test func settingsAndMixedForms() throws {
        let text = """
            name: tiny
            stem: 16
            head: 0
            activation: relu
            resolution: 32
            classes: 10
            channels: 1
            dropout: 0.1
            drop-connect: 0
            ds_r1_k3_s1_e1_c16 r1_k3_s11_e6_i16_o24
            \tcn_r1_k3_s1_c24_skip
            """
        let network = try ArchitectureFile.decode(text, name: "ignored")
        #expect(network.name == "tiny" && network.headFilters == 0 && network.classes == 10)
        #expect(network.stages.count == 2 && network.stages[0].count == 2)
        let resolved = network.resolved()
        #expect(resolved.featureChannels == 24)
        #expect(resolved.blocks.last!.hasSkip)
        #expect(try ArchitectureFile.decode(ArchitectureFile.encode(network), name: "x") == network)
        // Without a head conv the classifier reads the last block's channels.
        #expect(resolved.headCost == Cost(params: 24 * 10 + 10, macs: 240))
    }

    @Test func summaryRowsAddUpToTheTotal() throws {
        for name in NamedModels.names {
            let summary = ArchitectureSummary(try NamedModels.network(named: name), resolution: 64)
            #expect(summary.stages.reduce(0) { $0 + $1.params } == summary.params)
            #expect(summary.stages.reduce(0) { $0 + $1.macs } == summary.macs)
        }
        let table = ArchitectureSummary(NamedModels.efficientNetB0).table()
        #expect(table.contains("5,288,548") && table.contains("385,814,752"))
        #expect(table.split(separator: "\n").count == 2 + 9 + 1)
    }
}

@Suite struct ArchitectureJSONTests {
    /// The JSON export reads back through the same entry point as architecture files.
    @Test func jsonRoundTripsEveryNamedModel() throws {
        for name in NamedModels.names {
            let network = try NamedModels.network(named: name)
            let json = ArchitectureJSON(network)
            #expect(try ArchitectureFile.decode(json.encoded(), name: "ignored") == network)
            #expect(json.macs == network.resolved(resolution: network.resolution).cost.macs)
        }
    }

    @Test func badJSONSaysWhat() {
        #expect(throws: ArchitectureError.self) { try ArchitectureFile.decode("{\"name\": 1}", name: "x") }
        #expect(throws: ArchitectureError.self) { try ArchitectureFile.decode("{ not json", name: "x") }
        var json = ArchitectureJSON(try! NamedModels.network(named: "efficientnet-b0"))
        json.timm[1][0] = "ir_r2_k4"
        #expect {
            try json.network()
        } throws: { error in
            (error as? ArchitectureError)?.description.contains("timm[1]") == true
        }
    }
}
