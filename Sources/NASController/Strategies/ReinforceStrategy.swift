import Foundation
import NASRandom

/// A learned policy π_θ (`SoftmaxPolicy` or `LSTMPolicy`, by `config.policy`) trained with
/// REINFORCE: a moving-average baseline, optionally normalized advantages, an entropy bonus,
/// global-norm gradient clipping and one Adam step per batch.
struct ReinforceStrategy: SearchStrategy {
    let config: ControllerConfig
    let decisionSizes: [Int]
    /// Rebuilt from `config` and `decisionSizes`; not part of the saved state.
    let policy: any Policy
    /// θ, laid out by the policy.
    var parameters: [Double]
    var adam: Adam
    var baseline: Double?
    /// Running mean of (R − b)², for advantage normalization.
    var meanSquareAdvantage: Double?

    /// Draws the policy's initial parameters.
    init(config: ControllerConfig, decisionSizes: [Int], generator: inout SeededGenerator) {
        self.config = config
        self.decisionSizes = decisionSizes
        policy = makePolicy(config, decisionSizes)
        parameters = policy.initialParameters(&generator)
        adam = Adam(count: parameters.count)
    }

    mutating func propose(count: Int, generator: inout SeededGenerator) -> [[Int]] {
        policy.sample(parameters, count: count, &generator)
    }

    /// loss = −(1/N) Σ_i [A_i·log π(a_i) + λ·H_i]; gradient clipped by global norm; one Adam step.
    /// With `ppoEpochs` > 1: that many clipped passes (PPO) over the batch instead.
    mutating func update(evaluated: [Member]) {
        let advantages = advantages(evaluated.map(\.reward))
        let passes = config.ppoEpochs ?? 1
        let clip = config.ppoClip ?? 0.2
        // log π_old of each sample: what the first pass's forward gives, its ratio exactly 1.
        var old = [Double](repeating: 0, count: evaluated.count)
        for pass in 0..<passes {
            step(evaluated) { index, logProbability in
                guard pass > 0 else {
                    old[index] = logProbability
                    return advantages[index]
                }
                // d/dθ min(r·A, clip(r)·A) is r·A·∇log π where the unclipped term is the smaller
                // one, and 0 where clipping holds it (the sample has moved far enough).
                let advantage = advantages[index], ratio = exp(logProbability - old[index])
                let clipped = min(max(ratio, 1 - clip), 1 + clip)
                return ratio * advantage <= clipped * advantage ? ratio * advantage : 0
            }
        }
    }

    /// One Adam step on −(1/N) Σ_i [w_i·log π(a_i) + λ·H_i], the gradient clipped by global
    /// norm; w_i = weight(i, log π(a_i)).
    private mutating func step(_ evaluated: [Member], weight: (Int, Double) -> Double) {
        var gradient = [Double](repeating: 0, count: parameters.count)
        _ = policy.accumulateGradient(
            parameters, batch: evaluated.map(\.decisions), weights: { logProbabilities in logProbabilities.indices.map { weight($0, logProbabilities[$0]) } },
            entropyWeight: config.entropyWeight, into: &gradient)
        var scale = -1 / Double(evaluated.count)
        if config.gradientClip > 0 {
            let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot() * -scale
            if norm > config.gradientClip { scale *= config.gradientClip / norm }
        }
        for i in gradient.indices { gradient[i] *= scale }
        guard let biasRate = config.biasLearningRate else {
            return adam.step(&parameters, gradient, learningRate: config.learningRate)
        }
        adam.step(&parameters, gradient, learningRate: config.learningRate, except: policy.outputBiases, rate: biasRate)
    }

    /// The REINFORCE advantages for a batch of rewards; updates the baseline and the running
    /// mean square. Advantages use the baseline from *before* this batch (the first batch's
    /// own mean for the first one).
    mutating func advantages(_ rewards: [Double]) -> [Double] {
        let decay = config.baselineDecay
        let mean = rewards.reduce(0, +) / Double(rewards.count)
        let b = baseline ?? mean
        var advantages = rewards.map { $0 - b }
        baseline = decay * b + (1 - decay) * mean
        if config.normalizeAdvantage {
            let square = advantages.reduce(0) { $0 + $1 * $1 } / Double(advantages.count)
            let running = meanSquareAdvantage.map { decay * $0 + (1 - decay) * square } ?? square
            meanSquareAdvantage = running
            if running > 1e-12 {
                let scale = running.squareRoot()
                advantages = advantages.map { $0 / scale }
            }
        }
        return advantages
    }

    /// Argmax per decision (greedy through the LSTM), whatever was seen.
    func mostLikely(best: Member?) -> [Int] {
        policy.greedy(parameters).actions
    }

    /// The policy's entropy at each step of its greedy path (exact for the softmax policy).
    var statistics: StrategyStatistics {
        StrategyStatistics(baseline: baseline, entropy: policy.greedy(parameters).entropy)
    }

    // MARK: - State

    private enum CodingKeys: String, CodingKey {
        case parameters, adam, baseline, meanSquareAdvantage
    }

    /// Parameters and Adam moments as base64 of their bytes (`PackedDoubles`, format 2).
    func encode(to encoder: any Encoder) throws {
        try encodeShared(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(PackedDoubles(parameters), forKey: .parameters)
        try c.encode(adam, forKey: .adam)
        try c.encodeIfPresent(baseline, forKey: .baseline)
        try c.encodeIfPresent(meanSquareAdvantage, forKey: .meanSquareAdvantage)
    }

    /// Reads format 2 and format 1 (number arrays); refuses parameters that do not fit the policy.
    init(from decoder: any Decoder) throws {
        (config, decisionSizes) = try decodeShared(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        policy = makePolicy(config, decisionSizes)
        parameters = try c.decode(PackedDoubles.self, forKey: .parameters).values
        adam = try c.decode(Adam.self, forKey: .adam)
        baseline = try c.decodeIfPresent(Double.self, forKey: .baseline)
        meanSquareAdvantage = try c.decodeIfPresent(Double.self, forKey: .meanSquareAdvantage)
        let n = policy.parameterCount
        if parameters.count != n || adam.first.count != n || adam.second.count != n || adam.steps < 0 {
            throw ControllerError.undecodableState("\(parameters.count) parameters, expected \(n) for this policy and decisions")
        }
    }
}
