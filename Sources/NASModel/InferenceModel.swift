import NASArchitecture
import NASKernels

/// A folded network (`FoldedNetwork`, batch norm inside each convolution's weights and bias)
/// ready to run on the training kernels: a layer is one convolution pass and its bias and
/// activation (fused into the depthwise pass), with no statistics to apply. It is the network
/// an ONNX export holds, so evaluation, measured latency and `nas bench infer` see what a
/// deployment runs. Buffers for `maxBatch` images are allocated here; `forward` allocates
/// nothing. One forward at a time.
public final class InferenceModel {
    public let network: FoldedNetwork
    public let maxBatch: Int
    let stem: InferenceConv
    let blocks: [InferenceBlock]
    let head: InferenceConv?
    /// Classifier [features, classes] (the kernels' layout) and its bias.
    let classifierWeight, classifierBias: FloatBuffer
    let pooled, logits: FloatBuffer
    /// im2col workspace, shared by the k×k dense convolutions.
    let columns: FloatBuffer

    public init(_ network: FoldedNetwork, maxBatch: Int) {
        precondition(maxBatch >= 1, "maxBatch must be at least 1")
        self.network = network
        self.maxBatch = maxBatch
        var size = network.resolution
        stem = InferenceConv(network.stem, inSize: size, maxBatch: maxBatch)
        size = stem.outSize
        blocks = network.blocks.map { block in
            defer { size = InferenceBlock.outSize(block, inSize: size) }
            return InferenceBlock(block, inSize: size, maxBatch: maxBatch)
        }
        head = network.head.map { InferenceConv($0, inSize: size, maxBatch: maxBatch) }
        let (features, classes) = (network.features, network.classes)
        classifierWeight = FloatBuffer(features * classes)
        for o in 0..<classes { for i in 0..<features { classifierWeight.pointer[i * classes + o] = network.classifierWeight[o * features + i] } }
        classifierBias = FloatBuffer(classes, network.classifierBias)
        pooled = FloatBuffer(maxBatch * features)
        logits = FloatBuffer(maxBatch * classes)
        let convs = [stem] + blocks.flatMap(\.convs) + (head.map { [$0] } ?? [])
        columns = FloatBuffer(max(1, convs.map { $0.workspaceCount(batch: maxBatch) }.max() ?? 0))
    }

    /// Logits [batch, classes] for images [batch, R, R, C] (NHWC, normalized). The pointer is
    /// the model's own buffer, overwritten by the next call.
    public func forward(_ images: UnsafePointer<Float>, batch: Int) -> UnsafeMutablePointer<Float> {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) exceeds the model's \(maxBatch)")
        var x = stem.forward(images, batch: batch, columns: columns.pointer)
        for block in blocks { x = block.forward(x, batch: batch, columns: columns.pointer) }
        var size = blocks.last?.outSize ?? stem.outSize
        if let head {
            x = head.forward(x, batch: batch, columns: columns.pointer)
            size = head.outSize
        }
        GlobalAveragePool.forward(x: x, y: pooled.pointer, batch: batch, pixels: size * size, channels: network.features)
        Dense.forward(
            x: pooled.pointer, weight: classifierWeight.pointer, bias: classifierBias.pointer, y: logits.pointer, batch: batch,
            inputs: network.features, outputs: network.classes)
        return logits.pointer
    }
}

extension FloatBuffer {
    /// A buffer holding `values` (and the kernels' slack after them).
    convenience init(_ count: Int, _ values: [Float]) {
        self.init(count)
        for (i, value) in values.prefix(count).enumerated() { pointer[i] = value }
    }
}

/// One folded convolution: dense (k×k or pointwise) or depthwise, then bias and activation.
final class InferenceConv {
    let isDepthwise: Bool
    let inChannels, outChannels, kernel, stride, inSize, outSize: Int
    let activation: ActivationKind
    /// Dense [k, k, Cin, Cout]; depthwise [k, k, C] (the kernels' layouts, from OIHW).
    let weight: FloatBuffer
    let bias: FloatBuffer
    let output: FloatBuffer

    init(_ conv: FoldedConv, inSize: Int, maxBatch: Int) {
        let (k, cin, cout) = (conv.kernel, conv.inChannels, conv.outChannels)
        isDepthwise = conv.groups > 1
        (inChannels, outChannels, kernel, stride, self.inSize) = (cin, cout, k, conv.stride, inSize)
        outSize = (inSize + 2 * conv.padding - k) / conv.stride + 1
        activation = conv.activation?.kind ?? .identity
        weight = FloatBuffer(conv.weight.count)
        let w = weight.pointer
        for i in 0..<k {
            for j in 0..<k {
                if isDepthwise {
                    for c in 0..<cout { w[(i * k + j) * cout + c] = conv.weight[(c * k + i) * k + j] }
                } else {
                    for ci in 0..<cin {
                        for o in 0..<cout { w[((i * k + j) * cin + ci) * cout + o] = conv.weight[((o * cin + ci) * k + i) * k + j] }
                    }
                }
            }
        }
        bias = FloatBuffer(cout, conv.bias)
        output = FloatBuffer(maxBatch * outSize * outSize * cout)
    }

    func convShape(batch: Int) -> ConvShape {
        ConvShape(batch: batch, height: inSize, width: inSize, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride)
    }

    func workspaceCount(batch: Int) -> Int { isDepthwise ? 0 : convShape(batch: batch).workspaceCount }

    func forward(_ x: UnsafePointer<Float>, batch: Int, columns: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if isDepthwise {
            let shape = DepthwiseShape(batch: batch, height: inSize, width: inSize, channels: outChannels, kernel: kernel, stride: stride)
            Depthwise.forward(shape, x: x, weight: weight.pointer, y: output.pointer, bias: bias.pointer, activation: activation)
        } else {
            Conv.forward(convShape(batch: batch), x: x, weight: weight.pointer, y: output.pointer, columns: columns)
            Elementwise.biasActivation(output.pointer, rows: batch * outSize * outSize, cols: outChannels, bias: bias.pointer, activation: activation)
        }
        return UnsafePointer(output.pointer)
    }
}

/// One layer of the architecture: its folded convolutions, SE after `convs[seAfter]`, and the
/// residual sum.
final class InferenceBlock {
    let convs: [InferenceConv]
    let seAfter: Int
    let se: (layer: FoldedSqueezeExcitation, w1: FloatBuffer, b1: FloatBuffer, w2: FloatBuffer, b2: FloatBuffer,
             pooled: FloatBuffer, hPre: FloatBuffer, h: FloatBuffer, gate: FloatBuffer, output: FloatBuffer)?
    let residual: FloatBuffer?
    let outSize: Int

    static func outSize(_ block: FoldedBlock, inSize: Int) -> Int {
        block.convs.reduce(inSize) { size, conv in (size + 2 * conv.padding - conv.kernel) / conv.stride + 1 }
    }

    init(_ block: FoldedBlock, inSize: Int, maxBatch: Int) {
        var size = inSize
        let convs = block.convs.map { conv in
            defer { size = (size + 2 * conv.padding - conv.kernel) / conv.stride + 1 }
            return InferenceConv(conv, inSize: size, maxBatch: maxBatch)
        }
        self.convs = convs
        outSize = size
        seAfter = block.seAfter
        residual = block.residual ? FloatBuffer(maxBatch * size * size * convs.last!.outChannels) : nil
        se = block.squeezeExcitation.map { layer in
            let (c, r) = (layer.channels, layer.reduced)
            let pixels = convs[block.seAfter].outSize * convs[block.seAfter].outSize
            // [R, C] and [C, R] (OI) → [C, R] and [R, C] (the kernels' [in, out]).
            let w1 = FloatBuffer(c * r), w2 = FloatBuffer(r * c)
            for i in 0..<r { for j in 0..<c { w1.pointer[j * r + i] = layer.reduceWeight[i * c + j]; w2.pointer[i * c + j] = layer.expandWeight[j * r + i] } }
            return (layer, w1, FloatBuffer(r, layer.reduceBias), w2, FloatBuffer(c, layer.expandBias), FloatBuffer(maxBatch * c),
                    FloatBuffer(maxBatch * r), FloatBuffer(maxBatch * r), FloatBuffer(maxBatch * c), FloatBuffer(maxBatch * pixels * c))
        }
    }

    func forward(_ x: UnsafePointer<Float>, batch: Int, columns: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        var current = x
        for (index, conv) in convs.enumerated() {
            current = conv.forward(current, batch: batch, columns: columns)
            if index == seAfter, let se {
                let shape = SqueezeExcitationShape(batch: batch, pixels: conv.outSize * conv.outSize, channels: se.layer.channels, reduced: se.layer.reduced)
                SqueezeExcitation.forward(
                    shape, x: current, y: se.output.pointer, w1: se.w1.pointer, b1: se.b1.pointer, w2: se.w2.pointer, b2: se.b2.pointer,
                    activation: se.layer.activation.kind, pooled: se.pooled.pointer, hPre: se.hPre.pointer, h: se.h.pointer,
                    gate: se.gate.pointer)
                current = UnsafePointer(se.output.pointer)
            }
        }
        guard let residual else { return current }
        let channels = convs.last!.outChannels
        Elementwise.addScaled(x, current, into: residual.pointer, rows: batch * outSize * outSize, cols: channels, scale: nil, rowsPerScale: 1)
        return UnsafePointer(residual.pointer)
    }
}
