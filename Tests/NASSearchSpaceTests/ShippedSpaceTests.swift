import Foundation
import NASArchitecture
import Testing

@testable import NASSearchSpace
import NASRandom

@Suite struct ShippedSpaceTests {
    @Test func mnasnetHasSevenBlocksAndTheExpectedDecisions() throws {
        let space = try shippedSpace("mnasnet")
        #expect(space.name == "mnasnet")
        #expect(space.blockCount == 7)
        #expect(space.resolution == 224)
        let oneLayer = [4, 2, 2, 2, 3, 2]  // blocks 1 and 7: layers {0, +1}
        let block = [4, 2, 2, 2, 3, 3]  // operator, kernel, se, skip, filters, layers
        #expect(space.decisionSizes == oneLayer + Array([[Int]](repeating: block, count: 5).joined()) + oneLayer)
        #expect(
            space.decisions.prefix(6).map(\.name) == [
                "block1.operator", "block1.kernel", "block1.se", "block1.skip", "block1.filters", "block1.layers",
            ])
        #expect(space.decisions[0].options == ["conv", "depthwise-separable", "mbconv3", "mbconv6"])
        #expect(space.decisions.allSatisfy { space.fixedSettings(ofBlock: $0.block).isEmpty })
        #expect(space.reward == RewardSettings(metric: .macs, target: 400_000_000, preset: .soft))
        #expect(space.reward.alpha == -0.07 && space.reward.beta == -0.07)
        #expect(space.proxy.dataset == "cifar10" && space.proxy.resolution == 32 && space.proxy.width == 0.25 && space.proxy.stemStride == 1)
        #expect(space.proxy.epochs == 1 && space.proxy.steps == nil && space.proxy.threads == 1)
        #expect(space.search.batch == 8 && space.search.strategy == "reinforce")
        #expect(space.search.references == ["efficientnet-b0"])
        #expect(space.references == [NamedModels.efficientNetB0])
    }

    @Test func efficientNetB0IsAPointOfTheMnasNetSpace() throws {
        let space = try shippedSpace("mnasnet")
        let b0 = try NamedModels.network(named: "efficientnet-b0")
        let choices = try #require(space.choices(matching: b0))
        let network = try space.architecture(for: choices)
        #expect(network == b0)
        let cost = space.cost(of: network)
        #expect(cost.macs == 385_814_752)
        #expect(cost.params == 5_288_548)
        let described = Dictionary(uniqueKeysWithValues: space.describe(choices).map { ($0.name, $0.value) })
        #expect(described["block1.operator"] == "depthwise-separable")
        #expect(described["block2.operator"] == "mbconv6")
        #expect(described["block4.kernel"] == "3" && described["block6.kernel"] == "5")
        #expect(described["block3.se"] == "0.25" && described["block3.skip"] == "identity")
        #expect(described["block5.filters"] == "1" && described["block5.layers"] == "0")
        // The baseline itself (same network) matches too; MnasNet-A1's head and activation differ.
        #expect(space.choices(matching: space.baseline) == choices)
        #expect(space.choices(matching: try NamedModels.network(named: "mnasnet-a1")) == nil)
    }

    @Test func everyOptionOfEveryDecisionGivesAValidNetwork() throws {
        for name in ["mnasnet", "quickstart", "efficientnetv2"] {
            let space = try shippedSpace(name)
            let sizes = space.decisionSizes
            let first = Array(repeating: 0, count: sizes.count)
            _ = try space.architecture(for: first)
            _ = try space.architecture(for: sizes.map { $0 - 1 })
            for (index, size) in sizes.enumerated() {
                for option in 0..<size {
                    var choices = first
                    choices[index] = option
                    let network = try space.architecture(for: choices)
                    #expect(space.cost(of: network).macs > 0)
                }
            }
        }
    }

    @Test func seededRandomChoicesGiveValidNetworks() throws {
        let space = try shippedSpace("mnasnet")
        var generator = SplitMix64(seed: 42)
        var macs: [Int] = []
        for _ in 0..<200 {
            let choices = space.decisionSizes.map { Int.random(in: 0..<$0, using: &generator) }
            let network = try space.architecture(for: choices)
            try network.validate()
            #expect(network.stages.count == 7)
            #expect(network.blocks.map(\.stride) == space.baseline.blocks.map(\.stride))
            macs.append(space.cost(of: network).macs)
            // Every random point maps back to itself (or an equal network).
            let back = try #require(space.choices(matching: network))
            #expect(try space.architecture(for: back) == network)
        }
        #expect(Set(macs).count > 150)
        #expect(macs.min()! < 400_000_000 && macs.max()! > 400_000_000)
    }

    @Test func quickstartIsSmallAndFast() throws {
        let space = try shippedSpace("quickstart")
        #expect(space.blockCount == 4)
        #expect(space.decisionSizes == [2, 2, 2, 2, 3, 2, 2, 3, 2, 2, 3])
        #expect(space.decisions.prefix(2).map(\.name) == ["block1.kernel", "block1.se"])
        #expect(space.baseline.classes == 10 && space.baseline.inputChannels == 1)
        #expect(space.cost(of: space.baseline) == Cost(params: 155_906, macs: 1_819_520))
        #expect(space.reward.target == 2_000_000)
        #expect(space.reward.preset == .hard && space.reward.alpha == 0 && space.reward.beta == -1)
        #expect(space.proxy.steps == 60 && space.proxy.batch == 64 && space.proxy.width == 1)
        #expect(space.search.batch == 4 && space.search.trials == 16)
        #expect(space.references.isEmpty)
    }

    /// EfficientNetV2's training-aware space: the operator is searched in blocks 1–3 only,
    /// Fused-MBConv without SE against B0's MBConv with SE; kernel, expansion {1, 4, 6} and
    /// layers everywhere; the reward is A × S^w × P^v with the paper's exponents.
    @Test func efficientNetV2SearchesFusedMBConvEarlyWithTheTrainingAwareReward() throws {
        let space = try shippedSpace("efficientnetv2")
        #expect(space.name == "efficientnetv2" && space.blockCount == 7 && space.resolution == 224)
        let early = [2, 2, 3, 3]  // operator, kernel, expansion, layers
        let late = [2, 3, 3]  // kernel, expansion, layers: the operator is fixed
        #expect(space.decisionSizes == [2, 2, 3, 2] + early + early + late + late + late + [2, 3, 2])
        #expect(space.size == 2_176_782_336)
        #expect(space.decisions.prefix(4).map(\.name) == ["block1.operator", "block1.kernel", "block1.expansion", "block1.layers"])
        #expect(space.decisions.filter { $0.name.hasSuffix(".operator") }.map(\.block) == [1, 2, 3])
        #expect(space.decisions[0].options == ["fused-mbconv", "mbconv"])
        #expect(space.decisions[2].options == ["1", "4", "6"])
        for block in 4...7 { #expect(!space.fixedSettings(ofBlock: block).isEmpty) }
        #expect(space.reward == .trainingAware(stepExponent: -0.07, stepReference: 0.1, paramsExponent: -0.05, paramsReference: 5_300_000))
        #expect(space.proxy.dataset == "cifar10" && space.proxy.resolution == 32 && space.proxy.stemStride == 1 && space.proxy.width == 0.25)
        #expect(space.search.references == ["efficientnet-b0"] && space.search.strategy == "reinforce")

        // Every early block Fused-MBConv without SE, the rest MBConv with SE; B0 is not a point
        // (its first block is depthwise-separable), but its operators in block 1 as MBConv e1 are.
        var choices = Array(repeating: 0, count: space.decisionSizes.count)
        let fused = try space.architecture(for: choices)
        #expect(fused.blocks.map(\.op) == [.fusedMBConv, .fusedMBConv, .fusedMBConv, .mbconv, .mbconv, .mbconv, .mbconv])
        #expect(fused.blocks.map(\.seRatio) == [0, 0, 0, 0.25, 0.25, 0.25, 0.25])
        #expect(fused.blocks.map(\.stride) == space.baseline.blocks.map(\.stride))
        #expect(fused.blocks.map(\.outFilters) == space.baseline.blocks.map(\.outFilters))
        choices[0] = 1
        #expect(try space.architecture(for: choices).blocks[0].op == .mbconv)
        #expect(space.choices(matching: space.baseline) == nil)
        #expect(space.cost(of: space.baseline).params == 5_288_548)
    }

    /// The sandwich rule's smallest network (weight sharing): mnasnet-shared lists every
    /// option cheapest first, so it is option 0 everywhere, and no point is cheaper.
    @Test func smallestChoicesAreTheCheapestPoint() throws {
        let shared = try shippedSpace("mnasnet-shared")
        let smallest = try shared.smallestChoices()
        #expect(smallest == shared.decisionSizes.map { _ in 0 })
        let floor = shared.cost(of: try shared.architecture(for: smallest)).macs
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let choices = shared.decisionSizes.map { Int.random(in: 0..<$0, using: &generator) }
            #expect(shared.cost(of: try shared.architecture(for: choices)).macs >= floor)
        }
        // Picked by cost, not by position: with the options listed largest first it is the last.
        let reversed = try space(
            """
            baseline: efficientnet-b0
            decisions:
              kernel: [5, 3]
              expansion: [6, 3]
            blocks:
              1: {expansion: ~}
            reward: {target: 400M}
            """)
        #expect(try reversed.smallestChoices() == reversed.decisionSizes.map { $0 - 1 })
    }
}
