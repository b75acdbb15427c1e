import Testing

@testable import NASFidelity

@Suite struct FidelitySummaryTests {
    /// Eight candidates: proxy means = RankCorrelationTests.proxy, reference means = .reference.
    static func measurements() -> [FidelityMeasurement] {
        zip(RankCorrelationTests.proxy, RankCorrelationTests.reference).enumerated().map { index, pair in
            FidelityMeasurement(macs: 100 + 10 * index, params: 1000 - index, proxy: [pair.0 - 0.01, pair.0 + 0.01],
                                reference: [pair.1 + 0.001, pair.1 - 0.001])
        }
    }

    @Test func statisticsOfTheSeedMeans() throws {
        let summary = FidelitySummary(Self.measurements())
        #expect(summary.candidates == 8 && summary.topK == 2)
        #expect(abs(try #require(summary.kendall) - 0.7142857142857142) < 1e-12)
        #expect(abs(try #require(summary.spearman) - 0.880952380952381) < 1e-12)
        #expect(summary.topOverlap == 1)  // both put candidates 2 and 6 first
        // MACs rise with the index and parameters fall: opposite τ.
        let macs = try #require(summary.macsKendall), params = try #require(summary.paramsKendall)
        #expect(abs(macs + params) < 1e-12)
        // Every seed shifts all candidates alike: each budget's seeds agree as its means do.
        #expect(summary.proxySeedKendall == RankCorrelation.kendall(RankCorrelationTests.proxy, RankCorrelationTests.proxy))
        #expect(summary.referenceSeedKendall == 1)
    }

    @Test func theTopHalfIsTheReferencesBetterHalf() throws {
        let summary = FidelitySummary(Self.measurements())
        // The reference's best four: candidates 2, 6, 0, 5 (0.66, 0.64, 0.62, 0.60); their
        // proxy means 0.93, 0.92, 0.91, 0.87 rank them the same way.
        #expect(summary.kendallTopHalf == 1)
    }

    @Test func candidatesWithoutBothBudgetsAreLeftOut() {
        var measurements = Self.measurements()
        measurements[3].reference = []
        measurements[4].proxy = []
        let summary = FidelitySummary(measurements, topK: 3)
        #expect(summary.candidates == 6 && summary.topK == 3)
        #expect(FidelitySummary([]).kendall == nil && FidelitySummary([]).candidates == 0)
    }
}
