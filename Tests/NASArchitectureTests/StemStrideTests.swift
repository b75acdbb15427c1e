import Testing

@testable import NASArchitecture

@Suite struct StemStrideTests {
    static let small = """
        stem: 16
        head: 64
        ds_r1_k3_s1_e1_c16_se0.25
        ir_r2_k3_s2_e6_c24_se0.25
        """

    static func network(stride: Int) throws -> Network {
        var network = try ArchitectureFile.decode(small, name: "t")
        network.stemStride = stride
        return network
    }

    @Test func strideTwoTextAndJSONAreUnchanged() throws {
        let network = try Self.network(stride: 2)
        #expect(network.stemStride == 2)
        let text = ArchitectureFile.encode(network)
        #expect(text == """
            name: t
            stem: 16
            head: 64
            activation: swish
            resolution: 224
            classes: 1000
            channels: 3
            dropout: 0.2
            drop-connect: 0.2
            ds_r1_k3_s1_e1_c16_se0.25
            ir_r2_k3_s2_e6_c24_se0.25

            """)
        #expect(!ArchitectureJSON(network).encoded().contains("stem_stride"))
        #expect(NamedModels.efficientNetB0.stemStrideNote == nil)
    }

    @Test func strideOneRoundTripsThroughTextAndJSON() throws {
        let network = try Self.network(stride: 1)
        let text = ArchitectureFile.encode(network)
        #expect(text.contains("\nstem: 16\nstem-stride: 1\nhead: 64\n"))
        #expect(try ArchitectureFile.decode(text, name: "x") == network)
        let json = ArchitectureJSON(network).encoded()
        #expect(json.contains("\"stem_stride\" : 1"))
        #expect(try ArchitectureFile.decode(json, name: "x") == network)
        #expect(ArchitectureSummary(network).stages[0].stride == 1)
        #expect(network.scaled(width: 1.2, depth: 1.1).stemStride == 1)
        #expect(network.stemStrideNote?.contains("stem-stride 1") == true)
    }

    @Test func otherStridesAreRefusedInOneLine() throws {
        #expect(throws: ArchitectureError.self) { try ArchitectureFile.decode("stem-stride: 3\n" + Self.small, name: "t") }
        #expect(throws: ArchitectureError.self) { try ArchitectureFile.decode("stem-stride: two\n" + Self.small, name: "t") }
        let network = try Self.network(stride: 0)
        #expect(throws: ArchitectureError.invalidNetwork(field: "stem-stride", value: "0", expected: "1 or 2")) {
            try network.validate()
        }
    }

    /// After the stem, 32 px at stride 1 is 64 px at stride 2: the blocks and head cost the
    /// same, and the stem costs 4× (the same conv over 4× the positions).
    @Test func costAtHalfTheResolutionWithStrideOneMatches() throws {
        let one = try Self.network(stride: 1).resolved(resolution: 32)
        let two = try Self.network(stride: 2).resolved(resolution: 64)
        #expect(one.stemOutputSize == 32 && two.stemOutputSize == 32)
        #expect(one.blocks.map(\.outputSize) == two.blocks.map(\.outputSize))
        #expect(one.blocks.reduce(Cost.zero) { $0 + $1.cost } == two.blocks.reduce(Cost.zero) { $0 + $1.cost })
        #expect(one.headCost == two.headCost)
        #expect(one.stemCost == two.stemCost)
        // 3×3×3×16 multiply-adds per output position, 32×32 positions.
        #expect(one.stemCost.macs == 27 * 16 * 32 * 32)
        #expect(one.cost == two.cost)
    }

    @Test func totalStrideCountsTheStem() throws {
        // Five stride-2 blocks: 32 after a stride-1 stem, 64 (past timm's limit) after a stride-2 one.
        let blocks = (1...5).map { _ in "ir_r1_k3_s2_e2_c16" }.joined(separator: "\n")
        #expect(try ArchitectureFile.decode("stem-stride: 1\n" + blocks, name: "t").stemStride == 1)
        #expect(throws: ArchitectureError.self) { try ArchitectureFile.decode("stem-stride: 2\n" + blocks, name: "t") }
    }
}
