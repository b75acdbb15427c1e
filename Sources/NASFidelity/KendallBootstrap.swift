import NASRandom

/// How sure a τ measured on a few candidates is: a percentile bootstrap over the candidates
/// (resampled with replacement, ties counted by τ-b), and in the same resamples how often the
/// proxy ranks better than MACs alone. Twenty candidates leave τ uncertain by about ±0.15, so
/// "beats MACs by a clear margin" is a statement about this, not about two point values.
public struct KendallBootstrap: Sendable, Hashable, Codable {
    /// The 5th and 95th percentiles of τ (a 90% interval).
    public var low: Double
    public var high: Double
    /// The share of resamples in which the proxy's τ is above MACs' τ.
    public var aboveMACs: Double

    public static let resamples = 2000

    /// Nil when fewer than three candidates or no resample has a defined τ. The resamples
    /// come from `seed` alone, so the same measurements give the same interval.
    public init?(proxy: [Double], reference: [Double], macs: [Double], seed: UInt64 = 0x7A0_5EED) {
        precondition(proxy.count == reference.count && macs.count == reference.count, "lists of different lengths")
        let count = proxy.count
        guard count >= 3 else { return nil }
        var generator = SeededGenerator(seed: seed)
        var taus: [Double] = []
        var above = 0
        var indices = [Int](repeating: 0, count: count)
        for _ in 0..<Self.resamples {
            for slot in indices.indices { indices[slot] = Int.random(in: 0..<count, using: &generator) }
            let sample = (indices.map { proxy[$0] }, indices.map { reference[$0] }, indices.map { macs[$0] })
            guard let tau = RankCorrelation.kendall(sample.0, sample.1) else { continue }
            taus.append(tau)
            if tau > (RankCorrelation.kendall(sample.2, sample.1) ?? 0) { above += 1 }
        }
        guard !taus.isEmpty else { return nil }
        taus.sort()
        func percentile(_ p: Double) -> Double { taus[min(taus.count - 1, Int((p * Double(taus.count - 1)).rounded()))] }
        low = percentile(0.05)
        high = percentile(0.95)
        aboveMACs = Double(above) / Double(taus.count)
    }
}
