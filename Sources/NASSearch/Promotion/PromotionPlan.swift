import NASSearchSpace

/// One rung of promotion: a larger budget (the proxy with some settings replaced), how many
/// of the previous rung's architectures in each batch reach it, and with how many seeds.
public struct PromotionRung: Codable, Hashable, Sendable {
    /// What the rung changes from the proxy (`epochs=3`).
    public var label: String
    public var proxy: ProxySettings
    /// Of the architectures a batch brought to the previous rung, the best `fraction` (at
    /// least one) come up to this one.
    public var fraction: Double
    public var seeds: Int

    public init(label: String, proxy: ProxySettings, fraction: Double, seeds: Int) {
        (self.label, self.proxy, self.fraction, self.seeds) = (label, proxy, fraction, seeds)
    }
}

/// Promotion of leaders (successive halving): after each batch, its best sampled
/// architectures are evaluated again at rung 1's budget, the best of those at rung 2's, and
/// so on, one batch later per rung; reference trials climb every rung, so the result is
/// compared with them at the same budget. The controller learns from rung 0 (the proxy)
/// alone; the search's promoted result is the best mean at the highest rung reached
/// (`PromotionSummary`). Promoted evaluations are trials of their own (`TrialRole.promoted`,
/// `TrialRecord.rung`), enqueued with the next batch in the same transaction as the
/// controller's state, so they too depend on the seed alone and survive any kill.
public struct PromotionPlan: Codable, Hashable, Sendable {
    public var rungs: [PromotionRung]

    public static let rungsRange = 1...4
    public static let seedsRange = 1...10

    public init(rungs: [PromotionRung]) { self.rungs = rungs }

    /// New built-in-trainer searches' promotion: the best third of each batch to three times
    /// the proxy's budget, one seed — about twice the search's training in all.
    public static func recommended(proxy: ProxySettings) -> PromotionPlan {
        var longer = proxy
        if let steps = proxy.steps { longer.steps = steps * 3 } else { longer.epochs = proxy.epochs * 3 }
        return PromotionPlan(rungs: [PromotionRung(label: longer.differences(from: proxy), proxy: longer, fraction: 1.0 / 3, seeds: 1)])
    }

    /// A rung from `--promote` text: `top=F` (the fraction, (0, 1]), `seeds=N`, and proxy
    /// keys over `proxy` (`top=0.34,seeds=2,epochs=3`).
    public static func rung(_ text: String, over proxy: ProxySettings) throws(SearchError) -> PromotionRung {
        var fraction = 1.0 / 3, seeds = 1
        var rest: [String] = []
        for pair in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            switch parts.first {
            case "top":
                guard parts.count == 2, let value = Double(parts[1]), value > 0, value <= 1 else {
                    throw .invalid("--promote '\(text)': top must be a fraction in (0, 1], got '\(parts.dropFirst().first ?? "")'")
                }
                fraction = value
            case "seeds":
                guard parts.count == 2, let value = Int(parts[1]), seedsRange.contains(value) else {
                    throw .invalid("--promote '\(text)': seeds must be from \(seedsRange.lowerBound) to \(seedsRange.upperBound)")
                }
                seeds = value
            default: rest.append(pair)
            }
        }
        guard !rest.isEmpty else { throw .invalid("--promote '\(text)' gives no budget (e.g. epochs=3): a rung trains longer than the proxy") }
        let budget: ProxySettings
        do { budget = try proxy.overriding(rest.joined(separator: ",")) } catch { throw .space(error) }
        return PromotionRung(label: budget.differences(from: proxy), proxy: budget, fraction: fraction, seeds: seeds)
    }

    public func validate(proxy: ProxySettings) throws(SearchError) {
        func check(_ ok: Bool, _ message: String) throws(SearchError) { if !ok { throw .invalid(message) } }
        try check(Self.rungsRange.contains(rungs.count), "promotion has from \(Self.rungsRange.lowerBound) to \(Self.rungsRange.upperBound) rungs, got \(rungs.count)")
        for rung in rungs {
            try check(rung.fraction > 0 && rung.fraction <= 1, "a rung's top fraction must be in (0, 1], got \(rung.fraction)")
            try check(Self.seedsRange.contains(rung.seeds), "a rung's seeds must be from \(Self.seedsRange.lowerBound) to \(Self.seedsRange.upperBound), got \(rung.seeds)")
            try check(rung.proxy.usesSameData(as: proxy),
                      "a rung trains on the proxy's data (its accuracies are compared on the same images): \(rung.label) changes it")
        }
    }
}
