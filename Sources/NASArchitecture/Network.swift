import NASFormatting
/// A whole network as a value: stem, stages of block definitions, head and classifier.
/// Its canonical text form is the architecture file (`ArchitectureFile.encode`).
public struct Network: Hashable, Sendable {
    public var name: String
    /// Stem conv (3x3, stride `stemStride`) output channels.
    public var stemFilters: Int
    /// The stem conv's stride: 2 (B0, timm, TF) or 1, which keeps B0's feature-map sizes
    /// for an input of half the resolution (a 32-px proxy).
    public var stemStride: Int
    /// Stages in order; a stage is one or more block definitions (one line of an arch file).
    public var stages: [[Block]]
    /// 1x1 head conv channels before pooling; 0 = no head conv.
    public var headFilters: Int
    public var classes: Int
    public var inputChannels: Int
    /// The model's own input resolution (224 for B0, 240 for B1 …).
    public var resolution: Int
    /// Default activation of every layer; a block may override it.
    public var activation: Activation
    public var dropout: Double
    /// Drop-connect (stochastic depth) rate of the last block; block i of n gets rate × i / n.
    public var dropConnect: Double

    public init(
        name: String, stemFilters: Int = 32, stemStride: Int = 2, stages: [[Block]], headFilters: Int = 1280,
        classes: Int = 1000, inputChannels: Int = 3, resolution: Int = 224, activation: Activation = .swish,
        dropout: Double = 0.2, dropConnect: Double = 0.2
    ) {
        self.name = name
        self.stemFilters = stemFilters
        self.stemStride = stemStride
        self.stages = stages
        self.headFilters = headFilters
        self.classes = classes
        self.inputChannels = inputChannels
        self.resolution = resolution
        self.activation = activation
        self.dropout = dropout
        self.dropConnect = dropConnect
    }

    /// All block definitions in order, flattening the stages.
    public var blocks: [Block] { stages.flatMap { $0 } }

    // Bounds (Docs/ARCHITECTURES.md, "Bounds"), checked by `validate` before anything is
    // resolved or counted. Stem and head filters share `Block.filtersRange`.

    /// Classes of the classifier: ImageNet-21k has 21,841; 100,000 leaves room to spare.
    public static let classesRange = 1...100_000
    /// Input channels: 1 (grey), 3 (RGB), 4 (RGBA), a few hundred for hyperspectral bands.
    public static let inputChannelsRange = 1...1024
    /// Stem strides: the default 2, or 1 for small images.
    public static let stemStrides = [1, 2]
    /// Input resolution in pixels: B7 uses 600; 4096 is a large satellite or slide tile.
    public static let resolutionRange = 1...4096
    /// Layers in all (repeats summed over every block): B7 has 55; the bound keeps resolving
    /// (one value per layer) and counting small whatever a file says.
    public static let maxLayers = 1024

    public func validate() throws(ArchitectureError) {
        func check(_ ok: Bool, _ field: String, _ value: some CustomStringConvertible, _ expected: String)
            throws(ArchitectureError)
        {
            if !ok { throw .invalidNetwork(field: field, value: value.description, expected: expected) }
        }
        try check(!stages.isEmpty && stages.allSatisfy { !$0.isEmpty }, "stages", stages.count, "at least one block per stage")
        let filters = Block.filtersRange
        try check(filters.contains(stemFilters), "stem", stemFilters, "\(filters.lowerBound) to \(filters.upperBound) channels")
        try check(Self.stemStrides.contains(stemStride), "stem-stride", stemStride, "1 or 2")
        try check(headFilters == 0 || filters.contains(headFilters), "head", headFilters, "0 (none) to \(filters.upperBound) channels")
        try check(Self.classesRange.contains(classes), "classes", classes, Self.describe(Self.classesRange))
        try check(Self.inputChannelsRange.contains(inputChannels), "channels", inputChannels, Self.describe(Self.inputChannelsRange))
        try check(Self.resolutionRange.contains(resolution), "resolution", resolution, Self.describe(Self.resolutionRange))
        try check(dropout >= 0 && dropout < 1, "dropout", Formatting.shortest(dropout), "a rate in [0, 1)")
        try check(dropConnect >= 0 && dropConnect < 1, "drop-connect", Formatting.shortest(dropConnect), "a rate in [0, 1)")
        for block in blocks { try block.validate() }
        // Repeats are bounded now, so the sum cannot overflow.
        let layers = blocks.reduce(0) { $0 + $1.repeats }
        try check(layers <= Self.maxLayers, "layers", layers, "at most \(Self.maxLayers) (repeats summed over every block)")
        // timm strides only at a stage's first layer and silently ignores a later s2: refuse it
        // so that what is counted and built here is what timm builds from the same strings.
        for (index, stage) in stages.enumerated() {
            for block in stage.dropFirst() where block.stride != 1 {
                throw .invalidNetwork(
                    field: "stride", value: "\(block.stride) of '\(TimmCodec.encode(block))' in stage \(index + 1)",
                    expected: "1: only a stage's first block may stride (start a new line for a new stage)")
            }
        }
        // timm turns strides past an output stride of 32 into dilation; SwiftNAS has no
        // dilated convs, so such a network would count and build differently from timm's.
        // Saturating: 63 stride-2 blocks would overflow a plain product.
        let totalStride = blocks.reduce(stemStride) { saturatingProduct($0, $1.stride) }
        try check(totalStride <= 32, "total stride", totalStride, "at most 32 (stem and block strides multiplied)")
        try resolved().checkCost()
    }

    /// "from 1 to 100000", the wording of every range in the errors.
    public static func describe(_ range: ClosedRange<Int>) -> String { "from \(range.lowerBound) to \(range.upperBound)" }
}

/// One concrete layer: a block definition's repeat with its channels and sizes resolved.
/// The counters and the model builder both read these, so counts match what is built.
public struct ResolvedBlock: Hashable, Sendable {
    public var stage: Int
    /// Index of this layer among all layers (0-based).
    public var index: Int
    public var op: Operator
    public var kernel: Int
    public var stride: Int
    public var activation: Activation
    public var inChannels: Int
    /// Expanded channels (mbconv, fused-mbconv); equal to inChannels for ds, outChannels for conv.
    public var midChannels: Int
    /// Squeeze-and-excitation reduced channels; 0 = no SE.
    public var seChannels: Int
    public var outChannels: Int
    /// Input and output spatial size (square).
    public var inputSize: Int
    public var outputSize: Int
    public var hasSkip: Bool
    public var dropConnect: Double
}

/// A network with every layer's channels and sizes fixed for one input resolution.
public struct ResolvedNetwork: Hashable, Sendable {
    public var network: Network
    public var resolution: Int
    public var stemChannels: Int
    /// Spatial size after the stem.
    public var stemOutputSize: Int
    public var blocks: [ResolvedBlock]
    /// Channels into the classifier (the head conv's, or the last block's without one).
    public var featureChannels: Int
    /// Spatial size at the head.
    public var headSize: Int
}

/// `make_divisible`/`round_filters` of TF and timm: nearest multiple of `divisor`, never
/// below `divisor`, and never more than 10% below the scaled value.
public func roundFilters(_ filters: Int, width: Double = 1, divisor: Int = 8) -> Int {
    makeDivisible(Double(filters) * width, divisor: divisor)
}

/// timm's make_divisible for a real value (used for expanded channels, in × e).
public func makeDivisible(_ scaled: Double, divisor: Int = 8) -> Int {
    var rounded = max(divisor, Int(scaled + Double(divisor) / 2) / divisor * divisor)
    if Double(rounded) < 0.9 * scaled { rounded += divisor }
    return rounded
}

/// `round_repeats` of TF's EfficientNet: ceil(depth × repeats).
public func roundRepeats(_ repeats: Int, depth: Double) -> Int {
    Int((depth * Double(repeats)).rounded(.up))
}

/// Python's round(): to nearest, ties to even — timm computes SE widths with it.
func pythonRound(_ value: Double) -> Int { Int(value.rounded(.toNearestOrEven)) }

/// Output size of a conv with an odd kernel and "same" padding: ceil(size / stride).
@inline(__always) func convOutputSize(_ size: Int, stride: Int) -> Int { (size + stride - 1) / stride }

extension Network {
    /// Fixes every layer's channels and sizes at `resolution` (default: the model's own).
    /// Channels follow timm's builder: block outputs and the stem go through
    /// make_divisible(·, 8); mid = make_divisible(in × e); SE = round(mid × se / e).
    public func resolved(resolution: Int? = nil) -> ResolvedNetwork {
        let resolution = resolution ?? self.resolution
        let stem = roundFilters(stemFilters)
        var size = convOutputSize(resolution, stride: stemStride)
        let stemOutputSize = size
        var channels = stem
        var layers: [ResolvedBlock] = []
        let total = stages.reduce(0) { $0 + $1.reduce(0) { $0 + $1.repeats } }
        for (stageIndex, stage) in stages.enumerated() {
            for block in stage {
                let out = roundFilters(block.outFilters)
                for repeatIndex in 0..<block.repeats {
                    let stride = repeatIndex == 0 ? block.stride : 1
                    let outputSize = convOutputSize(size, stride: stride)
                    let mid: Int
                    let seBase: Double
                    switch block.op {
                    case .mbconv, .fusedMBConv:
                        mid = makeDivisible(Double(channels) * block.expansion)
                        seBase = block.seRatio / block.expansion
                    case .depthwiseSeparable:
                        mid = channels
                        seBase = block.seRatio
                    case .conv:
                        mid = out
                        seBase = 0
                    }
                    let se = seBase > 0 ? max(1, pythonRound(Double(mid) * seBase)) : 0
                    layers.append(
                        ResolvedBlock(
                            stage: stageIndex, index: layers.count, op: block.op, kernel: block.kernel,
                            stride: stride, activation: block.activation ?? activation, inChannels: channels,
                            midChannels: mid, seChannels: se, outChannels: out, inputSize: size,
                            outputSize: outputSize, hasSkip: block.skip && stride == 1 && channels == out,
                            dropConnect: total > 0 ? dropConnect * Double(layers.count) / Double(total) : 0))
                    channels = out
                    size = outputSize
                }
            }
        }
        return ResolvedNetwork(
            network: self, resolution: resolution, stemChannels: stem, stemOutputSize: stemOutputSize,
            blocks: layers, featureChannels: headFilters > 0 ? headFilters : channels, headSize: size)
    }
}
