import Testing

@testable import NASFidelity

@Suite struct KendallBootstrapTests {
    /// A perfect proxy's interval is [1, 1] and it always beats MACs that rank backwards; a
    /// noisy one's interval holds its τ and is wide with eight candidates.
    @Test func intervalsHoldTheirTauAndDependOnTheSeedAlone() throws {
        let reference = RankCorrelationTests.reference
        let backwards = reference.map { -$0 }
        let perfect = try #require(KendallBootstrap(proxy: reference, reference: reference, macs: backwards))
        #expect(perfect.low == 1 && perfect.high == 1 && perfect.aboveMACs == 1)
        let proxy = RankCorrelationTests.proxy
        let noisy = try #require(KendallBootstrap(proxy: proxy, reference: reference, macs: backwards))
        let tau = try #require(RankCorrelation.kendall(proxy, reference))
        #expect(noisy.low < tau && tau < noisy.high && noisy.high - noisy.low > 0.3)
        #expect(KendallBootstrap(proxy: proxy, reference: reference, macs: backwards) == noisy)
        #expect(KendallBootstrap(proxy: proxy, reference: reference, macs: backwards, seed: 2) != noisy)
        #expect(KendallBootstrap(proxy: [1, 2], reference: [1, 2], macs: [1, 2]) == nil)
    }
}
