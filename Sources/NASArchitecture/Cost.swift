/// Parameters and multiply-adds. MACs count conv and dense multiply-adds only (SE's two
/// 1x1 convs included); batch norm, activations, pooling, the SE gate multiply and the
/// residual adds are not counted — the convention of the EfficientNet/MnasNet papers and
/// of torch's flop counter. Parameters count every trainable weight: conv kernels, BN
/// scale and shift (not running statistics), SE and classifier weights and biases.
public struct Cost: Hashable, Sendable, Codable {
    public var params: Int
    public var macs: Int

    public init(params: Int = 0, macs: Int = 0) {
        self.params = params
        self.macs = macs
    }

    /// Largest parameter or MAC count a valid network may have (10^15): B7 at 600 px has
    /// 3.7 × 10^10 MACs, and even a 16×-wide B7 at 4096 px stays below. Counts add up with
    /// saturating arithmetic, so an absurd network shows up as a count past this bound
    /// (refused by `Network.validate`), never as an overflow trap.
    public static let maxCount = 1_000_000_000_000_000

    public static let zero = Cost()
    public static func + (a: Cost, b: Cost) -> Cost {
        Cost(params: saturatingSum(a.params, b.params), macs: saturatingSum(a.macs, b.macs))
    }
    public static func += (a: inout Cost, b: Cost) { a = a + b }

    /// A bias-free conv followed by batch norm.
    static func convBN(in cin: Int, out cout: Int, kernel: Int, groups: Int = 1, outputSize: Int) -> Cost {
        let weights = saturatingProduct(kernel, kernel, cin / groups, cout)
        return Cost(
            params: saturatingSum(weights, saturatingProduct(2, cout)),
            macs: saturatingProduct(weights, outputSize, outputSize))
    }

    /// Squeeze-and-excitation on `channels` with `reduced` channels: two 1x1 convs with bias.
    static func squeezeExcitation(channels: Int, reduced: Int) -> Cost {
        guard reduced > 0 else { return .zero }
        let weights = saturatingProduct(2, channels, reduced)
        return Cost(params: saturatingSum(weights, reduced, channels), macs: weights)
    }
}

/// Sum of non-negative counts, Int.max when it would overflow.
func saturatingSum(_ terms: Int...) -> Int {
    var total = 0
    for term in terms {
        let (sum, overflow) = total.addingReportingOverflow(term)
        if overflow { return .max }
        total = sum
    }
    return total
}

/// Product of non-negative counts, Int.max when it would overflow.
func saturatingProduct(_ factors: Int...) -> Int {
    var total = 1
    for factor in factors {
        let (product, overflow) = total.multipliedReportingOverflow(by: factor)
        if overflow { return .max }
        total = product
    }
    return total
}

extension ResolvedBlock {
    public var cost: Cost {
        let se = Cost.squeezeExcitation(channels: midChannels, reduced: seChannels)
        switch op {
        case .mbconv:
            return Cost.convBN(in: inChannels, out: midChannels, kernel: 1, outputSize: inputSize)
                + Cost.convBN(in: midChannels, out: midChannels, kernel: kernel, groups: midChannels, outputSize: outputSize)
                + se + Cost.convBN(in: midChannels, out: outChannels, kernel: 1, outputSize: outputSize)
        case .fusedMBConv:
            return Cost.convBN(in: inChannels, out: midChannels, kernel: kernel, outputSize: outputSize)
                + se + Cost.convBN(in: midChannels, out: outChannels, kernel: 1, outputSize: outputSize)
        case .depthwiseSeparable:
            return Cost.convBN(in: inChannels, out: inChannels, kernel: kernel, groups: inChannels, outputSize: outputSize)
                + se + Cost.convBN(in: inChannels, out: outChannels, kernel: 1, outputSize: outputSize)
        case .conv:
            return Cost.convBN(in: inChannels, out: outChannels, kernel: kernel, outputSize: outputSize)
        }
    }
}

extension ResolvedNetwork {
    public var stemCost: Cost {
        Cost.convBN(in: network.inputChannels, out: stemChannels, kernel: 3, outputSize: stemOutputSize)
    }

    /// Head conv (if any) and the classifier.
    public var headCost: Cost {
        let lastChannels = blocks.last?.outChannels ?? stemChannels
        let weights = saturatingProduct(featureChannels, network.classes)
        var cost = Cost(params: saturatingSum(weights, network.classes), macs: weights)
        if network.headFilters > 0 {
            cost += Cost.convBN(in: lastChannels, out: network.headFilters, kernel: 1, outputSize: headSize)
        }
        return cost
    }

    public var cost: Cost { blocks.reduce(stemCost + headCost) { $0 + $1.cost } }

    /// Refuses a network whose parameters or MACs pass `Cost.maxCount`.
    public func checkCost() throws(ArchitectureError) {
        let cost = self.cost
        for (field, count) in [("parameters", cost.params), ("MACs", cost.macs)] where count > Cost.maxCount {
            throw .invalidNetwork(
                field: field, value: count == .max ? "beyond \(Int.max)" : String(count),
                expected: "at most \(Cost.maxCount) at \(resolution) px")
        }
    }
}
