import NASKernels
import NASRecipe

/// Updates a model's weights by its `OptimizerConfig` (the recipe, in NASRecipe).
public final class Optimizer {
    public let config: OptimizerConfig
    let model: Model
    let velocity: FloatBuffer
    let meanSquare: FloatBuffer?

    public init(model: Model, config: OptimizerConfig) {
        self.model = model
        self.config = config
        velocity = FloatBuffer(model.parameters.count)
        if config.kind == .rmsprop {
            let ms = FloatBuffer(model.parameters.count)
            ms.pointer.update(repeating: 1, count: model.parameters.count)
            meanSquare = ms
        } else {
            meanSquare = nil
        }
    }

    /// Per-weight state in the parameters' layout: momentum, then RMSprop's mean square.
    public var state: [UnsafeMutablePointer<Float>] { [velocity.pointer] + (meanSquare.map { [$0.pointer] } ?? []) }

    /// Takes the momentum (and mean square) of `other`, an optimizer of a model with the same
    /// tensors (`Model.copyWeights(from:)`), so training goes on as if on one model.
    public func copyState(from other: Optimizer) {
        precondition(config == other.config && model.parameters.count == other.model.parameters.count, "copyState: another optimizer")
        for (mine, theirs) in zip(state, other.state) { mine.update(from: theirs, count: model.parameters.count) }
    }

    /// One update with the gradients in the model's gradient arena (vectorized, split over
    /// the kernel threads: a serial loop over millions of weights would idle the others).
    public func step(learningRate lr: Float) {
        let w = model.parameters.base!
        let g = model.gradients.base!
        if config.weightDecay > 0 {
            let decay = config.weightDecay
            for tensor in model.decayed {
                let (pw, pg) = (w + tensor.offset, g + tensor.offset)
                forEachVector(tensor.count) { i, count in
                    store(load(pg + i) + load(pw + i) * decay, pg + i, count)
                }
            }
        }
        let count = model.parameters.count
        let v = velocity.pointer
        let mu = config.momentum
        switch config.kind {
        case .sgd:
            let nesterov: Float = config.nesterov ? 1 : 0
            forEachVector(count) { i, n in
                let gv = load(g + i)
                let vv = load(v + i) * mu + gv
                store(vv, v + i, n)
                // Nesterov: w −= lr · (g + μ·v); plain momentum: w −= lr · v.
                let update = nesterov == 1 ? gv + vv * mu : vv
                store(load(w + i) - update * lr, w + i, n)
            }
        case .rmsprop:
            let ms = meanSquare!.pointer
            let (rho, eps) = (config.rmsDecay, config.rmsEpsilon)
            forEachVector(count) { i, n in
                let gv = load(g + i)
                let m = load(ms + i) * rho + gv * gv * (1 - rho)
                store(m, ms + i, n)
                let vv = load(v + i) * mu + gv * lr / (m + eps).squareRoot()
                store(vv, v + i, n)
                store(load(w + i) - vv, w + i, n)
            }
        }
    }
}

/// Exponential moving average of the weights and BN statistics, for evaluation.
public final class WeightAverage {
    public let decay: Float
    let model: Model
    let parameters = Arena()
    let state = Arena()
    private var swapped = false

    public init(model: Model, decay: Float) {
        self.model = model
        self.decay = decay
        for t in model.parameters.tensors { parameters.reserve(t.name, t.shape) }
        for t in model.state.tensors { state.reserve(t.name, t.shape) }
        parameters.allocate()
        state.allocate()
        parameters.copy(from: model.parameters)
        state.copy(from: model.state)
    }

    public func update() { update(from: model) }

    /// The average moves towards `source`, a model with the same tensors as its own (a
    /// progressive stage's model at another resolution).
    public func update(from source: Model) {
        precondition(source.parameters.count == parameters.count && source.state.count == state.count)
        for (average, live) in [(parameters, source.parameters), (state, source.state)] {
            let (a, w) = (average.base!, live.base!)
            for i in 0..<live.count { a[i] = decay * a[i] + (1 - decay) * w[i] }
        }
    }

    /// Exchanges the live and averaged values (call twice to restore).
    public func swap() {
        for (average, live) in [(parameters, model.parameters), (state, model.state)] {
            let (a, w) = (average.base!, live.base!)
            for i in 0..<live.count { (a[i], w[i]) = (w[i], a[i]) }
        }
        swapped.toggle()
    }
}
