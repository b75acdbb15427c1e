import Foundation
import NASArchitecture
import Testing

@testable import NASSearchSpace

/// The baseline's `stem-stride` reaches every candidate, its cost and its references.
@Suite struct StemStrideSpaceTests {
    static let text = minimalSpace.replacingOccurrences(
        of: "baseline: efficientnet-b0", with: "baseline: {model: efficientnet-b0, stem-stride: 1, classes: 10}\nresolution: 32")

    @Test func candidatesKeepTheBaselinesStemStride() throws {
        let s = try space(Self.text)
        #expect(s.baseline.stemStride == 1)
        let candidate = try s.architecture(for: Array(repeating: 0, count: s.decisions.count))
        #expect(candidate.stemStride == 1)
        // At 32 px with a stride-1 stem the blocks see what they see at 64 px with stride 2.
        var twice = candidate
        twice.stemStride = 2
        #expect(s.cost(of: candidate) == twice.resolved(resolution: 64).cost)
        #expect(try space(minimalSpace).baseline.stemStride == 2)
    }

    @Test func otherStridesAreRefusedAtTheirNode() {
        let text = Self.text.replacingOccurrences(of: "stem-stride: 1", with: "stem-stride: 4")
        let error = refusal(text)
        #expect(error?.field == "baseline.stem-stride")
        #expect(error?.description.contains("1 or 2") == true)
    }
}
