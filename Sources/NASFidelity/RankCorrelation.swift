/// How well two rankings of the same candidates agree: the measure of a proxy's fidelity
/// (proxy accuracy against a longer training's, two seeds against each other, or MACs
/// against accuracy as the free baseline). Values match SciPy's `kendalltau` and
/// `spearmanr`, ties included (tests).
public enum RankCorrelation {
    /// Kendall's τ-b: (concordant − discordant) / √((pairs − ties in a)(pairs − ties in b)),
    /// where a pair tied in both lists counts in both tie terms. Nil for fewer than two
    /// candidates or a list with every value equal (no ranking to compare).
    public static func kendall(_ a: [Double], _ b: [Double]) -> Double? {
        precondition(a.count == b.count, "rankings of different lengths")
        var concordant = 0.0, discordant = 0.0, tiedA = 0.0, tiedB = 0.0
        for i in a.indices {
            for j in (i + 1)..<a.count {
                let (x, y) = (a[i] - a[j], b[i] - b[j])
                if x == 0 { tiedA += 1 }
                if y == 0 { tiedB += 1 }
                if x != 0 && y != 0 {
                    if (x > 0) == (y > 0) { concordant += 1 } else { discordant += 1 }
                }
            }
        }
        let pairs = Double(a.count * (a.count - 1) / 2)
        let denominator = ((pairs - tiedA) * (pairs - tiedB)).squareRoot()
        return denominator > 0 ? (concordant - discordant) / denominator : nil
    }

    /// Spearman's ρ: Pearson's correlation of the two lists' ranks (ties share their mean
    /// rank). Nil for fewer than two candidates or a constant list.
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double? {
        precondition(a.count == b.count, "rankings of different lengths")
        guard a.count > 1 else { return nil }
        let (x, y) = (ranks(a), ranks(b))
        let n = Double(a.count), meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var covariance = 0.0, varianceX = 0.0, varianceY = 0.0
        for (u, v) in zip(x, y) {
            covariance += (u - meanX) * (v - meanY)
            varianceX += (u - meanX) * (u - meanX)
            varianceY += (v - meanY) * (v - meanY)
        }
        let denominator = (varianceX * varianceY).squareRoot()
        return denominator > 0 ? covariance / denominator : nil
    }

    /// The fraction of the `k` highest by `a` that are also among the `k` highest by `b`
    /// (equal values in list order): do both agree on which candidates lead?
    public static func topOverlap(_ a: [Double], _ b: [Double], k: Int) -> Double {
        precondition(a.count == b.count, "rankings of different lengths")
        let k = min(k, a.count)
        guard k > 0 else { return 0 }
        func top(_ values: [Double]) -> Set<Int> {
            Set(values.indices.sorted { (values[$0], -$0) > (values[$1], -$1) }.prefix(k))
        }
        return Double(top(a).intersection(top(b)).count) / Double(k)
    }

    /// 1-based ranks, ascending; equal values share the mean of the ranks they span.
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let shared = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = shared }
            start = end + 1
        }
        return ranks
    }
}
