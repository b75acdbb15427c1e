import NASRandom
import Foundation

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

// Every random draw of the controller goes through these two functions, so the stream of
// `SeededGenerator` words consumed per proposal is fixed and documented (Docs/CONTROLLER.md).

extension SeededGenerator {
    /// Uniform in [0, 1) with 53 bits (one word).
    @inline(__always)
    public mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// Uniform integer in 0..<n (Lemire's multiply-shift with rejection; one word unless rejected).
    /// Written out rather than `Int.random(in:using:)` so the stream does not depend on the
    /// standard library's implementation.
    public mutating func nextIndex(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = next().multipliedFullWidth(by: bound) }
        }
        return Int(product.high)
    }
}

/// Logits from raw scores: C·tanh(u/C) (identity when C = 0). Returns the logits and, for
/// backward, dlogit/du = 1 − (logit/C)².
@inline(__always)
func squash(_ u: Double, _ c: Double) -> (value: Double, slope: Double) {
    guard c > 0 else { return (u, 1) }
    let t = tanh(u / c)
    return (c * t, 1 - t * t)
}

// Vectors here are indexed from 0 (arrays, or buffers over one decision's options).

/// Softmax of `logits` into `p` and `logp` (same length); returns the entropy −Σ p log p in nats.
/// `logits` may be `logp` itself (the logits are read before `logp` is written).
func softmax<Vector: MutableCollection & RandomAccessCollection<Double>>(
    _ logits: Vector, into p: inout Vector, logp: inout Vector
) -> Double where Vector.Index == Int {
    let m = logits.max()!
    var sum = 0.0
    for k in logits.indices {
        p[k] = exp(logits[k] - m)
        sum += p[k]
    }
    let logSum = log(sum)
    var entropy = 0.0
    for k in logits.indices {
        p[k] /= sum
        logp[k] = logits[k] - m - logSum
        entropy -= p[k] * logp[k]
    }
    return entropy
}

/// Draws an index from the probabilities `p` with one uniform word.
func sampleIndex<Vector: RandomAccessCollection<Double>>(_ p: Vector, _ generator: inout SeededGenerator) -> Int
where Vector.Index == Int {
    sampleIndex(p, unit: generator.nextUnit())
}

/// The index whose cumulative-probability interval holds `u` (a uniform word drawn before).
func sampleIndex<Vector: RandomAccessCollection<Double>>(_ p: Vector, unit u: Double) -> Int where Vector.Index == Int {
    var cumulative = 0.0
    for k in p.indices {
        cumulative += p[k]
        if u < cumulative { return k }
    }
    return p.count - 1
}

/// First index of the largest value.
func argmax<Vector: RandomAccessCollection<Double>>(_ p: Vector) -> Int where Vector.Index == Int {
    var best = 0
    for k in p.indices where p[k] > p[best] { best = k }
    return best
}

/// d/dlogit of A·log p[a] + λ·H, for one softmax with probabilities `p` and entropy `h`:
/// A·(δ_ka − p_k) − λ·p_k·(log p_k + H).
@inline(__always)
func logitGradient<Vector: RandomAccessCollection<Double>>(
    _ p: Vector, _ logp: Vector, _ k: Int, action: Int, advantage: Double, entropyWeight: Double, entropy h: Double
) -> Double where Vector.Index == Int {
    let pk = p[k]
    var g = advantage * ((k == action ? 1 : 0) - pk)
    if entropyWeight != 0 { g -= entropyWeight * pk * (logp[k] + h) }
    return g
}

/// Adam (Kingma & Ba) on a flat parameter vector; the moments live with the parameters so the
/// whole optimizer state is saved.
struct Adam: Codable, Sendable, Equatable {
    var first: [Double]
    var second: [Double]
    var steps = 0
    static let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    private enum CodingKeys: String, CodingKey { case first, second, steps }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(PackedDoubles(first), forKey: .first)
        try c.encode(PackedDoubles(second), forKey: .second)
        try c.encode(steps, forKey: .steps)
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        first = try c.decode(PackedDoubles.self, forKey: .first).values
        second = try c.decode(PackedDoubles.self, forKey: .second).values
        steps = try c.decode(Int.self, forKey: .steps)
    }

    init(count: Int) {
        first = Array(repeating: 0, count: count)
        second = Array(repeating: 0, count: count)
    }

    /// θ ← θ − lr·m̂/(√v̂ + ε) for the loss gradient `g`.
    mutating func step(_ theta: inout [Double], _ g: [Double], learningRate: Double) {
        step(&theta, g, learningRate: learningRate, except: [], rate: learningRate)
    }

    /// The same with step size `rate` on the `except` ranges (ascending, disjoint). Written over
    /// raw buffers, range by range, so the loop vectorizes (each element's arithmetic is the
    /// same as element by element).
    mutating func step(_ theta: inout [Double], _ g: [Double], learningRate: Double, except ranges: [Range<Int>], rate: Double) {
        steps += 1
        let c1 = 1 - pow(Adam.beta1, Double(steps)), c2 = 1 - pow(Adam.beta2, Double(steps))
        theta.withUnsafeMutableBufferPointer { theta in
            first.withUnsafeMutableBufferPointer { first in
                second.withUnsafeMutableBufferPointer { second in
                    g.withUnsafeBufferPointer { g in
                        func update(_ range: Range<Int>, _ lr: Double) {
                            for i in range {
                                first[i] = Adam.beta1 * first[i] + (1 - Adam.beta1) * g[i]
                                second[i] = Adam.beta2 * second[i] + (1 - Adam.beta2) * g[i] * g[i]
                                theta[i] -= lr * (first[i] / c1) / ((second[i] / c2).squareRoot() + Adam.epsilon)
                            }
                        }
                        var start = 0
                        for range in ranges {
                            update(start..<range.lowerBound, learningRate)
                            update(range, rate)
                            start = range.upperBound
                        }
                        update(start..<theta.count, learningRate)
                    }
                }
            }
        }
    }
}
