import NASArchitecture
import NASKernels

/// What every layer shares during a step: the arenas, scratch, and three gradient
/// buffers that rotate as the gradient flows back through the blocks.
final class LayerContext {
    let parameters: Arena
    let gradients: Arena
    let state: Arena
    var workspace: FloatBuffer!
    var gradient: [FloatBuffer] = []
    /// (offset, count, init) for each parameter, applied once the arena exists.
    var initializers: [(offset: Int, count: Int, initializer: Initializer)] = []
    /// Offsets of tensors that get weight decay (conv and dense weights, not BN or biases).
    var decayed: [TensorInfo] = []
    var workspaceNeeded = 0
    /// Weight of the current batch in BN's running averages (TF's decay 0.99 → 0.01).
    var batchNormMomentum: Float = 0.01
    var activationMax = 0
    /// Where activation buffers come from: their own allocations, or a pool shared by the
    /// models built one after another (a supernet's paths).
    let pool: ActivationPool?

    init(parameters: Arena, gradients: Arena, state: Arena, pool: ActivationPool?) {
        self.parameters = parameters
        self.gradients = gradients
        self.state = state
        self.pool = pool
    }

    /// An activation or scratch buffer of `count` floats.
    func buffer(_ count: Int) -> FloatBuffer { pool?.take(count) ?? FloatBuffer(count) }

    enum Initializer {
        /// EfficientNet's conv init: normal(0, sqrt(2 / fan_out)), fan_out = k·k·out / groups.
        case normal(std: Float)
        /// EfficientNet's dense init: uniform(±1/sqrt(out)).
        case uniform(range: Float)
        case constant(Float)
    }

    func parameter(_ name: String, _ shape: [Int], _ initializer: Initializer, decay: Bool = false) -> Int {
        let offset = parameters.reserve(name, shape)
        gradients.reserve(name, shape)
        initializers.append((offset, shape.reduce(1, *), initializer))
        if decay { decayed.append(TensorInfo(name: name, shape: shape, offset: offset)) }
        return offset
    }

    func needWorkspace(_ floats: Int) { workspaceNeeded = max(workspaceNeeded, floats) }
    func noteActivation(_ floats: Int) { activationMax = max(activationMax, floats) }
}

/// A convolution (dense k×k, pointwise or depthwise) followed by batch norm and an activation.
/// Keeps the conv output (BN's input) and the activation output for backward.
final class ConvBN {
    enum Kind { case dense, depthwise }
    let kind: Kind
    let inChannels, outChannels, kernel, stride, inSize, outSize: Int
    let activation: ActivationKind
    let weight, gamma, beta, runningMean, runningVar: Int
    let convOut, output, mean, invstd: FloatBuffer
    /// im2col of the input for k×k (non-pointwise) dense convs, kept for backward.
    let columns: FloatBuffer?
    static let epsilon: Float = 1e-3

    init(
        _ name: String, kind: Kind, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, inSize: Int,
        activation: ActivationKind, maxBatch: Int, context: LayerContext
    ) {
        self.kind = kind
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernel = kernel
        self.stride = stride
        self.inSize = inSize
        self.outSize = (inSize + 2 * ((kernel - 1) / 2) - kernel) / stride + 1
        self.activation = activation
        let fanOut = kernel * kernel * (kind == .depthwise ? 1 : outChannels)
        let shape = kind == .depthwise ? [kernel, kernel, outChannels] : [kernel, kernel, inChannels, outChannels]
        weight = context.parameter("\(name).conv.weight", shape, .normal(std: (2 / Float(fanOut)).squareRoot()), decay: true)
        gamma = context.parameter("\(name).bn.weight", [outChannels], .constant(1))
        beta = context.parameter("\(name).bn.bias", [outChannels], .constant(0))
        runningMean = context.state.reserve("\(name).bn.running_mean", [outChannels])
        runningVar = context.state.reserve("\(name).bn.running_var", [outChannels])
        let elements = maxBatch * outSize * outSize * outChannels
        convOut = context.buffer(elements)
        output = context.buffer(elements)
        mean = context.buffer(outChannels)
        invstd = context.buffer(outChannels)
        let patches = ConvShape(
            batch: maxBatch, height: inSize, width: inSize, inChannels: inChannels, outChannels: outChannels, kernel: kernel,
            stride: stride
        ).workspaceCount
        columns = kind == .dense && patches > 0 ? context.buffer(patches) : nil
        context.noteActivation(maxBatch * max(inSize * inSize * inChannels, outSize * outSize * outChannels))
        let threads = max(2, kernelThreads)
        var workspace = max((threads + 2) * (2 * outChannels + 4 * vecWidth), BatchNorm.backwardWorkspace(channels: outChannels, threads: threads))
        if kind == .depthwise {
            workspace = max(workspace, threads * (kernel * kernel * outChannels + vecWidth))
        } else {
            workspace = max(workspace, convShape(batch: maxBatch).workspaceCount)
        }
        context.needWorkspace(workspace)
    }

    func convShape(batch: Int) -> ConvShape {
        ConvShape(batch: batch, height: inSize, width: inSize, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride)
    }

    func depthwiseShape(batch: Int) -> DepthwiseShape {
        DepthwiseShape(batch: batch, height: inSize, width: inSize, channels: outChannels, kernel: kernel, stride: stride)
    }

    func forward(_ x: UnsafePointer<Float>, batch: Int, training: Bool, context c: LayerContext) {
        let p = c.parameters
        switch kind {
        case .dense:
            Conv.forward(convShape(batch: batch), x: x, weight: p[weight], y: convOut.pointer, columns: columns?.pointer ?? c.workspace.pointer)
        case .depthwise: Depthwise.forward(depthwiseShape(batch: batch), x: x, weight: p[weight], y: convOut.pointer)
        }
        let rows = batch * outSize * outSize
        if training {
            BatchNorm.forwardTraining(
                x: convOut.pointer, y: output.pointer, rows: rows, channels: outChannels, gamma: p[gamma], beta: p[beta],
                mean: mean.pointer, invstd: invstd.pointer, runningMean: c.state[runningMean],
                runningVar: c.state[runningVar], momentum: c.batchNormMomentum, epsilon: Self.epsilon,
                activation: activation, workspace: c.workspace.pointer)
        } else {
            BatchNorm.forwardInference(
                x: convOut.pointer, y: output.pointer, rows: rows, channels: outChannels, gamma: p[gamma], beta: p[beta],
                runningMean: c.state[runningMean], runningVar: c.state[runningVar], epsilon: Self.epsilon,
                activation: activation, workspace: c.workspace.pointer)
        }
    }

    /// dy: gradient w.r.t. `output`; dConv receives the gradient w.r.t. the conv output (may
    /// be dy itself); dx (if wanted) the gradient w.r.t. the input x.
    func backward(
        dy: UnsafePointer<Float>, dConv: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>?,
        x: UnsafePointer<Float>, batch: Int, context c: LayerContext, rowScale: UnsafePointer<Float>? = nil
    ) {
        let (p, g) = (c.parameters, c.gradients)
        BatchNorm.backward(
            dy: dy, x: convOut.pointer, dx: dConv, rows: batch * outSize * outSize, channels: outChannels,
            gamma: p[gamma], beta: p[beta], mean: mean.pointer, invstd: invstd.pointer, dgamma: g[gamma],
            dbeta: g[beta], activation: activation, rowScale: rowScale, rowsPerScale: outSize * outSize,
            workspace: c.workspace.pointer)
        switch kind {
        case .dense:
            Conv.backward(
                convShape(batch: batch), x: x, weight: p[weight], dy: dConv, dx: dx, dweight: g[weight],
                columns: columns?.pointer ?? c.workspace.pointer, workspace: c.workspace.pointer)
        case .depthwise:
            Depthwise.backward(
                depthwiseShape(batch: batch), x: x, weight: p[weight], dy: dConv, dx: dx!, dweight: g[weight],
                workspace: c.workspace.pointer)
        }
    }
}

/// Squeeze-and-excitation with its own output buffer.
final class SELayer {
    let channels, reduced, pixels: Int
    let activation: ActivationKind
    let w1, b1, w2, b2: Int
    let pooled, hPre, h, gate, output: FloatBuffer

    init(_ name: String, channels: Int, reduced: Int, pixels: Int, activation: ActivationKind, maxBatch: Int, context: LayerContext) {
        self.channels = channels
        self.reduced = reduced
        self.pixels = pixels
        self.activation = activation
        w1 = context.parameter("\(name).se.conv_reduce.weight", [channels, reduced], .normal(std: (2 / Float(reduced)).squareRoot()), decay: true)
        b1 = context.parameter("\(name).se.conv_reduce.bias", [reduced], .constant(0))
        w2 = context.parameter("\(name).se.conv_expand.weight", [reduced, channels], .normal(std: (2 / Float(channels)).squareRoot()), decay: true)
        b2 = context.parameter("\(name).se.conv_expand.bias", [channels], .constant(0))
        pooled = context.buffer(maxBatch * channels)
        hPre = context.buffer(maxBatch * reduced)
        h = context.buffer(maxBatch * reduced)
        gate = context.buffer(maxBatch * channels)
        output = context.buffer(maxBatch * pixels * channels)
        context.needWorkspace(2 * maxBatch * channels + maxBatch * reduced + 4 * vecWidth)
    }

    func shape(_ batch: Int) -> SqueezeExcitationShape {
        SqueezeExcitationShape(batch: batch, pixels: pixels, channels: channels, reduced: reduced)
    }

    func forward(_ x: UnsafePointer<Float>, batch: Int, context c: LayerContext) {
        let p = c.parameters
        SqueezeExcitation.forward(
            shape(batch), x: x, y: output.pointer, w1: p[w1], b1: p[b1], w2: p[w2], b2: p[b2], activation: activation,
            pooled: pooled.pointer, hPre: hPre.pointer, h: h.pointer, gate: gate.pointer)
    }

    func backward(dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, batch: Int, context c: LayerContext) {
        let (p, g) = (c.parameters, c.gradients)
        SqueezeExcitation.backward(
            shape(batch), x: x, dy: dy, dx: dx, w1: p[w1], w2: p[w2], activation: activation, pooled: pooled.pointer,
            hPre: hPre.pointer, h: h.pointer, gate: gate.pointer, dw1: g[w1], db1: g[b1], dw2: g[w2], db2: g[b2],
            workspace: c.workspace.pointer)
    }
}

extension Activation {
    var kind: ActivationKind {
        switch self {
        case .swish: .swish
        case .relu: .relu
        case .relu6: .relu6
        }
    }
}
