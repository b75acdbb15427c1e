import NASArchitecture
import NASSearchSpace
import NASStore

/// A compound-scaling coefficient search (`nas scale ARCH --search`): EfficientNet's step 1 on
/// any baseline. Each grid point (α, β, γ) is the baseline trained at the recipe `base` with
/// its depth × α, width × β and resolution × γ — the φ = 1 network, at the proxy's scale —
/// with `seeds` seeds. Stored in the run's config; its trials are ordinary trials, all
/// enqueued when the run starts (`PlannedStudy`), so it resumes after a kill and `nas
/// worker` processes can serve it.
///
/// A point's trials are in the batch of its index in `points`, numbered point-major: trial
/// `number` is point `number / seeds`, seed index `number % seeds`.
public struct ScalingPlan: Codable, Hashable, Sendable {
    /// The baseline as its architecture file.
    public var architecture: String
    /// The grid, in trial order.
    public var points: [CompoundCoefficients]
    public var seeds: Int
    /// The recipe every point scales (the space's proxy with `--proxy` and `--budget`).
    public var base: ProxySettings

    public static let pointsRange = 1...400
    public static let seedsRange = 1...10

    public init(architecture: Network, points: [CompoundCoefficients], seeds: Int, base: ProxySettings) {
        self.architecture = ArchitectureFile.encode(architecture)
        (self.points, self.seeds, self.base) = (points, seeds, base)
    }

    public var trialCount: Int { points.count * seeds }

    /// Point `index`'s recipe: the base's depth, width and resolution scaled by its α, β, γ
    /// (a `late` point's depth is in its network, `trials(space:seed:)`).
    public func proxy(forPoint index: Int) -> ProxySettings {
        var proxy = base
        let point = points[index]
        proxy.depth = base.depth * (point.late == true ? 1 : point.alpha)
        proxy.width = base.width * point.beta
        proxy.resolution = Int((Double(base.resolution) * point.gamma).rounded())
        return proxy
    }

    public func validate() throws(SearchError) {
        func check(_ ok: Bool, _ message: String) throws(SearchError) { if !ok { throw .invalid(message) } }
        try check(Self.pointsRange.contains(points.count),
                  "a coefficient search needs from \(Self.pointsRange.lowerBound) to \(Self.pointsRange.upperBound) grid points, got \(points.count) (change --grid)")
        try check(Self.seedsRange.contains(seeds), "--seeds must be from \(Self.seedsRange.lowerBound) to \(Self.seedsRange.upperBound), got \(seeds)")
        try check(Set(points).count == points.count, "the grid holds a point twice")
        for point in points {
            try check([point.alpha, point.beta, point.gamma].allSatisfy(CompoundCoefficients.range.contains),
                      "grid point \(point.label): every coefficient must be from 1 to \(CompoundCoefficients.range.upperBound)")
        }
        for index in points.indices {
            do { try proxy(forPoint: index).trainingConfig(seed: 0).validate() } catch {
                throw .invalid("grid point \(points[index].label) makes a recipe that cannot train: \(error)")
            }
        }
        do { _ = try ArchitectureFile.decode(architecture, name: "baseline") } catch { throw .invalid("the baseline does not decode: \(error)") }
    }

    /// The baseline, decoded.
    public func network() throws(SearchError) -> Network {
        do { return try ArchitectureFile.decode(architecture, name: "baseline") } catch { throw .invalid("the baseline does not decode: \(error)") }
    }
}

extension ScalingPlan: PlannedStudy {
    public var kind: String { "coefficient search" }
    public var batchLabels: [String] { points.map(\.label) }

    public func trials(space: SearchSpace, seed: (Int) -> UInt64) throws(SearchError) -> [NewTrial] {
        // A point trains the baseline; a `late` one the baseline with α's extra layers in its
        // later stages (the proxy's own depth, if not 1, then scales it like any network).
        let baseline = try network()
        let networks = points.map { $0.late == true ? baseline.deepenedLate($0.alpha) : baseline }
        let choices = networks.map { space.choices(matching: $0) ?? [] }
        return (0..<trialCount).map { number in
            NewTrial(batch: number / seeds, network: networks[number / seeds], decisions: choices[number / seeds], seed: seed(number))
        }
    }
}
