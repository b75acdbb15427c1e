import NASKernels

/// SGD with momentum (optionally Nesterov) or RMSProp as in the EfficientNet recipe
/// (TF-style: decay 0.9, momentum 0.9, ε = 1e-3 inside the square root, mean square
/// initialized to 1). L2 weight decay on conv and dense weights, added to the gradient.
public struct OptimizerConfig: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case sgd, rmsprop }
    public var kind: Kind = .sgd
    public var momentum: Float = 0.9
    public var nesterov = true
    public var rmsDecay: Float = 0.9
    public var rmsEpsilon: Float = 1e-3
    public var weightDecay: Float = 5e-5
    public init() {}
}

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

/// Learning rate per step: linear warmup from 0, then cosine to 0, exponential decay
/// (EfficientNet: ×0.97 every 2.4 epochs), or constant.
public struct LearningRateSchedule: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case cosine, exponential, constant }
    public var kind: Kind
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    /// For `.exponential`: multiply by `decayRate` every `decaySteps`.
    public var decayRate: Float = 0.97
    public var decaySteps: Int = 1

    public init(kind: Kind, peak: Float, warmupSteps: Int, totalSteps: Int, decayRate: Float = 0.97, decaySteps: Int = 1) {
        (self.kind, self.peak, self.warmupSteps, self.totalSteps, self.decayRate, self.decaySteps) =
            (kind, peak, warmupSteps, totalSteps, decayRate, max(1, decaySteps))
    }

    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let t = step - warmupSteps
        switch kind {
        case .constant: return peak
        case .exponential: return peak * pow(decayRate, Float(t / decaySteps))
        case .cosine:
            let span = max(1, totalSteps - warmupSteps)
            return peak * 0.5 * (1 + cos(Float.pi * Float(min(t, span)) / Float(span)))
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

    public func update() {
        for (average, live) in [(parameters, model.parameters), (state, model.state)] {
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

#if canImport(Glibc)
    import Glibc
#endif
