import Foundation

/// EfficientNet's compound-scaling coefficients: depth α, width β and resolution γ, each
/// raised to φ for the φ-th network of a family. The paper chose them by a grid search at
/// φ = 1 under α·β²·γ² ≈ 2 (a network about twice the MACs), α, β, γ ≥ 1; `nas scale
/// --search` runs that grid (`grid(step:tolerance:maximum:)`) on any baseline.
public struct CompoundCoefficients: Codable, Hashable, Sendable {
    public var alpha: Double
    public var beta: Double
    public var gamma: Double
    /// EfficientNetV2's non-uniform scaling: the layers depth α adds go to the later half of
    /// the stages only (`Network.deepenedLate`); nil or false = every stage × α, as B1…B7.
    public var late: Bool?

    /// The paper's answer for B0: α = 1.2, β = 1.1, γ = 1.15.
    public static let efficientNet = CompoundCoefficients(alpha: 1.2, beta: 1.1, gamma: 1.15)
    /// A coefficient's bounds: at least 1 (the paper's constraint), at most a free multiplier.
    public static let range = 1.0...4.0
    /// φ of a family: B1…B7 is 1…7.
    public static let phiRange = 1...12

    public init(alpha: Double, beta: Double, gamma: Double, late: Bool? = nil) {
        (self.alpha, self.beta, self.gamma) = (alpha, beta, gamma)
        self.late = late == true ? true : nil
    }

    /// "A,B,G" as `--coefficients` takes it.
    public init(parsing text: String) throws(ArchitectureError) {
        let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == 3, let a = values[0], let b = values[1], let g = values[2],
              [a, b, g].allSatisfy(Self.range.contains) else {
            throw .badSetting(key: "coefficients", value: text, expected: "α,β,γ: three numbers from 1 to 4, like 1.2,1.1,1.15")
        }
        self.init(alpha: a, beta: b, gamma: g)
    }

    /// α·β²·γ²: how much the MACs grow per step of φ (about 2 for the paper's).
    public var macsFactor: Double { alpha * beta * beta * gamma * gamma }

    /// "α 1.20 β 1.10 γ 1.15".
    public var label: String { String(format: "α %.2f β %.2f γ %.2f", alpha, beta, gamma) + (late == true ? " late" : "") }

    /// The φ-th network's multipliers: depth α^φ, width β^φ, resolution `base`·γ^φ rounded,
    /// and EfficientNet's dropout of the same index (B7's past 7).
    public func scaling(phi: Int, baseResolution: Int) -> ScalingCoefficients {
        let official = ScalingCoefficients.efficientNet
        return ScalingCoefficients(
            name: "phi\(phi)", width: pow(beta, Double(phi)), depth: pow(alpha, Double(phi)),
            resolution: Int((Double(baseResolution) * pow(gamma, Double(phi))).rounded()),
            dropout: official[min(phi, official.count - 1)].dropout)
    }

    /// `network` as the φ-th member: `scaling(phi:)`'s width, resolution and dropout, its depth
    /// on every stage or, when `late`, on the later half (`Network.deepenedLate`).
    public func scale(_ network: Network, phi: Int) -> Network {
        let scaling = self.scaling(phi: phi, baseResolution: network.resolution)
        guard late == true else { return network.scaled(to: scaling) }
        var uniform = scaling
        uniform.depth = 1
        return network.deepenedLate(scaling.depth).scaled(to: uniform)
    }

    /// Every point with α, β, γ on a grid of `step` from 1 to `maximum` whose α·β²·γ² is within
    /// `tolerance` of 2, in (α, β, γ) order; the paper's point first, always.
    /// With `nonUniform`, each point with α > 1 also in its `late` form, right after it.
    public static func grid(step: Double, tolerance: Double, maximum: Double, nonUniform: Bool = false) -> [CompoundCoefficients] {
        let count = Int(((maximum - 1) / step).rounded(.down)) + 1
        let values = (0..<count).map { (1 + Double($0) * step) * 1000 }.map { $0.rounded() / 1000 }
        var points = [efficientNet] + (nonUniform ? [CompoundCoefficients(alpha: 1.2, beta: 1.1, gamma: 1.15, late: true)] : [])
        for a in values {
            for b in values {
                for g in values where abs(a * b * b * g * g - 2) <= tolerance + 1e-9 {
                    let point = CompoundCoefficients(alpha: a, beta: b, gamma: g)
                    if point != efficientNet { points.append(point) }
                    if nonUniform && a > 1 { points.append(CompoundCoefficients(alpha: a, beta: b, gamma: g, late: true)) }
                }
            }
        }
        return points
    }
}
