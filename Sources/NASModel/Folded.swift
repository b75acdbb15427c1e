import NASArchitecture
import NASKernels

/// A trained model as inference sees it: batch norm folded into each convolution (a bias
/// appears), weights in the NCHW world's layouts (OIHW convs, [out, in] dense), no training
/// state. What exporters write (NASONNX); `Model.folded()` makes one. Values only.
public struct FoldedNetwork: Sendable, Hashable {
    public var inputChannels: Int
    /// Input side in pixels (square).
    public var resolution: Int
    public var stem: FoldedConv
    public var blocks: [FoldedBlock]
    /// The 1×1 head conv (nil when the architecture has none).
    public var head: FoldedConv?
    /// Channels into the classifier (after global average pooling).
    public var features: Int
    public var classes: Int
    /// [classes, features] (y = W·x + b, as ONNX's Gemm with transB or PyTorch's Linear).
    public var classifierWeight: [Float]
    public var classifierBias: [Float]

    /// Weights and biases after folding (batch norm's four values per channel became one bias).
    public var parameterCount: Int {
        let convs = [stem] + blocks.flatMap(\.convs) + (head.map { [$0] } ?? [])
        let se = blocks.compactMap(\.squeezeExcitation).reduce(0) {
            $0 + $1.reduceWeight.count + $1.reduceBias.count + $1.expandWeight.count + $1.expandBias.count
        }
        return convs.reduce(0) { $0 + $1.weight.count + $1.bias.count } + se + classifierWeight.count + classifierBias.count
    }
}

/// A convolution with batch norm folded in and its activation (nil: none).
/// y = act(conv(x, weight) + bias), symmetric padding `padding`, `groups` = channels for a
/// depthwise conv, 1 otherwise.
public struct FoldedConv: Sendable, Hashable {
    public var inChannels: Int
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int
    public var groups: Int
    public var activation: Activation?
    /// [outChannels, inChannels / groups, kernel, kernel].
    public var weight: [Float]
    /// [outChannels].
    public var bias: [Float]
}

/// Squeeze-and-excitation: gate = σ(W2·act(W1·mean_hw(x) + b1) + b2), y = x · gate.
public struct FoldedSqueezeExcitation: Sendable, Hashable {
    public var channels: Int
    public var reduced: Int
    public var activation: Activation
    /// [reduced, channels] and [channels, reduced] (1×1 convs' OI).
    public var reduceWeight: [Float]
    public var reduceBias: [Float]
    public var expandWeight: [Float]
    public var expandBias: [Float]
}

/// One layer of the architecture: its convolutions in order, SE after `convs[seAfter]`, and
/// a residual connection (input + output) when `residual`.
public struct FoldedBlock: Sendable, Hashable {
    public var convs: [FoldedConv]
    public var squeezeExcitation: FoldedSqueezeExcitation?
    public var seAfter: Int
    public var residual: Bool
}

extension Model {
    /// The network with batch norm folded (running statistics, ε = 1e-3) and weights
    /// transposed to OIHW. Drop-connect and dropout are training-only and vanish.
    public func folded() -> FoldedNetwork {
        let activation = architecture.network.activation
        return FoldedNetwork(
            inputChannels: architecture.network.inputChannels, resolution: architecture.resolution,
            stem: fold(stem, activation: activation),
            blocks: blocks.map { block in
                FoldedBlock(
                    convs: block.layers.map { fold($0, activation: $0.activation == .identity ? nil : block.plan.activation) },
                    squeezeExcitation: block.se.map { fold($0, activation: block.plan.activation) }, seAfter: block.seAfter,
                    residual: block.residual != nil)
            },
            head: headConv.map { fold($0, activation: activation) }, features: features, classes: classes,
            classifierWeight: transposed(parameters[classifierWeight], rows: features, columns: classes),
            classifierBias: Array(UnsafeBufferPointer(start: parameters[classifierBias], count: classes)))
    }

    /// w' = w·γ/√(σ² + ε) per output channel, b = β − μ·γ/√(σ² + ε).
    private func fold(_ layer: ConvBN, activation: Activation?) -> FoldedConv {
        let (k, cin, cout) = (layer.kernel, layer.inChannels, layer.outChannels)
        let w = parameters[layer.weight], gamma = parameters[layer.gamma], beta = parameters[layer.beta]
        let mean = state[layer.runningMean], variance = state[layer.runningVar]
        var scale = [Float](repeating: 0, count: cout), bias = [Float](repeating: 0, count: cout)
        for o in 0..<cout {
            scale[o] = gamma[o] / (variance[o] + ConvBN.epsilon).squareRoot()
            bias[o] = beta[o] - mean[o] * scale[o]
        }
        var weight: [Float]
        switch layer.kind {
        case .dense:
            // [k, k, in, out] → [out, in, k, k]
            weight = [Float](repeating: 0, count: k * k * cin * cout)
            for i in 0..<k { for j in 0..<k { for ci in 0..<cin { for o in 0..<cout {
                weight[((o * cin + ci) * k + i) * k + j] = w[((i * k + j) * cin + ci) * cout + o] * scale[o]
            } } } }
        case .depthwise:
            // [k, k, C] → [C, 1, k, k]
            weight = [Float](repeating: 0, count: k * k * cout)
            for i in 0..<k { for j in 0..<k { for c in 0..<cout {
                weight[(c * k + i) * k + j] = w[(i * k + j) * cout + c] * scale[c]
            } } }
        }
        return FoldedConv(
            inChannels: cin, outChannels: cout, kernel: k, stride: layer.stride, padding: (k - 1) / 2,
            groups: layer.kind == .depthwise ? cout : 1, activation: activation, weight: weight, bias: bias)
    }

    private func fold(_ se: SELayer, activation: Activation) -> FoldedSqueezeExcitation {
        FoldedSqueezeExcitation(
            channels: se.channels, reduced: se.reduced, activation: activation,
            reduceWeight: transposed(parameters[se.w1], rows: se.channels, columns: se.reduced),
            reduceBias: Array(UnsafeBufferPointer(start: parameters[se.b1], count: se.reduced)),
            expandWeight: transposed(parameters[se.w2], rows: se.reduced, columns: se.channels),
            expandBias: Array(UnsafeBufferPointer(start: parameters[se.b2], count: se.channels)))
    }

    /// A row-major [rows, columns] matrix as [columns, rows].
    private func transposed(_ m: UnsafePointer<Float>, rows: Int, columns: Int) -> [Float] {
        var t = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows { for c in 0..<columns { t[c * rows + r] = m[r * columns + c] } }
        return t
    }
}
