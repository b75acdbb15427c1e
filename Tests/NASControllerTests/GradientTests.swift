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
    let policy = LSTMPolicy(sizes: [2, 3, 4, 3], hidden: 8, tanhConstant: tanhConstant, initRange: 0.1)
    #expect(policy.parameterCount == 8 + (2 + 3 + 4) * 8 + 4 * 8 * 16 + 4 * 8 + (2 + 3 + 4 + 3) * 9)
    #expect(worstGradientError(policy, seed: 4, tanhConstant: tanhConstant) < 1e-6)
}

/// The forward-only log π (PPO's ratios) is exactly the one the gradient pass reports.
@Test func logProbabilityIsTheGradientPassOne() {
    let policies: [any Policy] = [SoftmaxPolicy(sizes: [2, 3, 4], tanhConstant: 2.5),
                                  LSTMPolicy(sizes: [2, 3, 4], hidden: 8, tanhConstant: 2.5, initRange: 0.1)]
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

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif
