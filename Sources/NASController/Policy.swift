import NASRandom

/// A REINFORCE policy over a fixed list of decisions. A policy is only a shape: its parameters
/// are one flat `[Double]` owned by the controller (so the state is one array plus Adam's).
protocol Policy: Sendable {
    var parameterCount: Int { get }
    func initialParameters(_ generator: inout SeededGenerator) -> [Double]
    /// One architecture drawn from π_θ; one uniform word per decision.
    func sample(_ theta: [Double], _ generator: inout SeededGenerator) -> [Int]
    /// Argmax at every step (greedy through the LSTM), and the mean entropy per decision
    /// of the distributions met along that path.
    func greedy(_ theta: [Double]) -> (actions: [Int], entropy: Double)
    /// log π_θ(actions), forward only (PPO's ratios); the value `accumulateGradient` returns.
    func logProbability(_ theta: [Double], actions: [Int]) -> Double
    /// Adds ∂/∂θ [advantage·log π(actions) + λ·H(actions)] to `gradient`, where H is the sum
    /// over decisions of the entropy of each step's distribution. Returns (log π, H).
    func accumulateGradient(
        _ theta: [Double], actions: [Int], advantage: Double, entropyWeight: Double, into gradient: inout [Double]
    ) -> (logProb: Double, entropy: Double)
    /// The whole batch: adds ∂/∂θ Σ_i [w_i·log π(a_i) + λ·H_i] to `gradient`, where
    /// w = weights(log π(a_1), …, log π(a_N)) is asked once, between the forward pass that
    /// gives those and the backward pass (PPO's clipped weights need them). Returns them.
    func accumulateGradient(
        _ theta: [Double], batch: [[Int]], weights: ([Double]) -> [Double], entropyWeight: Double,
        into gradient: inout [Double]
    ) -> [Double]
    /// `count` architectures drawn one after another (the generator's words in that order).
    func sample(_ theta: [Double], count: Int, _ generator: inout SeededGenerator) -> [[Int]]
    /// Where each decision's own logit offsets lie in θ (one per option): the parameters that
    /// act like independent softmaxes (`ControllerConfig.biasLearningRate`); ascending and disjoint.
    var outputBiases: [Range<Int>] { get }
}

extension Policy {
    /// One sample at a time: each sample's forward pass, the weights, each backward pass.
    func accumulateGradient(
        _ theta: [Double], batch: [[Int]], weights: ([Double]) -> [Double], entropyWeight: Double,
        into gradient: inout [Double]
    ) -> [Double] {
        let logProbabilities = batch.map { logProbability(theta, actions: $0) }
        for (actions, weight) in zip(batch, weights(logProbabilities)) {
            _ = accumulateGradient(theta, actions: actions, advantage: weight, entropyWeight: entropyWeight, into: &gradient)
        }
        return logProbabilities
    }

    func sample(_ theta: [Double], count: Int, _ generator: inout SeededGenerator) -> [[Int]] {
        (0..<count).map { _ in sample(theta, &generator) }
    }
}

func makePolicy(_ config: ControllerConfig, _ sizes: [Int]) -> any Policy {
    switch config.policy {
    case .softmax: SoftmaxPolicy(sizes: sizes, tanhConstant: config.tanhConstant)
    case .lstm: LSTMPolicy(sizes: sizes, hidden: config.hiddenSize, tanhConstant: config.tanhConstant,
                           initRange: config.initRange)
    }
}

// MARK: - Independent softmaxes

/// θ = the raw scores of every decision, concatenated: [Σ_t n_t]. Logits_t = C·tanh(θ_t/C).
struct SoftmaxPolicy: Policy {
    let sizes: [Int]
    let tanhConstant: Double
    /// offsets[t] = Σ_{s<t} n_s.
    let offsets: [Int]
    let parameterCount: Int

    init(sizes: [Int], tanhConstant: Double) {
        self.sizes = sizes
        self.tanhConstant = tanhConstant
        var offsets: [Int] = []
        var total = 0
        for n in sizes {
            offsets.append(total)
            total += n
        }
        self.offsets = offsets
        parameterCount = total
    }

    /// Every parameter is one decision's logit.
    var outputBiases: [Range<Int>] { [0..<parameterCount] }

    /// Zero: every decision starts uniform. Draws nothing.
    func initialParameters(_ generator: inout SeededGenerator) -> [Double] {
        Array(repeating: 0, count: parameterCount)
    }

    /// Probabilities [n_t], entropy and dlogit/du for decision t.
    private func distribution(_ theta: [Double], _ t: Int)
        -> (p: [Double], logp: [Double], entropy: Double, slope: [Double])
    {
        var logits = [Double](repeating: 0, count: sizes[t])
        var slope = logits, p = logits, logp = logits
        for k in 0..<sizes[t] { (logits[k], slope[k]) = squash(theta[offsets[t] + k], tanhConstant) }
        let h = softmax(logits, into: &p, logp: &logp)
        return (p, logp, h, slope)
    }

    func sample(_ theta: [Double], _ generator: inout SeededGenerator) -> [Int] {
        sizes.indices.map { sampleIndex(distribution(theta, $0).p, &generator) }
    }

    func greedy(_ theta: [Double]) -> (actions: [Int], entropy: Double) {
        var entropy = 0.0
        let actions = sizes.indices.map { t in
            let d = distribution(theta, t)
            entropy += d.entropy
            return argmax(d.p)
        }
        return (actions, entropy / Double(sizes.count))
    }

    func logProbability(_ theta: [Double], actions: [Int]) -> Double {
        sizes.indices.reduce(0) { $0 + distribution(theta, $1).logp[actions[$1]] }
    }

    func accumulateGradient(
        _ theta: [Double], actions: [Int], advantage: Double, entropyWeight: Double, into gradient: inout [Double]
    ) -> (logProb: Double, entropy: Double) {
        var logProb = 0.0, entropy = 0.0
        for t in sizes.indices {
            let d = distribution(theta, t)
            logProb += d.logp[actions[t]]
            entropy += d.entropy
            for k in 0..<sizes[t] {
                gradient[offsets[t] + k] += d.slope[k] * logitGradient(
                    d.p, d.logp, k, action: actions[t], advantage: advantage, entropyWeight: entropyWeight, entropy: d.entropy)
            }
        }
        return (logProb, entropy)
    }
}

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif
