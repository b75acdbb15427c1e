import NASFormatting
import NASArchitecture

/// What a decision may set on a block. The names are the keys of a search-space file.
public enum Field: String, CaseIterable, Sendable, Hashable, Codable {
    /// mbconv, fused-mbconv, depthwise-separable, conv.
    case op = "operator"
    /// Kernel size of the block's spatial conv (odd, 1–11).
    case kernel
    /// Expansion ratio of mbconv / fused-mbconv (ignored by depthwise-separable and conv).
    case expansion
    /// Squeeze-and-excitation ratio of the block input; 0 = none (ignored by conv).
    case se
    /// identity (residual allowed) or none.
    case skip
    /// Multiplier of the baseline block's output filters, then make_divisible(·, 8).
    case filters
    /// Added to the baseline block's repeats; the result is at least 1.
    case layers
}

/// One value of one field.
public enum Setting: Hashable, Sendable {
    /// `layers`: what an option may add to or take from a block's repeats.
    public static let layerDeltaRange = -16...16
    /// `filters`: largest multiplier of the baseline block's filters.
    public static let maxFilterMultiplier = 8.0
    /// `expansion`: from 1 (no expansion) to the block's own bound.
    public static let expansionRange = 1.0...Block.maxExpansion

    case op(Operator)
    case kernel(Int)
    case expansion(Double)
    case se(Double)
    /// true = identity residual allowed, false = none.
    case skip(Bool)
    case filters(Double)
    case layers(Int)

    public var field: Field {
        switch self {
        case .op: .op
        case .kernel: .kernel
        case .expansion: .expansion
        case .se: .se
        case .skip: .skip
        case .filters: .filters
        case .layers: .layers
        }
    }

    /// The value as written in a file: `mbconv`, `5`, `0.25`, `identity`, `1.25`, `+1`.
    public var label: String {
        switch self {
        case .op(let op): op.rawValue
        case .kernel(let k): String(k)
        case .expansion(let e): Formatting.shortest(e)
        case .se(let r): Formatting.shortest(r)
        case .skip(let allowed): allowed ? "identity" : "none"
        case .filters(let m): Formatting.shortest(m)
        case .layers(let d): d > 0 ? "+\(d)" : String(d)
        }
    }
}

/// One choice the controller makes: a block and a field (or a bundle of fields), with its
/// options. `options` are the labels shown to people and stored with trials; `settings[i]`
/// is what option i sets.
public struct Decision: Sendable, Hashable {
    /// Options of one decision: real spaces have 2–7; the controller keeps a row of
    /// parameters per option and the parser compares labels pairwise.
    public static let maxOptions = 256

    /// `block<N>.<key>`, e.g. `block1.kernel`.
    public let name: String
    /// The block (stage of the baseline) it applies to, 1-based.
    public let block: Int
    /// The key in the file: a field name or the name of a bundle decision.
    public let key: String
    public let options: [String]
    public let settings: [[Setting]]

    public init(block: Int, key: String, options: [String], settings: [[Setting]]) {
        self.name = "block\(block).\(key)"
        self.block = block
        self.key = key
        self.options = options
        self.settings = settings
    }

    public var size: Int { options.count }
    /// Every field some option of this decision sets.
    public var fields: Set<Field> { Set(settings.joined().map(\.field)) }
}

extension Setting {
    /// Applies settings to one stage of the baseline. Every block definition of the stage
    /// takes the operator, kernel, expansion, SE, skip and filter multiplier; the layer delta
    /// goes to the stage's last definition (where timm also adds depth). Values an operator
    /// has no use for are dropped: expansion for depthwise-separable and conv, SE for conv.
    /// Strides and activations are never changed, so the network stays valid.
    static func apply(_ settings: [Setting], to stage: [Block]) -> [Block] {
        stage.enumerated().map { index, base in
            var op = base.op
            var kernel = base.kernel
            var expansion = base.expansion
            var se = base.seRatio
            var skip = base.skip
            var filters = base.outFilters
            var repeats = base.repeats
            for setting in settings {
                switch setting {
                case .op(let value): op = value
                case .kernel(let value): kernel = value
                case .expansion(let value): expansion = value
                case .se(let value): se = value
                case .skip(let value): skip = value
                case .filters(let multiplier):
                    // × 1 keeps the baseline's value as written (make_divisible would turn
                    // c12 into c16: the same layer, but not an equal value).
                    if multiplier != 1 { filters = roundFilters(base.outFilters, width: multiplier) }
                case .layers(let delta):
                    if index == stage.count - 1 { repeats = max(1, base.repeats + delta) }
                }
            }
            return Block(
                op: op, kernel: kernel, stride: base.stride, expansion: op.hasExpansion ? expansion : 1,
                seRatio: op.hasSqueezeExcitation ? se : 0, outFilters: filters, repeats: repeats, skip: skip,
                activation: base.activation)
        }
    }
}
