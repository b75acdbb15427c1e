import NASSearchSpace

/// The end of a weight-sharing search: architectures trained from scratch, as ordinary trials
/// of the run, at a budget that ranks (the run's one promotion rung) — the policy's most
/// likely architecture and the `top` best-scored ones with `seeds` seeds each, the space's
/// references likewise, and `random` architectures with `randomSeeds` each — drawn uniformly,
/// or spread evenly over the space's MACs range (`sample`: the fidelity study's correlation
/// candidates, so τ is measured over the whole space rather than its crowded middle).
/// Each is also scored with the final shared weights on `images` validation images (a rung-0
/// trial of the last batch; the same images for all, from a fixed shuffle of the split), so
/// the run holds both rankings: the shared-weights vs stand-alone Kendall τ over every
/// verified architecture (`nas status`).
public struct OneShotVerification: Codable, Hashable, Sendable {
    public var top: Int
    public var random: Int
    public var seeds: Int
    public var randomSeeds: Int
    public var images: Int
    /// nil: uniform (stored as no key, as runs saved before the choice existed).
    public var sample: RandomSample?

    /// How the `random` architectures are drawn.
    public enum RandomSample: String, Codable, Hashable, Sendable {
        /// Each decision uniformly: most land near the space's median cost.
        case uniform
        /// Evenly spaced in MACs over a large uniform pool, its cheapest and largest included.
        case macs
    }

    public static let countRange = 0...200
    public static let seedsRange = PromotionPlan.seedsRange

    public init(top: Int = 5, random: Int = 15, seeds: Int = 3, randomSeeds: Int = 1, images: Int = 2000, sample: RandomSample? = nil) {
        (self.top, self.random, self.seeds, self.randomSeeds, self.images) = (top, random, seeds, randomSeeds, images)
        self.sample = sample
    }

    /// `--verify` text: `top=N`, `random=N`, `seeds=N`, `random-seeds=N`, `images=N`,
    /// `sample=uniform|macs` and the budget as proxy keys (`epochs=3`; default three times the
    /// proxy's); the budget becomes the run's one promotion rung.
    public static func parse(_ text: String, over proxy: ProxySettings) throws(SearchError) -> (OneShotVerification, PromotionRung) {
        var verification = OneShotVerification()
        var budget: [String] = []
        for pair in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let value = parts.count == 2 ? Int(parts[1]) : nil
            func number(_ range: ClosedRange<Int>) throws(SearchError) -> Int {
                guard let value, range.contains(value) else {
                    throw .invalid("--verify '\(text)': \(parts[0]) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
                }
                return value
            }
            switch parts.first {
            case "top": verification.top = try number(countRange)
            case "random": verification.random = try number(countRange)
            case "seeds": verification.seeds = try number(seedsRange)
            case "random-seeds": verification.randomSeeds = try number(seedsRange)
            case "images": verification.images = try number(OneShotPlan.scoreImagesRange)
            case "sample":
                guard parts.count == 2, let sample = RandomSample(rawValue: parts[1]) else {
                    throw .invalid("--verify '\(text)': sample must be uniform or macs")
                }
                verification.sample = sample == .uniform ? nil : sample
            default: budget.append(pair)
            }
        }
        // Three times the proxy's budget unless given, as promotion recommends.
        let rung = budget.isEmpty ? PromotionPlan.recommended(proxy: proxy).rungs[0] : try PromotionPlan.rung(budget.joined(separator: ","), over: proxy)
        return (verification, PromotionRung(label: rung.label, proxy: rung.proxy, fraction: 1, seeds: verification.seeds))
    }
}
