import Foundation

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
