import NASArchitecture
import NASKernels
import NASRandom

/// One layer of the architecture (a block repeat): its convs, optional SE, residual.
final class BlockLayer {
    let plan: ResolvedBlock
    let layers: [ConvBN]
    let se: SELayer?
    /// SE follows this layer (the last one with an activation before the projection).
    let seAfter: Int
    let residual: FloatBuffer?
    let mask: FloatBuffer
    var maskActive = false

    init(_ plan: ResolvedBlock, maxBatch: Int, context: LayerContext) {
        self.plan = plan
        let name = "blocks.\(plan.index)"
        let act = plan.activation.kind
        func conv(_ part: String, _ kind: ConvBN.Kind, _ cin: Int, _ cout: Int, _ k: Int, _ s: Int, _ size: Int, _ a: ActivationKind) -> ConvBN {
            ConvBN("\(name).\(part)", kind: kind, inChannels: cin, outChannels: cout, kernel: k, stride: s, inSize: size,
                   activation: a, maxBatch: maxBatch, context: context)
        }
        let (cin, mid, cout, k, s) = (plan.inChannels, plan.midChannels, plan.outChannels, plan.kernel, plan.stride)
        let (size, outSize) = (plan.inputSize, plan.outputSize)
        switch plan.op {
        case .mbconv:
            layers = [
                conv("conv_pw", .dense, cin, mid, 1, 1, size, act), conv("conv_dw", .depthwise, mid, mid, k, s, size, act),
                conv("conv_pwl", .dense, mid, cout, 1, 1, outSize, .identity),
            ]
            seAfter = 1
        case .fusedMBConv:
            layers = [conv("conv_exp", .dense, cin, mid, k, s, size, act), conv("conv_pwl", .dense, mid, cout, 1, 1, outSize, .identity)]
            seAfter = 0
        case .depthwiseSeparable:
            layers = [conv("conv_dw", .depthwise, cin, cin, k, s, size, act), conv("conv_pw", .dense, cin, cout, 1, 1, outSize, .identity)]
            seAfter = 0
        case .conv:
            layers = [conv("conv", .dense, cin, cout, k, s, size, act)]
            seAfter = -1
        }
        se = plan.seChannels > 0
            ? SELayer(name, channels: layers[seAfter].outChannels, reduced: plan.seChannels, pixels: outSize * outSize,
                      activation: act, maxBatch: maxBatch, context: context)
            : nil
        residual = plan.hasSkip ? context.buffer(maxBatch * outSize * outSize * cout) : nil
        mask = context.buffer(maxBatch)
    }

    /// The input each layer reads.
    private func input(of index: Int, blockInput x: UnsafePointer<Float>) -> UnsafePointer<Float> {
        if index == 0 { return x }
        if index - 1 == seAfter, let se { return UnsafePointer(se.output.pointer) }
        return UnsafePointer(layers[index - 1].output.pointer)
    }

    func forward(_ x: UnsafePointer<Float>, batch: Int, training: Bool, context c: LayerContext, generator: inout SeededGenerator)
        -> UnsafePointer<Float>
    {
        for (i, layer) in layers.enumerated() {
            layer.forward(input(of: i, blockInput: x), batch: batch, training: training, context: c)
            if i == seAfter, let se { se.forward(layer.output.pointer, batch: batch, context: c) }
        }
        let branch = layers.last!.output.pointer
        guard let residual else { return UnsafePointer(branch) }
        maskActive = training && plan.dropConnect > 0
        if maskActive { Dropout.sampleMask(mask.pointer, batch: batch, rate: Float(plan.dropConnect), generator: &generator) }
        let pixels = plan.outputSize * plan.outputSize
        Elementwise.addScaled(
            x, branch, into: residual.pointer, rows: batch * pixels, cols: plan.outChannels,
            scale: maskActive ? UnsafePointer(mask.pointer) : nil, rowsPerScale: pixels)
        return UnsafePointer(residual.pointer)
    }

    /// The gradient w.r.t. this block's output is in gradient[incoming]; returns the index
    /// of the buffer that then holds the gradient w.r.t. its input. gradient[incoming] is
    /// left intact (the residual needs it) and the other two are used in turn.
    func backward(incoming: Int, x: UnsafePointer<Float>, batch: Int, context c: LayerContext) -> Int {
        let g = c.gradient
        let spare = [0, 1, 2].filter { $0 != incoming }
        func other(_ buffer: Int) -> Int { buffer == spare[0] ? spare[1] : spare[0] }
        let scale = maskActive && residual != nil ? UnsafePointer(mask.pointer) : nil
        var current = incoming
        for i in layers.indices.reversed() {
            let isProjection = i == layers.count - 1
            // BN backward writes d(conv output) in place, except on the projection, which must
            // leave the incoming gradient intact for the residual.
            let dConv = isProjection ? spare[0] : current
            let next = other(dConv)
            layers[i].backward(
                dy: g[current].pointer, dConv: g[dConv].pointer, dx: g[next].pointer, x: input(of: i, blockInput: x),
                batch: batch, context: c, rowScale: isProjection ? scale : nil)
            current = next
            if i - 1 == seAfter, let se {
                let target = other(current)
                se.backward(dy: g[current].pointer, dx: g[target].pointer, x: layers[seAfter].output.pointer, batch: batch, context: c)
                current = target
            }
        }
        if residual != nil {
            let count = batch * plan.inputSize * plan.inputSize * plan.inChannels
            Elementwise.add(g[incoming].pointer, into: g[current].pointer, count: count)
        }
        return current
    }
}

/// A trainable network built from a resolved architecture: stem, blocks, head, classifier.
/// Parameters, gradients and BN statistics live in three arenas; every activation buffer is
/// allocated here for `maxBatch`, so a training step allocates nothing.
public final class Model {
    public let architecture: ResolvedNetwork
    public let maxBatch: Int
    public let parameters = Arena()
    public let gradients = Arena()
    /// BN running means and variances: saved with the weights, not trained.
    public let state = Arena()
    /// Tensors that take weight decay.
    public let decayed: [TensorInfo]
    let context: LayerContext
    let stem: ConvBN
    let blocks: [BlockLayer]
    let headConv: ConvBN?
    let features: Int
    let classes: Int
    let classifierWeight, classifierBias: Int
    let pooled, dropped, dropMask, logits, dLogits, dFeatures: FloatBuffer
    /// Dropout before the classifier while training: the network's, or what a progressive
    /// stage sets.
    public var dropout: Float
    private var dropoutActive = false

    public convenience init(_ architecture: ResolvedNetwork, maxBatch: Int, generator: inout SeededGenerator) {
        self.init(architecture, maxBatch: maxBatch, pool: nil)
        initialize(&generator)
    }

    /// A model whose parameters are all zero (BN variances one), its activation buffers from
    /// `pool` when given: a supernet's path, which loads its weights from the supernet.
    public init(_ architecture: ResolvedNetwork, maxBatch: Int, pool: ActivationPool?) {
        self.architecture = architecture
        self.maxBatch = maxBatch
        let network = architecture.network
        let context = LayerContext(parameters: parameters, gradients: gradients, state: state, pool: pool)
        self.context = context
        stem = ConvBN(
            "stem", kind: .dense, inChannels: network.inputChannels, outChannels: architecture.stemChannels, kernel: 3,
            stride: network.stemStride, inSize: architecture.resolution, activation: network.activation.kind, maxBatch: maxBatch, context: context)
        blocks = architecture.blocks.map { BlockLayer($0, maxBatch: maxBatch, context: context) }
        let last = architecture.blocks.last?.outChannels ?? architecture.stemChannels
        headConv = network.headFilters > 0
            ? ConvBN("head", kind: .dense, inChannels: last, outChannels: network.headFilters, kernel: 1, stride: 1,
                     inSize: architecture.headSize, activation: network.activation.kind, maxBatch: maxBatch, context: context)
            : nil
        features = architecture.featureChannels
        classes = network.classes
        // uniform(±1/√fan_in), PyTorch's default, rather than TF's ±1/√classes: the TF rule
        // was made for 1000 classes; with 10 it starts with logits of std ≈ 3 and a loss of
        // 4+, which costs a short proxy run a large part of its budget.
        classifierWeight = context.parameter(
            "classifier.weight", [features, classes], .uniform(range: 1 / Float(features).squareRoot()), decay: true)
        classifierBias = context.parameter("classifier.bias", [classes], .constant(0))
        pooled = context.buffer(maxBatch * features)
        dropped = context.buffer(maxBatch * features)
        dropMask = context.buffer(maxBatch * features)
        logits = context.buffer(maxBatch * classes)
        dLogits = context.buffer(maxBatch * classes)
        dFeatures = context.buffer(maxBatch * features)
        dropout = Float(network.dropout)
        decayed = context.decayed

        parameters.allocate()
        gradients.allocate()
        state.allocate()
        for tensor in state.tensors where tensor.name.hasSuffix("running_var") {
            state[tensor.offset].update(repeating: 1, count: tensor.count)
        }
        context.workspace = context.buffer(context.workspaceNeeded)
        context.gradient = (0..<3).map { _ in context.buffer(context.activationMax) }
    }

    /// Draws every parameter from its initializer (EfficientNet's), in layer order.
    private func initialize(_ generator: inout SeededGenerator) {
        for (offset, count, initializer) in context.initializers {
            let p = parameters[offset]
            for i in 0..<count {
                switch initializer {
                case .normal(let std): p[i] = generator.nextNormal() * std
                case .uniform(let range): p[i] = (generator.nextFloat() * 2 - 1) * range
                case .constant(let value): p[i] = value
                }
            }
        }
    }

    /// Logits [batch, classes] for images [batch, R, R, C] (NHWC, normalized).
    @discardableResult
    public func forward(_ images: UnsafePointer<Float>, batch: Int, training: Bool, generator: inout SeededGenerator)
        -> UnsafeMutablePointer<Float>
    {
        precondition(batch >= 1 && batch <= maxBatch, "batch \(batch) exceeds the model's \(maxBatch)")
        stemInput = images
        stem.forward(images, batch: batch, training: training, context: context)
        var x = UnsafePointer(stem.output.pointer)
        for block in blocks { x = block.forward(x, batch: batch, training: training, context: context, generator: &generator) }
        if let headConv {
            headConv.forward(x, batch: batch, training: training, context: context)
            x = UnsafePointer(headConv.output.pointer)
        }
        let pixels = architecture.headSize * architecture.headSize
        GlobalAveragePool.forward(x: x, y: pooled.pointer, batch: batch, pixels: pixels, channels: features)
        dropoutActive = training && dropout > 0
        if dropoutActive {
            Dropout.forward(x: pooled.pointer, y: dropped.pointer, mask: dropMask.pointer, count: batch * features, rate: dropout, generator: &generator)
        }
        Dense.forward(
            x: dropoutActive ? dropped.pointer : pooled.pointer, weight: parameters[classifierWeight],
            bias: parameters[classifierBias], y: logits.pointer, batch: batch, inputs: features, outputs: classes)
        return logits.pointer
    }

    /// Gradients of every parameter (the arena is overwritten) for ∂L/∂logits in dLogits.
    func backward(batch: Int) {
        gradients.zero()
        let c = context
        let g = c.gradient
        Dense.backward(
            x: dropoutActive ? dropped.pointer : pooled.pointer, weight: parameters[classifierWeight], dy: dLogits.pointer,
            dx: dFeatures.pointer, dweight: gradients[classifierWeight], dbias: gradients[classifierBias], batch: batch,
            inputs: features, outputs: classes)
        if dropoutActive {
            for i in 0..<(batch * features) { dFeatures.pointer[i] *= dropMask.pointer[i] }
        }
        let pixels = architecture.headSize * architecture.headSize
        var current = 0
        if let headConv {
            GlobalAveragePool.backward(dy: dFeatures.pointer, dx: g[1].pointer, batch: batch, pixels: pixels, channels: features)
            headConv.backward(dy: g[1].pointer, dConv: g[1].pointer, dx: g[0].pointer, x: output(ofBlock: blocks.count - 1), batch: batch, context: c)
        } else {
            GlobalAveragePool.backward(dy: dFeatures.pointer, dx: g[0].pointer, batch: batch, pixels: pixels, channels: features)
        }
        for (i, block) in blocks.enumerated().reversed() {
            current = block.backward(incoming: current, x: output(ofBlock: i - 1), batch: batch, context: c)
        }
        // The stem's input is the image: no gradient needed there.
        stem.backward(dy: g[current].pointer, dConv: g[current].pointer, dx: nil, x: stemInput!, batch: batch, context: c)
    }

    /// The last images passed to forward (the stem's backward reads them).
    private var stemInput: UnsafePointer<Float>?

    /// What block `index` produced in the last forward pass; index −1 is the stem.
    private func output(ofBlock index: Int) -> UnsafePointer<Float> {
        guard index >= 0 else { return UnsafePointer(stem.output.pointer) }
        let block = blocks[index]
        return UnsafePointer(block.residual?.pointer ?? block.layers.last!.output.pointer)
    }

    /// Loss and gradient in one call: forward, softmax cross-entropy, backward. With
    /// `teacher` (probabilities [batch, classes]: in-place distillation) the target is the
    /// teacher's prediction instead of the smoothed labels, which then only count `correct`.
    public func trainStep(
        images: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, labelSmoothing: Float,
        teacher: UnsafePointer<Float>? = nil, generator: inout SeededGenerator
    ) -> (loss: Float, correct: Int) {
        let out = forward(images, batch: batch, training: true, generator: &generator)
        let result = if let teacher {
            SoftmaxCrossEntropy.forwardBackward(
                logits: out, targets: teacher, labels: labels, dlogits: dLogits.pointer, batch: batch, classes: classes)
        } else {
            SoftmaxCrossEntropy.forwardBackward(
                logits: out, labels: labels, dlogits: dLogits.pointer, batch: batch, classes: classes, labelSmoothing: labelSmoothing)
        }
        backward(batch: batch)
        return result
    }

    /// Softmax of the last forward pass's logits [batch, classes] (a teacher's predictions).
    public func probabilities(batch: Int, into probabilities: UnsafeMutablePointer<Float>) {
        SoftmaxCrossEntropy.softmax(logits: logits.pointer, probabilities: probabilities, batch: batch, classes: classes)
    }

    public var parameterCount: Int { parameters.count }

    /// Takes the parameters and BN statistics of `other`, a model of the same network built for
    /// another resolution or batch: no weight depends on the image size, so the tensors are the
    /// same ones (progressive learning carries them from stage to stage).
    public func copyWeights(from other: Model) {
        precondition(
            parameters.tensors == other.parameters.tensors && state.tensors == other.state.tensors,
            "copyWeights: the models hold different tensors")
        parameters.copy(from: other.parameters)
        state.copy(from: other.state)
    }

    /// Re-estimates every BN layer's running statistics as the plain average of the batch
    /// statistics over the given batches (training-mode forward passes, nothing trained).
    /// Brief proxy training leaves the 0.99-decay averages far from the final weights'.
    public func recalibrateBatchNorm(batches: Int, generator: inout SeededGenerator, fill: (Int) -> (UnsafePointer<Float>, Int)) {
        let saved = context.batchNormMomentum
        defer { context.batchNormMomentum = saved }
        for k in 0..<batches {
            context.batchNormMomentum = 1 / Float(k + 1)
            let (images, count) = fill(k)
            forward(images, batch: count, training: true, generator: &generator)
        }
    }
}
