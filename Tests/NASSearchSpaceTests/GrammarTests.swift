import Foundation
import NASArchitecture
import Testing

@testable import NASSearchSpace

@Suite struct GrammarTests {
    @Test func fieldDecisionsApplyToEveryLayerOfTheirBlock() throws {
        let s = try space(minimalSpace)
        #expect(s.name == "t")
        #expect(s.decisionSizes == Array(repeating: 2, count: 14))
        #expect(
            s.decisions.map(\.name).prefix(4) == [
                "block1.kernel", "block1.expansion", "block2.kernel", "block2.expansion",
            ])
        #expect(s.resolution == 224)  // the baseline's
        // block 2 kernel 5, expansion 3; the rest first options.
        var choices = Array(repeating: 0, count: 14)
        choices[2] = 1
        let network = try s.architecture(for: choices)
        #expect(TimmCodec.encode(network.stages[1][0]) == "ir_r2_k5_s2_e3_c24_se0.25")
        // Expansion on the depthwise-separable block 1 is harmless: still ds, e1.
        #expect(TimmCodec.encode(network.stages[0][0]) == "ds_r1_k3_s1_e1_c16_se0.25")
        #expect(
            s.describe(choices).prefix(4).map { "\($0.name)=\($0.value)" } == [
                "block1.kernel=3", "block1.expansion=3", "block2.kernel=5", "block2.expansion=3",
            ])
    }

    @Test func bundlesSetSeveralFieldsAtOnce() throws {
        let s = try space(
            """
            baseline: efficientnet-b0
            decisions:
              conv: [{kernel: 3, expansion: 6}, {kernel: 5, expansion: 3, label: k5e3}, {operator: fused-mbconv}]
              se: [0, 0.25]
            reward: {target: 400M}
            """)
        #expect(s.name == "test")  // from the file name
        #expect(s.decisions[0].name == "block1.conv")
        #expect(s.decisions[0].options == ["kernel=3 expansion=6", "k5e3", "operator=fused-mbconv"])
        #expect(s.decisions[0].fields == [.kernel, .expansion, .op])
        var choices = Array(repeating: 0, count: s.decisions.count)
        choices[2] = 1  // block2.conv = k5e3
        choices[5] = 0  // block3.se = 0
        choices[4] = 2  // block3.conv = fused-mbconv (keeps B0's k5, e6)
        let network = try s.architecture(for: choices)
        #expect(TimmCodec.encode(network.stages[1][0]) == "ir_r2_k5_s2_e3_c24")  // block2.se = 0
        #expect(TimmCodec.encode(network.stages[2][0]) == "er_r2_k5_s2_e6_c40")
        #expect(s.choices(matching: network) == choices)
    }

    @Test func blockOverridesReplaceRemoveAddAndFix() throws {
        let s = try space(
            """
            baseline: efficientnet-b0
            decisions:
              kernel: [3, 5]
              expansion: [3, 6]
              layers: [-1, 0, 1]
            blocks:
              1: {operator: [depthwise-separable, mbconv], expansion: [1, 6], layers: ~}
              2: {convop: [{kernel: 3, expansion: 4}, {kernel: 7, expansion: 2}]}
              3: {kernel: 7}
              4: {fixed: true}
              5: {fixed: true, filters: 1.5, se: 0}
            reward: {target: 400M}
            """)
        let names = s.decisions.map(\.name)
        // Block 1: kernel kept, expansion replaced in place, layers removed, operator added.
        #expect(names.filter { $0.hasPrefix("block1.") } == ["block1.kernel", "block1.expansion", "block1.operator"])
        #expect(s.decisions[1].options == ["1", "6"])
        // Block 2: the bundle replaces kernel and expansion, at kernel's place.
        #expect(names.filter { $0.hasPrefix("block2.") } == ["block2.convop", "block2.layers"])
        // Block 3: kernel fixed to 7 (not a decision); 4 and 5 have none.
        #expect(names.filter { $0.hasPrefix("block3.") } == ["block3.expansion", "block3.layers"])
        #expect(s.fixedSettings(ofBlock: 3) == [.kernel(7)])
        #expect(!names.contains { $0.hasPrefix("block4.") || $0.hasPrefix("block5.") })
        #expect(s.fixedSettings(ofBlock: 5) == [.filters(1.5), .se(0)])
        #expect(s.decisionSizes == [2, 2, 2] + [2, 3] + [2, 3] + [] + [] + [2, 2, 3] + [2, 2, 3])

        let network = try s.architecture(for: Array(repeating: 1, count: s.decisions.count))
        let strings = network.timmArchDef.map { $0[0] }
        #expect(strings[0] == "ir_r1_k5_s1_e6_c16_se0.25")  // mbconv, e6, k5
        #expect(strings[1] == "ir_r2_k7_s2_e2_c24_se0.25")  // the second bundle; layers 0
        #expect(strings[2] == "ir_r2_k7_s2_e6_c40_se0.25")  // fixed k7
        #expect(strings[3] == "ir_r3_k3_s2_e6_c80_se0.25")  // fixed: the baseline's block
        #expect(strings[4] == "ir_r3_k5_s1_e6_c168")  // 112 × 1.5, no SE
    }

    @Test func filtersRoundLikeMakeDivisibleAndLayersStayAtLeastOne() throws {
        let s = try space(
            """
            baseline: efficientnet-b0
            decisions:
              filters: [0.75, 1, 1.25]
              layers: [-3, 0, 2]
            reward: {target: 400M}
            """)
        let small = try s.architecture(for: Array(repeating: 0, count: 14))
        // 16 × .75 = 12 → 16; 24 × .75 = 18 → 24 (16 is more than 10% below); 40 → 32; 80 → 64;
        // 112 → 88 (84 rounds up); 192 → 144; 320 → 240.
        #expect(small.blocks.map(\.outFilters) == [16, 24, 32, 64, 88, 144, 240])
        #expect(small.blocks.map(\.repeats) == [1, 1, 1, 1, 1, 1, 1])
        let large = try s.architecture(for: Array(repeating: 2, count: 14))
        #expect(large.blocks.map(\.outFilters) == [24, 32, 48, 104, 144, 240, 400])  // 100 → 104
        #expect(large.blocks.map(\.repeats) == [3, 4, 4, 5, 5, 6, 3])
        #expect(try s.architecture(for: Array(repeating: 1, count: 14)) == s.baseline)
    }

    @Test func operatorChangesDropWhatTheOperatorCannotUse() throws {
        let s = try space(
            """
            baseline: efficientnet-b0
            decisions:
              operator: [conv, ds, mbconv, er]
              skip: [identity, none]
            reward: {target: 400M}
            """)
        func block2(_ op: Int, _ skip: Int) throws -> String {
            var choices = (0..<14).map { $0 % 2 == 0 ? 2 : 0 }  // mbconv, identity
            choices[2] = op
            choices[3] = skip
            return TimmCodec.encode(try s.architecture(for: choices).stages[1][0])
        }
        #expect(try block2(0, 0) == "cn_r2_k3_s2_c24_skip")  // SE and expansion dropped
        #expect(try block2(0, 1) == "cn_r2_k3_s2_c24")
        #expect(try block2(1, 0) == "ds_r2_k3_s2_e1_c24_se0.25")
        #expect(try block2(2, 1) == "ir_r2_k3_s2_e6_c24_se0.25_noskip")
        #expect(try block2(3, 0) == "er_r2_k3_s2_e6_c24_se0.25")
        #expect(s.decisions[0].options == ["conv", "depthwise-separable", "mbconv", "fused-mbconv"])
    }

    @Test func multiDefinitionStagesTakeTheLayerDeltaOnTheirLastDefinition() throws {
        let s = try space(
            """
            baseline:
              stem: 16
              head: 0
              classes: 10
              channels: 1
              resolution: 32
              stages:
                - ds_r1_k3_s1_c16
                - [ir_r1_k3_s2_e4_c24, ir_r2_k3_s1_e4_c24]
                - r2_k5_s22_e6_i24_o40_se0.25
            decisions:
              kernel: [3, 5]
              layers: [-2, 1]
            reward: {target: 2M, preset: hard}
            """)
        #expect(s.baseline.name == "test" && s.baseline.headFilters == 0 && s.baseline.classes == 10)
        #expect(s.resolution == 32)
        let network = try s.architecture(for: [1, 1, 1, 0, 1, 1])
        #expect(
            network.timmArchDef == [
                ["ds_r2_k5_s1_e1_c16"], ["ir_r1_k5_s2_e4_c24", "ir_r1_k5_s1_e4_c24"], ["ir_r3_k5_s2_e6_c40_se0.25"],
            ])
    }

    @Test func baselineMappingsAndReferences() throws {
        let s = try space(
            """
            name: refs
            baseline: {model: efficientnet-b0, classes: 10, channels: 1, head: 640}
            resolution: 64
            decisions: {kernel: [3, 5]}
            reward: {target: 20M}
            search:
              batch: 2
              trials: 6
              strategy: random
              references:
                - mobilenet_v2
                - [ds_r1_k3_s1_c16, ir_r2_k3_s2_e6_c24, ir_r1_k3_s2_e6_c40]
                - {name: tiny, head: 0, stages: [cn_r1_k3_s2_c8]}
            """)
        #expect(s.baseline.name == "efficientnet-b0" && s.baseline.classes == 10 && s.baseline.headFilters == 640)
        #expect(s.baseline.stages == NamedModels.efficientNetB0.stages)
        #expect(s.resolution == 64)
        var search = SearchSettings()
        search.batch = 2
        search.trials = 6
        search.strategy = "random"
        search.references = ["mobilenet-v2", "reference-2", "tiny"]
        #expect(s.search == search)
        #expect(s.references.count == 3)
        #expect(s.references[0] == (try NamedModels.network(named: "mobilenet-v2")))
        // Inline references inherit the baseline's settings.
        #expect(
            s.references[1].classes == 10 && s.references[1].headFilters == 640 && s.references[1].stages.count == 3)
        #expect(s.references[2].headFilters == 0 && s.references[2].inputChannels == 1)
    }

    @Test func describeAndChoiceErrors() throws {
        let s = try space(minimalSpace)
        #expect(s.describe([1, 0]).map(\.value) == ["5", "3"])
        #expect(s.describe([7]).map(\.value) == ["?7"])
        #expect(throws: SearchSpaceError.self) { try s.architecture(for: [0]) }
        do {
            _ = try s.architecture(for: Array(repeating: 0, count: 13) + [2])
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "test.yaml: choices[13]: block7.expansion: option 2 is out of range 0..<2")
        }
        do {
            _ = try s.architecture(for: [0])
        } catch {
            #expect(error.description == "test.yaml: choices: expected 14 choices (one per decision), got 1")
        }
    }

    @Test func proxyAndSearchSettings() throws {
        let s = try space(
            minimalSpace + """

                proxy:
                  dataset: cifar10
                  data: ../shared/datasets/cifar10-jpeg.tar.gz
                  validation: 5000
                  resolution: 32
                  width: 0.5
                  depth: 0.5
                  steps: 300
                  batch: 64
                  learning-rate: 0.1
                  label-smoothing: 0
                  dropout: 0.2
                  drop-connect: 0.1
                  augment: true
                  threads: 2
                """)
        var expected = ProxySettings()
        expected.dataset = "cifar10"
        expected.data = "../shared/datasets/cifar10-jpeg.tar.gz"
        expected.validation = 5000
        expected.width = 0.5
        expected.depth = 0.5
        expected.steps = 300
        expected.batch = 64
        expected.learningRate = 0.1
        expected.labelSmoothing = 0
        expected.dropout = 0.2
        expected.dropConnect = 0.1
        expected.augment = true
        expected.threads = 2
        #expect(s.proxy == expected)
        #expect(s.search == SearchSettings())
        // Codable for storage.
        let data = try JSONEncoder().encode(s.proxy)
        #expect(try JSONDecoder().decode(ProxySettings.self, from: data) == expected)
        #expect(String(decoding: data, as: UTF8.self).contains("\"learning_rate\""))
    }

    @Test func suggestionsPickTheNearestKey() {
        #expect(suggestion("decisons", SearchSpace.keys) == " — did you mean 'decisions'?")
        #expect(suggestion("zzzzzz", SearchSpace.keys) == "")
        #expect(editDistance("kitten", "sitting") == 3)
    }
}
