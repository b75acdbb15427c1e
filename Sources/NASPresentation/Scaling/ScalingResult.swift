import Foundation
import NASArchitecture
import NASFormatting
import NASSearch
import NASStore

/// A coefficient search's outcome (`nas scale --search`; `nas status` and the report on its
/// run): every grid point's mean accuracy and seed spread, the chosen point (the best mean
/// over points with every seed done), where the paper's point ranks, and the family the chosen
/// coefficients make beside EfficientNet's B1…B7.
public struct ScalingResult: Codable, Sendable, Hashable {
    public struct Point: Codable, Sendable, Hashable {
        public var coefficients: CompoundCoefficients
        public var macsFactor: Double
        /// Its trainings' trial numbers, seed order.
        public var trials: [Int]
        public var complete: Int
        public var accuracy: Double?
        /// Lowest and highest accuracy over its complete seeds.
        public var range: [Double]?
        /// The trained network's MACs (at the proxy's width and resolution, scaled).
        public var proxyMACs: Int?
        /// The φ = 1 network at the baseline's own width and resolution.
        public var macs: Int

        enum CodingKeys: String, CodingKey {
            case coefficients, trials, complete, accuracy, range, macs
            case macsFactor = "macs_factor", proxyMACs = "proxy_macs"
        }
    }

    public struct Member: Codable, Sendable, Hashable {
        public var phi: Int
        public var width, depth: Double
        public var resolution, params, macs: Int
        public var efficientNet: String
        public var efficientNetParams, efficientNetMACs: Int

        enum CodingKeys: String, CodingKey {
            case phi, width, depth, resolution, params, macs
            case efficientNet = "efficientnet", efficientNetParams = "efficientnet_params", efficientNetMACs = "efficientnet_macs"
        }
    }

    public var baseline: String
    public var seeds: Int
    public var points: [Point]
    /// Index in `points` of the best mean accuracy among points with every seed complete.
    public var chosen: Int?
    /// Index of the paper's (1.2, 1.1, 1.15), if the grid holds it.
    public var paper: Int?
    /// The chosen coefficients' family, φ = 1…7 (empty before a point is chosen).
    public var family: [Member]

    public init?(_ snapshot: RunSnapshot) {
        guard let plan = snapshot.config.scaling, let network = try? plan.network() else { return nil }
        baseline = network.name
        seeds = plan.seeds
        let byNumber = Dictionary(snapshot.trials.map { ($0.number, $0.record) }, uniquingKeysWith: { a, _ in a })
        let points = plan.points.enumerated().map { index, point in
            let numbers = (0..<plan.seeds).map { index * plan.seeds + $0 }
            let done = numbers.compactMap { byNumber[$0] }.filter { $0.state == .complete }
            let accuracies = done.compactMap { $0.result?.accuracy }
            let proxy = done.first?.result?.components["proxy_macs"]
            let full = point.scale(network, phi: 1).resolved().cost.macs
            return Point(coefficients: point, macsFactor: point.macsFactor, trials: numbers, complete: done.count,
                         accuracy: accuracies.isEmpty ? nil : accuracies.reduce(0, +) / Double(accuracies.count),
                         range: accuracies.isEmpty ? nil : [accuracies.min()!, accuracies.max()!], proxyMACs: proxy.map { Int($0) }, macs: full)
        }
        self.points = points
        let chosen = points.indices.filter { points[$0].complete == plan.seeds }.max { points[$0].accuracy! < points[$1].accuracy! }
        self.chosen = chosen
        paper = plan.points.firstIndex(of: .efficientNet)
        family = chosen.map { Self.family(network, coefficients: points[$0].coefficients) } ?? []
    }

    static func family(_ network: Network, coefficients: CompoundCoefficients) -> [Member] {
        ScaledFamily(network, coefficients: coefficients, phis: 1...7).members.enumerated().map { index, member in
            Member(phi: index + 1, width: member.coefficients.width, depth: member.coefficients.depth, resolution: member.coefficients.resolution,
                   params: member.params, macs: member.macs, efficientNet: "efficientnet-\(member.efficientNet.name)",
                   efficientNetParams: member.efficientNetParams, efficientNetMACs: member.efficientNetMACs)
        }
    }

    /// Points by mean accuracy, best first; unfinished ones last.
    public var ranked: [Int] {
        points.indices.sorted { (points[$0].accuracy ?? -1) > (points[$1].accuracy ?? -1) }
    }

    /// `nas status`'s lines.
    public var lines: [String] {
        func number(_ value: Double?) -> String { Formatting.fixed(value, digits: 4) }
        let done = points.filter { $0.complete == seeds }.count
        var lines = ["coefficient search on \(baseline): \(done)/\(points.count) grid points done (\(seeds) seeds each)"]
        if let chosen {
            let point = points[chosen]
            lines.append("chosen: \(point.coefficients.label) (α·β²·γ² \(Formatting.fixed(point.macsFactor, digits: 3))): accuracy \(number(point.accuracy)) (\(number(point.range?[0]))–\(number(point.range?[1])))")
        }
        if let paper {
            let rank = (ranked.firstIndex(of: paper) ?? 0) + 1
            lines.append("EfficientNet's α 1.20 β 1.10 γ 1.15: accuracy \(number(points[paper].accuracy)) (\(number(points[paper].range?[0]))–\(number(points[paper].range?[1]))), rank \(rank) of \(points.count)")
        }
        for index in ranked.prefix(5) {
            let point = points[index]
            lines.append("  \(point.coefficients.label)  \(number(point.accuracy)) (\(number(point.range?[0]))–\(number(point.range?[1])))  φ=1: \(Formatting.millions(point.macs)) MACs")
        }
        if !family.isEmpty { lines.append("family: " + family.map { "φ\($0.phi) \($0.resolution) px \(Formatting.millions($0.macs))" }.joined(separator: ", ")) }
        return lines
    }
}
