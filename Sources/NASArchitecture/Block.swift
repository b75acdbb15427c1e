import NASFormatting
/// The operator a block repeats. Names follow the papers; the timm and TF codecs map them
/// to `ir`/`er`/`ds`/`cn` and to TF's conv type + expansion.
public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
    /// Inverted residual (MBConv): 1x1 expand, kxk depthwise, SE, 1x1 project.
    case mbconv
    /// Edge residual (Fused-MBConv): kxk conv expand, SE, 1x1 project.
    case fusedMBConv = "fused-mbconv"
    /// Depthwise-separable: kxk depthwise, SE, 1x1 pointwise (MBConv with expansion 1 in TF).
    case depthwiseSeparable = "depthwise-separable"
    /// Plain kxk conv + BN + activation (timm `cn`; TF Fused-MBConv with expansion 1).
    case conv

    /// Whether the operator has an expansion ratio of its own.
    public var hasExpansion: Bool { self == .mbconv || self == .fusedMBConv }
    /// Whether the operator can carry squeeze-and-excitation.
    public var hasSqueezeExcitation: Bool { self != .conv }
    /// timm's default: residual unless `noskip` for ir/er/ds; none unless `skip` for cn.
    public var skipByDefault: Bool { self != .conv }
}

/// Activation functions the trainer implements.
public enum Activation: String, Sendable, Hashable, Codable, CaseIterable {
    case swish, relu, relu6

    /// timm's `n` option value (`nsw`, `nre`, `nr6`).
    var timmCode: String {
        switch self {
        case .swish: "sw"
        case .relu: "re"
        case .relu6: "r6"
        }
    }
}

/// One block definition: `repeats` layers of the same operator. Only the first layer
/// strides; the rest take stride 1 and `outFilters` in and out. Input channels are not
/// part of the value: they follow from the previous block (or the stem).
public struct Block: Hashable, Sendable {
    public var op: Operator
    public var kernel: Int
    public var stride: Int
    /// Expansion ratio of mbconv/fused-mbconv (mid = make_divisible(in × e)); 1 for the others.
    public var expansion: Double
    /// Squeeze-and-excitation ratio relative to the block *input* channels; 0 = no SE.
    public var seRatio: Double
    public var outFilters: Int
    public var repeats: Int
    /// Whether an identity residual is allowed; it is used when stride is 1 and in == out.
    public var skip: Bool
    /// nil = the network's activation.
    public var activation: Activation?

    public init(
        op: Operator, kernel: Int, stride: Int, expansion: Double = 1, seRatio: Double = 0,
        outFilters: Int, repeats: Int = 1, skip: Bool? = nil, activation: Activation? = nil
    ) {
        self.op = op
        self.kernel = kernel
        self.stride = stride
        self.expansion = op.hasExpansion ? expansion : 1
        self.seRatio = seRatio
        self.outFilters = outFilters
        self.repeats = repeats
        self.skip = skip ?? op.skipByDefault
        self.activation = activation
    }

    // Bounds (Docs/ARCHITECTURES.md, "Bounds"). Generous for real networks (EfficientNet-B7
    // has at most 13 repeats, kernel 5, expansion 6, 640 filters), and small enough that one
    // block can neither exhaust memory when it is resolved into layers nor overflow a count.

    /// Layers of one block definition: B7's largest is 13; 64 leaves room for --depth.
    public static let repeatsRange = 1...64
    /// Odd kernel sizes; "same" padding needs an odd kernel.
    public static let kernelRange = 1...11
    /// Largest expansion ratio (MBConv uses 3–6).
    public static let maxExpansion = 16.0
    /// Output filters of a block, and the stem and head convs.
    public static let filtersRange = 1...65536

    /// Checks the ranges the builder and the counters rely on.
    public func validate() throws(ArchitectureError) {
        func fail(_ field: String, _ expected: String) -> ArchitectureError {
            .invalidBlock(TimmCodec.encode(self), field: field, expected: expected)
        }
        guard Self.repeatsRange.contains(repeats) else {
            throw fail("repeats \(repeats)", "from \(Self.repeatsRange.lowerBound) to \(Self.repeatsRange.upperBound)")
        }
        guard Self.kernelRange.contains(kernel), kernel % 2 == 1 else {
            throw fail("kernel \(kernel)", "an odd size from \(Self.kernelRange.lowerBound) to \(Self.kernelRange.upperBound)")
        }
        guard stride == 1 || stride == 2 else { throw fail("stride \(stride)", "1 or 2") }
        guard expansion > 0, expansion <= Self.maxExpansion, expansion.isFinite else {
            throw fail("expansion \(Formatting.shortest(expansion))", "a ratio in (0, \(Formatting.shortest(Self.maxExpansion))]")
        }
        guard seRatio >= 0, seRatio <= 1 else {
            throw fail("se ratio \(Formatting.shortest(seRatio))", "a ratio in [0, 1]")
        }
        guard seRatio == 0 || op.hasSqueezeExcitation else {
            throw fail("se ratio \(Formatting.shortest(seRatio))", "no SE on a plain conv block")
        }
        guard Self.filtersRange.contains(outFilters) else {
            throw fail("filters \(outFilters)", "from \(Self.filtersRange.lowerBound) to \(Self.filtersRange.upperBound)")
        }
    }
}
