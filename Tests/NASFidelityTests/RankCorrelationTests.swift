import Testing

@testable import NASFidelity

/// Known values from SciPy 1.17 (`scipy.stats.kendalltau`, `spearmanr`).
@Suite struct RankCorrelationTests {
    static let proxy = [0.91, 0.88, 0.93, 0.85, 0.90, 0.87, 0.92, 0.86]
    static let reference = [0.62, 0.58, 0.66, 0.51, 0.57, 0.60, 0.64, 0.50]

    @Test func matchesSciPyWithoutTies() throws {
        #expect(abs(try #require(RankCorrelation.kendall(Self.proxy, Self.reference)) - 0.7142857142857142) < 1e-12)
        #expect(abs(try #require(RankCorrelation.spearman(Self.proxy, Self.reference)) - 0.880952380952381) < 1e-12)
    }

    @Test func matchesSciPyWithTies() throws {
        let a: [Double] = [1, 2, 2, 3, 4, 4, 4, 5], b: [Double] = [2, 1, 3, 3, 5, 4, 4, 6]
        #expect(abs(try #require(RankCorrelation.kendall(a, b)) - 0.8406728074767076) < 1e-12)
        #expect(abs(try #require(RankCorrelation.spearman(a, b)) - 0.9256265453136692) < 1e-12)
        #expect(RankCorrelation.ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
    }

    @Test func extremesAndDegenerateLists() {
        let up: [Double] = [1, 2, 3, 4, 5]
        #expect(RankCorrelation.kendall(up, up.reversed()).map { abs($0 + 1) < 1e-12 } == true)
        #expect(RankCorrelation.spearman(up, up) == 1)
        #expect(RankCorrelation.kendall([1], [2]) == nil && RankCorrelation.spearman([1], [2]) == nil)
        #expect(RankCorrelation.kendall([1, 1, 1], [1, 2, 3]) == nil)
    }

    @Test func topOverlapCountsSharedLeaders() {
        // Top 3 by proxy: indices 2, 6, 0; by reference: 2, 6, 0 → all shared.
        #expect(RankCorrelation.topOverlap(Self.proxy, Self.reference, k: 3) == 1)
        // Top 2 of [4,3,2,1] = {0,1}, of [1,2,3,4] = {3,2}: none shared.
        #expect(RankCorrelation.topOverlap([4, 3, 2, 1], [1, 2, 3, 4], k: 2) == 0)
        #expect(RankCorrelation.topOverlap([4, 3, 2, 1], [4, 1, 3, 2], k: 2) == 0.5)
        #expect(RankCorrelation.topOverlap([1, 2], [2, 1], k: 0) == 0)
    }
}
