import Foundation
import NASFormatting

/// An architecture compound-scaled to EfficientNet's variants (B1…B7 by default) with the
/// official per-variant coefficients, each member counted at its variant's resolution, beside
/// EfficientNet's own B-variant of the same name. Pure values: `nas scale` prints it, the
/// run report (`nas report`) tabulates it.
public struct ScaledFamily: Hashable, Sendable {
    public struct Member: Hashable, Sendable {
        public var coefficients: ScalingCoefficients
        /// The base network scaled with `coefficients` (resolution and dropout included).
        public var network: Network
        /// Counted at `coefficients.resolution`.
        public var params: Int
        public var macs: Int
        /// EfficientNet's own variant (`efficientnet-bN`), counted at the same resolution.
        public var efficientNetParams: Int
        public var efficientNetMACs: Int
        /// The EfficientNet variant it stands beside: the same name, or Bφ for the φ-th member
        /// of a family of searched coefficients.
        public var efficientNet: ScalingCoefficients

        public var variant: String { coefficients.name }
    }

    /// The unscaled network, counted at its own resolution.
    public var base: Network
    public var baseParams: Int
    public var baseMACs: Int
    public var members: [Member]
    /// The compound coefficients the members come from; nil = EfficientNet's official table.
    public var coefficients: CompoundCoefficients?

    /// Scales `base` to each of `variants` (default B1…B7). Members are named
    /// `<base name>-b3` and so on.
    public init(_ base: Network, variants: [ScalingCoefficients] = ScaledFamily.defaultVariants) {
        self.init(base, members: variants.map { ($0, $0, base.scaled(to: $0)) })
    }

    /// Scales `base` with searched coefficients for each φ of `phis` (depth α^φ, width β^φ,
    /// resolution × γ^φ), each member beside EfficientNet's Bφ. Members are named `<base name>-phi2`.
    public init(_ base: Network, coefficients: CompoundCoefficients, phis: ClosedRange<Int>) {
        let official = ScalingCoefficients.efficientNet
        self.init(base, members: phis.map {
            (coefficients.scaling(phi: $0, baseResolution: base.resolution), official[min($0, official.count - 1)], coefficients.scale(base, phi: $0))
        })
        self.coefficients = coefficients
    }

    private init(_ base: Network, members: [(ScalingCoefficients, ScalingCoefficients, Network)]) {
        self.base = base
        let baseCost = base.resolved().cost
        baseParams = baseCost.params
        baseMACs = baseCost.macs
        let b0 = NamedModels.efficientNetB0
        self.members = members.map { coefficients, official, scaled in
            var network = scaled
            network.name = "\(base.name)-\(coefficients.name)"
            let cost = network.resolved().cost
            let reference = b0.scaled(to: official).resolved().cost
            return Member(
                coefficients: coefficients, network: network, params: cost.params, macs: cost.macs,
                efficientNetParams: reference.params, efficientNetMACs: reference.macs, efficientNet: official)
        }
    }

    /// B1…B7.
    public static var defaultVariants: [ScalingCoefficients] { Array(ScalingCoefficients.efficientNet.dropFirst()) }

    /// "b1-b7", "b1,b3", "b0-b2,b5" (any case): ranges and single variants, separated by
    /// commas, kept in the order given, each once.
    public static func variants(_ text: String) throws(ArchitectureError) -> [ScalingCoefficients] {
        let all = ScalingCoefficients.efficientNet
        var chosen: [ScalingCoefficients] = []
        for rawPart in text.split(separator: ",", omittingEmptySubsequences: false) {
            let part = rawPart.trimmingWhitespace().lowercased()
            let ends = part.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard !part.isEmpty, ends.count <= 2 else { throw .unknownVariant(part.isEmpty ? text : part) }
            let first = try ScalingCoefficients.variant(ends[0])
            let last = try ScalingCoefficients.variant(ends.last!)
            let from = all.firstIndex(of: first)!, to = all.firstIndex(of: last)!
            guard from <= to else { throw .unknownVariant(part) }
            for coefficients in all[from...to] where !chosen.contains(coefficients) { chosen.append(coefficients) }
        }
        return chosen
    }

    /// A fixed-width table: one row per variant, the base first.
    public func table() -> String {
        func ratio(_ a: Int, _ b: Int) -> String { Formatting.ratio(a, b) }
        let header = ["variant", "width", "depth", "resolution", "params", "MACs", "EfficientNet params", "EfficientNet MACs",
                      "params ratio", "MACs ratio"]
        var rows = [[
            "base", "1.0", "1.0", String(base.resolution), Formatting.params(baseParams), Formatting.macs(baseMACs), "", "", "", "",
        ]]
        for member in members {
            let c = member.coefficients
            rows.append([
                c.name, Self.multiplier(c.width), Self.multiplier(c.depth), String(c.resolution), Formatting.params(member.params),
                Formatting.macs(member.macs), Formatting.params(member.efficientNetParams), Formatting.macs(member.efficientNetMACs),
                ratio(member.params, member.efficientNetParams), ratio(member.macs, member.efficientNetMACs),
            ])
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        func format(_ row: [String]) -> String {
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ").trimmingWhitespace()
        }
        var title = "\(base.name) compound-scaled with "
            + (coefficients.map { "\($0.label) (EfficientNet columns: its Bφ)" } ?? "EfficientNet's coefficients") + ", counted at each variant's resolution"
        if base.classes != 1000 || base.inputChannels != 3 {
            title += " (\(base.classes) classes, \(base.inputChannels) input channels; EfficientNet's: 1000 and 3)"
        }
        return ([title, format(header)] + rows.map(format)).joined(separator: "\n") + "\n"
    }

    /// "1.2" for the official table's multipliers, "1.210" for a power of searched ones.
    static func multiplier(_ value: Double) -> String {
        String(format: abs((value * 10).rounded() - value * 10) < 1e-9 ? "%.1f" : "%.3f", value)
    }

    /// One JSON object: {"base": {name, resolution, classes, channels, params, macs},
    /// "variants": [{variant, name, width, depth, resolution, dropout, params, macs,
    /// efficientnet: {name, params, macs}}]}. Keys sorted, so the output is byte-stable.
    public func json(pretty: Bool = false) -> String {
        struct Counts: Encodable { var name: String; var params: Int; var macs: Int }
        struct Base: Encodable { var name: String; var resolution, classes, channels, params, macs: Int }
        struct Variant: Encodable {
            var variant, name: String
            var width, depth, dropout: Double
            var resolution, params, macs: Int
            var efficientnet: Counts
        }
        struct Object: Encodable { var base: Base; var variants: [Variant] }
        let object = Object(
            base: Base(name: base.name, resolution: base.resolution, classes: base.classes, channels: base.inputChannels,
                       params: baseParams, macs: baseMACs),
            variants: members.map { member in
                let c = member.coefficients
                return Variant(
                    variant: c.name, name: member.network.name, width: c.width, depth: c.depth, dropout: c.dropout,
                    resolution: c.resolution, params: member.params, macs: member.macs,
                    efficientnet: Counts(name: "efficientnet-\(member.efficientNet.name)", params: member.efficientNetParams, macs: member.efficientNetMACs))
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Plain integers, finite doubles and strings: encoding cannot fail.
        return String(decoding: try! encoder.encode(object), as: UTF8.self)
    }
}
