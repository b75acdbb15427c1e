import NASRandom
import Testing

@testable import NASController

/// J(θ) = A·log π(a) + λ·H(a), evaluated through the policy itself.
private func objective(_ policy: any Policy, _ theta: [Double], _ actions: [Int], _ a: Double, _ lambda: Double)
    -> Double
{
    var scratch = [Double](repeating: 0, count: theta.count)
    let (logProb, entropy) = policy.accumulateGradient(
        theta, actions: actions, advantage: a, entropyWeight: lambda, into: &scratch)
    return a * logProb + lambda * entropy
}

/// Every parameter's analytic gradient against a central difference in Double.
private func worstGradientError(_ policy: any Policy, seed: UInt64, tanhConstant: Double) -> Double {
    var generator = SeededGenerator(seed: seed)
    // Larger than the ±0.1 initialization so every nonlinearity is exercised.
    var theta = (0..<policy.parameterCount).map { _ in (2 * generator.nextUnit() - 1) * 0.8 }
    let actions = policy.sample(theta, &generator)
    let advantage = 0.7, lambda = 0.3
    var analytic = [Double](repeating: 0, count: theta.count)
    _ = policy.accumulateGradient(theta, actions: actions, advantage: advantage, entropyWeight: lambda, into: &analytic)
    var worst = 0.0
    let epsilon = 1e-5
    for i in theta.indices {
        let saved = theta[i]
        theta[i] = saved + epsilon
        let plus = objective(policy, theta, actions, advantage, lambda)
        theta[i] = saved - epsilon
        let minus = objective(policy, theta, actions, advantage, lambda)
        theta[i] = saved
        let numeric = (plus - minus) / (2 * epsilon)
        let e = abs(numeric - analytic[i]) / max(1e-3, abs(numeric))
        worst = max(worst, e)
    }
    return worst
}

@Test(arguments: [0.0, 2.5]) func softmaxPolicyGradient(tanhConstant: Double) {
    let policy = SoftmaxPolicy(sizes: [2, 3, 4, 3, 1], tanhConstant: tanhConstant)
    #expect(worstGradientError(policy, seed: 3, tanhConstant: tanhConstant) < 1e-6)
}

@Test(arguments: [0.0, 2.5]) func lstmPolicyGradient(tanhConstant: Double) {
    let policy = LSTMPolicy(sizes: [2, 3, 4, 3], hidden: 8, tanhConstant: tanhConstant, initRange: 0.1, precision: .double)
    #expect(policy.parameterCount == 8 + (2 + 3 + 4) * 8 + 4 * 8 * 16 + 4 * 8 + (2 + 3 + 4 + 3) * 9)
    #expect(worstGradientError(policy, seed: 4, tanhConstant: tanhConstant) < 1e-6)
}

/// The forward-only log π (PPO's ratios) is exactly the one the gradient pass reports.
@Test func logProbabilityIsTheGradientPassOne() {
    let policies: [any Policy] = [SoftmaxPolicy(sizes: [2, 3, 4], tanhConstant: 2.5),
                                  LSTMPolicy(sizes: [2, 3, 4], hidden: 8, tanhConstant: 2.5, initRange: 0.1),
                                  LSTMPolicy(sizes: [2, 3, 4], hidden: 8, tanhConstant: 2.5, initRange: 0.1, precision: .double)]
    for policy in policies {
        var generator = SeededGenerator(seed: 5)
        let theta = (0..<policy.parameterCount).map { _ in (2 * generator.nextUnit() - 1) * 0.8 }
        let actions = policy.sample(theta, &generator)
        var scratch = [Double](repeating: 0, count: theta.count)
        let viaGradient = policy.accumulateGradient(theta, actions: actions, advantage: 1, entropyWeight: 0, into: &scratch)
        #expect(policy.logProbability(theta, actions: actions) == viaGradient.logProb)
    }
}

/// Sampling follows the policy's probabilities, and log π of the sample is what the
/// gradient code reports (softmax: exact product of the per-decision probabilities).
@Test func samplingMatchesProbabilities() {
    let policy = SoftmaxPolicy(sizes: [3], tanhConstant: 0)
    let theta = [0.0, 1.0, 2.0]
    var generator = SeededGenerator(seed: 9)
    var counts = [0, 0, 0]
    let n = 20000
    for _ in 0..<n { counts[policy.sample(theta, &generator)[0]] += 1 }
    let z = 1 + exp(1.0) + exp(2.0)
    for k in 0..<3 {
        let p = exp(Double(k)) / z
        #expect(abs(Double(counts[k]) / Double(n) - p) < 4 * (p * (1 - p) / Double(n)).squareRoot())
    }
    var scratch = [0.0, 0, 0]
    let (logProb, entropy) = policy.accumulateGradient(theta, actions: [2], advantage: 1, entropyWeight: 0, into: &scratch)
    #expect(abs(logProb - (2 - log(z))) < 1e-12)
    let expected = -(0..<3).map { exp(Double($0)) / z }.reduce(0) { $0 + $1 * log($1) }
    #expect(abs(entropy - expected) < 1e-12)
}

/// θ in ±0.8 and a sampled batch of `count` for an LSTM policy of odd sizes (tails everywhere).
private func lstmBatch(_ precision: LSTMPolicy.Precision, hidden: Int = 13, count: Int)
    -> (LSTMPolicy, [Double], [[Int]])
{
    let policy = LSTMPolicy(sizes: [3, 1, 5, 2, 4, 3], hidden: hidden, tanhConstant: 2.5, initRange: 0.1, precision: precision)
    var generator = SeededGenerator(seed: 11)
    let theta = (0..<policy.parameterCount).map { _ in (2 * generator.nextUnit() - 1) * 0.8 }
    return (policy, theta, policy.sample(theta, count: count, &generator))
}

/// The batched pass (two chunks on two threads) gives each sample's log π and the sum of the
/// per-sample gradients, with PPO-style weights asked once.
@Test func lstmBatchGradientIsTheSumOfSampleGradients() {
    let (policy, theta, batch) = lstmBatch(.double, count: 11)
    let weights = batch.indices.map { 0.3 * Double($0) - 1 }
    var separate = [Double](repeating: 0, count: theta.count)
    var logProbabilities: [Double] = []
    for (actions, weight) in zip(batch, weights) {
        let result = policy.accumulateGradient(theta, actions: actions, advantage: weight, entropyWeight: 0.2, into: &separate)
        logProbabilities.append(result.logProb)
    }
    var together = [Double](repeating: 0, count: theta.count)
    var asked: [Double] = []
    let returned = policy.accumulateGradient(theta, batch: batch, weights: { asked = $0; return weights }, entropyWeight: 0.2,
                                             into: &together)
    #expect(asked == returned)
    for (a, b) in zip(returned, logProbabilities) { #expect(abs(a - b) < 1e-12) }
    let scale = separate.map(abs).max()!
    for (a, b) in zip(together, separate) { #expect(abs(a - b) < 1e-12 * scale) }
}

/// The single-precision pass searches use gives the double-precision one's log π, gradient
/// and samples to within Float's rounding.
@Test func lstmSinglePrecisionMatchesDouble() {
    let (single, theta, batch) = lstmBatch(.single, hidden: 100, count: 16)
    let (double, _, doubleBatch) = lstmBatch(.double, hidden: 100, count: 16)
    #expect(batch == doubleBatch)
    var gradients = [[Double]](repeating: [Double](repeating: 0, count: theta.count), count: 2)
    let logProbabilities = [single, double].enumerated().map { index, policy in
        policy.accumulateGradient(theta, batch: batch, weights: { $0.map { _ in 0.7 } }, entropyWeight: 0.1, into: &gradients[index])
    }
    for (a, b) in zip(logProbabilities[0], logProbabilities[1]) { #expect(abs(a - b) < 1e-4 * max(1, abs(b))) }
    let scale = gradients[1].map(abs).max()!
    for (a, b) in zip(gradients[0], gradients[1]) { #expect(abs(a - b) < 1e-4 * scale) }
}

/// The first gradient pass after a proposal takes that proposal's forward pass (when θ and the
/// architectures match): the same log π and gradient, bit for bit, as a policy without it
/// (a resumed search's); a different θ is not served from it.
@Test func reusedForwardPassGivesTheSameBits() {
    let make = { LSTMPolicy(sizes: [3, 1, 5, 2, 4, 3], hidden: 24, tanhConstant: 2.5, initRange: 0.1) }
    let (cached, fresh) = (make(), make())
    var generator = SeededGenerator(seed: 12)
    let theta = (0..<cached.parameterCount).map { _ in (2 * generator.nextUnit() - 1) * 0.8 }
    let batch = cached.sample(theta, count: 16, &generator)
    var gradients = [[Double]](repeating: [Double](repeating: 0, count: theta.count), count: 2)
    let results = [cached, fresh].enumerated().map { index, policy in
        policy.accumulateGradient(theta, batch: batch, weights: { $0.map { 0.5 - $0 } }, entropyWeight: 0.1, into: &gradients[index])
    }
    #expect(results[0] == results[1])
    #expect(gradients[0] == gradients[1])
    _ = cached.sample(theta, count: 16, &generator)
    var moved = theta
    moved[0] += 1e-3
    #expect(cached.forwardCache.take(theta: moved, actions: batch) == nil)
}

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif
