import NASRandom

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// NASNet/MnasNet-style recurrent controller. One LSTM step per decision t = 0..<D:
///
///     x_0 = start                      [H]   (learned start token)
///     x_t = E_{t−1}[a_{t−1}]           [H]   (embedding table of decision t−1: [n_{t−1}, H])
///     z   = W·[x_t; h_{t−1}] + b       [4H]  (W: [4H, 2H], gate rows i, f, g, o)
///     i, f, o = σ(z_i, z_f, z_o);  g = tanh(z_g)
///     c_t = f⊙c_{t−1} + i⊙g;  h_t = o⊙tanh(c_t)      (h_{−1} = c_{−1} = 0)
///     u_t = V_t·h_t + v_t              [n_t] (a head per decision: V_t [n_t, H], v_t [n_t])
///     logits_t = C·tanh(u_t/C);  π_t = softmax(logits_t);  a_t ~ π_t
///
/// θ layout, in order: start [H], E_0 … E_{D−2}, W [4H·2H], b [4H], then (V_t, v_t) per t.
struct LSTMPolicy: Policy {
    let sizes: [Int]
    let hidden: Int
    let tanhConstant: Double
    let initRange: Double
    let startOffset = 0
    /// embeddingOffsets[t]: E_t, for t in 0..<D−1.
    let embeddingOffsets: [Int]
    let weightOffset: Int
    let biasOffset: Int
    /// headOffsets[t]: V_t, followed by v_t.
    let headOffsets: [Int]
    let parameterCount: Int

    init(sizes: [Int], hidden: Int, tanhConstant: Double, initRange: Double) {
        self.sizes = sizes
        self.hidden = hidden
        self.tanhConstant = tanhConstant
        self.initRange = initRange
        var offset = hidden
        var embeddings: [Int] = []
        for n in sizes.dropLast() {
            embeddings.append(offset)
            offset += n * hidden
        }
        embeddingOffsets = embeddings
        weightOffset = offset
        offset += 4 * hidden * 2 * hidden
        biasOffset = offset
        offset += 4 * hidden
        var heads: [Int] = []
        for n in sizes {
            heads.append(offset)
            offset += n * hidden + n
        }
        headOffsets = heads
        parameterCount = offset
    }

    /// v_t of every head: the last n_t words of each.
    var outputBiases: [Range<Int>] {
        zip(headOffsets, sizes).map { offset, n in (offset + n * hidden)..<(offset + n * hidden + n) }
    }

    /// Uniform in ±initRange, one word per parameter in layout order.
    func initialParameters(_ generator: inout SeededGenerator) -> [Double] {
        (0..<parameterCount).map { _ in (2 * generator.nextUnit() - 1) * initRange }
    }

    /// What backward needs from one step.
    struct Step {
        var xh: [Double]      // [2H]  [x_t; h_{t−1}]
        var gates: [Double]   // [4H]  i, f, g, o after their nonlinearities
        var cPrev: [Double]   // [H]
        var tanhC: [Double]   // [H]
        var h: [Double]       // [H]
        var p: [Double]       // [n_t]
        var logp: [Double]    // [n_t]
        var slope: [Double]   // [n_t] dlogit/du
        var entropy: Double
        var action: Int
    }

    /// Runs the controller, choosing each step's token with `choose(t, p)`.
    func forward(_ theta: [Double], choose: (Int, [Double]) -> Int) -> [Step] {
        let H = hidden
        var steps: [Step] = []
        steps.reserveCapacity(sizes.count)
        // Every step's arrays are fresh (nothing is mutated after a Step holds it).
        var hPrev = [Double](repeating: 0, count: H), cPrev = hPrev
        var previous = 0
        theta.withUnsafeBufferPointer { th in
            for t in sizes.indices {
                let n = sizes[t]
                // Input: the start token or the previous decision's embedding.
                let xOffset = t == 0 ? startOffset : embeddingOffsets[t - 1] + previous * H
                var xh = [Double](repeating: 0, count: 2 * H)
                for j in 0..<H {
                    xh[j] = th[xOffset + j]
                    xh[H + j] = hPrev[j]
                }
                // z = W·[x; h] + b   [4H]
                var gates = [Double](repeating: 0, count: 4 * H)
                xh.withUnsafeBufferPointer { v in
                    for r in 0..<(4 * H) {
                        gates[r] = th[biasOffset + r] + dot(th.baseAddress! + weightOffset + r * 2 * H, v.baseAddress!, 2 * H)
                    }
                }
                for j in 0..<H {
                    gates[j] = sigmoid(gates[j])                 // i
                    gates[H + j] = sigmoid(gates[H + j])         // f
                    gates[2 * H + j] = tanh(gates[2 * H + j])    // g
                    gates[3 * H + j] = sigmoid(gates[3 * H + j]) // o
                }
                var c = [Double](repeating: 0, count: H), tanhC = c, h = c
                for j in 0..<H {
                    c[j] = gates[H + j] * cPrev[j] + gates[j] * gates[2 * H + j]
                    tanhC[j] = tanh(c[j])
                    h[j] = gates[3 * H + j] * tanhC[j]
                }
                // Head t: u = V_t·h + v_t  [n]
                var logits = [Double](repeating: 0, count: n)
                var slope = logits, p = logits, logp = logits
                let head = headOffsets[t]
                h.withUnsafeBufferPointer { hp in
                    for k in 0..<n {
                        let u = th[head + n * H + k] + dot(th.baseAddress! + head + k * H, hp.baseAddress!, H)
                        (logits[k], slope[k]) = squash(u, tanhConstant)
                    }
                }
                let entropy = softmax(logits, into: &p, logp: &logp)
                let action = choose(t, p)
                steps.append(Step(xh: xh, gates: gates, cPrev: cPrev, tanhC: tanhC, h: h, p: p, logp: logp,
                                  slope: slope, entropy: entropy, action: action))
                previous = action
                hPrev = h
                cPrev = c
            }
        }
        return steps
    }

    func sample(_ theta: [Double], _ generator: inout SeededGenerator) -> [Int] {
        var g = generator
        defer { generator = g }
        return forward(theta) { _, p in sampleIndex(p, &g) }.map(\.action)
    }

    func greedy(_ theta: [Double]) -> (actions: [Int], entropy: Double) {
        let steps = forward(theta) { _, p in argmax(p) }
        return (steps.map(\.action), steps.reduce(0) { $0 + $1.entropy } / Double(sizes.count))
    }

    func logProbability(_ theta: [Double], actions: [Int]) -> Double {
        Self.logProbability(forward(theta) { t, _ in actions[t] }, actions)
    }

    private static func logProbability(_ steps: [Step], _ actions: [Int]) -> Double {
        zip(steps, actions).reduce(0) { $0 + $1.0.logp[$1.1] }
    }

    func accumulateGradient(
        _ theta: [Double], actions: [Int], advantage: Double, entropyWeight: Double, into gradient: inout [Double]
    ) -> (logProb: Double, entropy: Double) {
        accumulateGradient(theta, actions: actions, advantage: { _ in advantage }, entropyWeight: entropyWeight, into: &gradient)
    }

    func accumulateGradient(
        _ theta: [Double], actions: [Int], advantage weight: (Double) -> Double, entropyWeight: Double,
        into gradient: inout [Double]
    ) -> (logProb: Double, entropy: Double) {
        let H = hidden
        let steps = forward(theta) { t, _ in actions[t] }
        let logProb = Self.logProbability(steps, actions)
        let advantage = weight(logProb)
        var dhNext = [Double](repeating: 0, count: H), dcNext = dhNext
        var dz = [Double](repeating: 0, count: 4 * H)
        var dxh = [Double](repeating: 0, count: 2 * H)
        theta.withUnsafeBufferPointer { th in
            gradient.withUnsafeMutableBufferPointer { g in
                for t in sizes.indices.reversed() {
                    let s = steps[t], n = sizes[t], head = headOffsets[t]
                    // Head: du = dJ/dlogit · dlogit/du; dV_t += du ⊗ h_t, dv_t += du, dh = V_tᵀ du.
                    var dh = dhNext
                    for k in 0..<n {
                        let du = s.slope[k] * logitGradient(
                            s.p, s.logp, k, action: s.action, advantage: advantage, entropyWeight: entropyWeight,
                            entropy: s.entropy)
                        g[head + n * H + k] += du
                        for j in 0..<H {
                            g[head + k * H + j] += du * s.h[j]
                            dh[j] += du * th[head + k * H + j]
                        }
                    }
                    // Cell: h = o⊙tanh(c), c = f⊙c_prev + i⊙g.
                    for j in 0..<H {
                        let i = s.gates[j], f = s.gates[H + j], gg = s.gates[2 * H + j], o = s.gates[3 * H + j]
                        let tc = s.tanhC[j]
                        let dc = dcNext[j] + dh[j] * o * (1 - tc * tc)
                        dz[j] = dc * gg * i * (1 - i)                  // i
                        dz[H + j] = dc * s.cPrev[j] * f * (1 - f)      // f
                        dz[2 * H + j] = dc * i * (1 - gg * gg)         // g
                        dz[3 * H + j] = dh[j] * tc * o * (1 - o)       // o
                        dcNext[j] = dc * f
                    }
                    // z = W·[x; h_prev] + b: dW += dz ⊗ xh, db += dz, dxh = Wᵀ dz.
                    for j in 0..<(2 * H) { dxh[j] = 0 }
                    s.xh.withUnsafeBufferPointer { xh in
                        dxh.withUnsafeMutableBufferPointer { dxh in
                            for r in 0..<(4 * H) {
                                let d = dz[r]
                                if d == 0 { continue }
                                let row = weightOffset + r * 2 * H
                                g[biasOffset + r] += d
                                axpy(d, xh.baseAddress!, g.baseAddress! + row, 2 * H)
                                axpy(d, th.baseAddress! + row, dxh.baseAddress!, 2 * H)
                            }
                        }
                    }
                    // x_t came from the start token or from E_{t−1}[a_{t−1}].
                    let xOffset = t == 0 ? startOffset : embeddingOffsets[t - 1] + steps[t - 1].action * H
                    for j in 0..<H {
                        g[xOffset + j] += dxh[j]
                        dhNext[j] = dxh[H + j]
                    }
                }
            }
        }
        return (logProb, steps.reduce(0) { $0 + $1.entropy })
    }
}

@inline(__always) private func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

/// Σ a[j]·b[j] over n elements, in eight independent partial sums (a fixed order, so results
/// are the same on every run; the loop is not latency-bound like a single running sum).
@inline(__always)
private func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
    var acc = SIMD8<Double>()
    var j = 0
    while j + 8 <= n {
        let x = UnsafeRawPointer(a + j).loadUnaligned(as: SIMD8<Double>.self)
        let y = UnsafeRawPointer(b + j).loadUnaligned(as: SIMD8<Double>.self)
        acc += x * y  // not addingProduct: without FMA hardware that is a libm call per lane
        j += 8
    }
    var s = acc.sum()
    while j < n {
        s += a[j] * b[j]
        j += 1
    }
    return s
}

/// y[j] += a·x[j] over n elements.
@inline(__always)
private func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    let av = SIMD8<Double>(repeating: a)
    var j = 0
    while j + 8 <= n {
        let xv = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Double>.self)
        let yv = UnsafeRawPointer(y + j).loadUnaligned(as: SIMD8<Double>.self)
        UnsafeMutableRawPointer(y + j).storeBytes(of: yv + av * xv, as: SIMD8<Double>.self)
        j += 8
    }
    while j < n {
        y[j] += a * x[j]
        j += 1
    }
}
