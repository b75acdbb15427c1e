import Foundation
import NASSearchSpace
import Testing

@testable import NASFidelity

@Suite struct CorrelationCandidatesTests {
    static let mnasnet: SearchSpace = {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../SearchSpaces/mnasnet.yaml").standardizedFileURL.path
        return try! SearchSpace.parse(try! String(contentsOfFile: file, encoding: .utf8), file: file)
    }()

    @Test func candidatesSpanTheCostRangeAndDependOnTheSeedAlone() throws {
        let picked = try CorrelationCandidates.pick(from: Self.mnasnet, count: 20, seed: 1)
        #expect(picked.count == 20)
        #expect(Set(picked.map(\.choices)).count == 20)
        #expect(zip(picked, picked.dropFirst()).allSatisfy { $0.macs <= $1.macs })
        // Spread: the largest costs several times the smallest (uniform samples of this
        // space crowd around the middle).
        #expect(Double(picked.last!.macs) / Double(picked.first!.macs) > 3)
        #expect(try CorrelationCandidates.pick(from: Self.mnasnet, count: 20, seed: 1) == picked)
        #expect(try CorrelationCandidates.pick(from: Self.mnasnet, count: 20, seed: 2) != picked)
        for candidate in picked {
            #expect(candidate.macs == candidate.network.resolved(resolution: Self.mnasnet.resolution).cost.macs)
        }
    }

    @Test func aSmallSpaceGivesWhatItHas() throws {
        let space = try SearchSpace.parse("""
            name: tiny
            baseline:
              name: tiny
              stem: 8
              head: 32
              classes: 10
              channels: 1
              resolution: 32
              stages:
                - ir_r1_k3_s1_e1_c8
            resolution: 32
            decisions:
              block:
                - {kernel: 3}
                - {kernel: 5}
            reward:
              metric: macs
              target: 1M
              preset: soft
            proxy:
              dataset: fashion-mnist
              resolution: 32
              steps: 8
            search:
              batch: 2
              trials: 2
            """, file: "tiny.yaml")
        let picked = try CorrelationCandidates.pick(from: space, count: 20, seed: 3)
        #expect(picked.count == 2 && picked[0].macs < picked[1].macs)
    }
}
