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

    public static let zero = Cost()
    public static func + (a: Cost, b: Cost) -> Cost { Cost(params: a.params + b.params, macs: a.macs + b.macs) }
    public static func += (a: inout Cost, b: Cost) { a = a + b }

    /// A bias-free conv followed by batch norm.
    static func convBN(in cin: Int, out cout: Int, kernel: Int, groups: Int = 1, outputSize: Int) -> Cost {
        let weights = kernel * kernel * (cin / groups) * cout
        return Cost(params: weights + 2 * cout, macs: weights * outputSize * outputSize)
    }

    /// Squeeze-and-excitation on `channels` with `reduced` channels: two 1x1 convs with bias.
    static func squeezeExcitation(channels: Int, reduced: Int) -> Cost {
        guard reduced > 0 else { return .zero }
        return Cost(params: 2 * channels * reduced + reduced + channels, macs: 2 * channels * reduced)
    }
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
        var cost = Cost(params: featureChannels * network.classes + network.classes, macs: featureChannels * network.classes)
        if network.headFilters > 0 {
            cost += Cost.convBN(in: lastChannels, out: network.headFilters, kernel: 1, outputSize: headSize)
        }
        return cost
    }

    public var cost: Cost { blocks.reduce(stemCost + headCost) { $0 + $1.cost } }
}
