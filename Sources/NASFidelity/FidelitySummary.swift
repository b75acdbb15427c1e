/// One correlation candidate's accuracies at the proxy budget and at the reference budget,
/// one per seed (a failed training is simply missing), and its cost.
public struct FidelityMeasurement: Sendable, Hashable {
    public var macs: Int
    public var params: Int
    public var proxy: [Double]
    public var reference: [Double]

    public init(macs: Int, params: Int, proxy: [Double], reference: [Double]) {
        (self.macs, self.params, self.proxy, self.reference) = (macs, params, proxy, reference)
    }
}

/// How well a proxy ranks, beside what it must beat: the reference's own seed-to-seed
/// agreement (the ceiling no proxy can pass) and MACs or parameters alone (free baselines).
/// Accuracies are averaged over seeds before ranking; candidates without at least one
/// result at each budget are left out (`candidates` counts those kept).
public struct FidelitySummary: Sendable, Hashable, Codable {
    public var candidates: Int
    /// Proxy against reference, over every kept candidate.
    public var kendall: Double?
    /// τ's 90% bootstrap interval over the candidates, and how often it beats MACs' τ there.
    public var kendallBootstrap: KendallBootstrap?
    public var spearman: Double?
    /// Proxy against reference among the reference's better half: does it rank the leaders?
    public var kendallTopHalf: Double?
    /// Of the reference's `topK` best, the fraction that are also the proxy's `topK` best.
    public var topOverlap: Double
    public var topK: Int
    /// MACs and parameter count against the reference: what a proxy must beat to be worth
    /// its training.
    public var macsKendall: Double?
    public var paramsKendall: Double?
    /// The first two seeds of each budget against each other (candidates with both).
    public var referenceSeedKendall: Double?
    public var proxySeedKendall: Double?

    /// `topK` defaults to a quarter of the candidates (at least one).
    public init(_ measurements: [FidelityMeasurement], topK: Int? = nil) {
        let kept = measurements.filter { !$0.proxy.isEmpty && !$0.reference.isEmpty }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
        let proxy = kept.map { mean($0.proxy) }, reference = kept.map { mean($0.reference) }
        candidates = kept.count
        kendall = RankCorrelation.kendall(proxy, reference)
        kendallBootstrap = KendallBootstrap(proxy: proxy, reference: reference, macs: kept.map { Double($0.macs) })
        spearman = RankCorrelation.spearman(proxy, reference)
        let better = kept.indices.sorted { reference[$0] > reference[$1] }.prefix(max(2, kept.count / 2))
        kendallTopHalf = RankCorrelation.kendall(better.map { proxy[$0] }, better.map { reference[$0] })
        self.topK = max(1, topK ?? kept.count / 4)
        topOverlap = RankCorrelation.topOverlap(proxy, reference, k: self.topK)
        macsKendall = RankCorrelation.kendall(kept.map { Double($0.macs) }, reference)
        paramsKendall = RankCorrelation.kendall(kept.map { Double($0.params) }, reference)
        referenceSeedKendall = Self.seedAgreement(kept.map(\.reference))
        proxySeedKendall = Self.seedAgreement(kept.map(\.proxy))
    }

    /// Kendall τ between the first and second seed, over candidates that have both.
    public static func seedAgreement(_ values: [[Double]]) -> Double? {
        let pairs = values.filter { $0.count >= 2 }
        return RankCorrelation.kendall(pairs.map { $0[0] }, pairs.map { $0[1] })
    }
}
