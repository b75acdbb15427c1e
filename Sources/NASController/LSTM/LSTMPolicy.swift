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
    /// Memory of the batched passes, kept between them.
    let buffers = BufferPool()
    /// The last sampled batch's forward pass, for the first gradient pass over it.
    let forwardCache = ForwardCache()

    /// Float in searches; Double where gradients are checked against finite differences.
    enum Precision { case single, double }
    let precision: Precision

    init(sizes: [Int], hidden: Int, tanhConstant: Double, initRange: Double, precision: Precision = .single) {
        self.precision = precision
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

    /// What a batched pass gives back.
    struct Outcome {
        var actions: [[Int]], logProbabilities: [Double], entropies: [Double]
    }

    /// How a pass meets the forward cache: `remember` keeps a sampled batch's forward pass;
    /// `given` (the architectures a gradient pass is over) takes it when θ and they match.
    enum Reuse { case none, remember, given([[Int]]) }

    /// One batched pass in this policy's precision: forward, choosing decision t of sample s
    /// with `choose(s, t, π_t)`; with `weights`, backward into `gradient` too.
    func run(
        _ theta: [Double], count: Int, choose: @Sendable (Int, Int, UnsafeBufferPointer<Double>) -> Int,
        weights: (([Double]) -> [Double])? = nil, entropyWeight: Double = 0, gradient: inout [Double], reuse: Reuse = .none
    ) -> Outcome {
        // A concrete type at each call, so the optimizer specializes the pass for it (through
        // an existential it would not, and generic SIMD code runs hundreds of times slower).
        switch precision {
        case .single: run(Float.self, theta, count, choose, weights, entropyWeight, &gradient, reuse)
        case .double: run(Double.self, theta, count, choose, weights, entropyWeight, &gradient, reuse)
        }
    }

    private func run<S: ControllerScalar>(
        _: S.Type, _ theta: [Double], _ count: Int, _ choose: @Sendable (Int, Int, UnsafeBufferPointer<Double>) -> Int,
        _ weights: (([Double]) -> [Double])?, _ entropyWeight: Double, _ gradient: inout [Double], _ reuse: Reuse
    ) -> Outcome {
        let batch: LSTMBatch<S>
        if case .given(let actions) = reuse, let cached = forwardCache.take(theta: theta, actions: actions) as? LSTMBatch<S> {
            batch = cached
        } else {
            batch = LSTMBatch<S>(self, theta, count: count)
            batch.forward(choose: choose)
        }
        let outcome = Outcome(actions: batch.actions, logProbabilities: batch.logProbabilities, entropies: batch.entropies)
        if case .remember = reuse { forwardCache.keep(theta: theta, actions: outcome.actions, batch) }
        if let weights { batch.backward(weights: weights(outcome.logProbabilities), entropyWeight: entropyWeight, into: &gradient) }
        return outcome
    }

    func run(
        _ theta: [Double], count: Int, reuse: Reuse = .none, choose: @Sendable (Int, Int, UnsafeBufferPointer<Double>) -> Int
    ) -> Outcome {
        var unused: [Double] = []
        return run(theta, count: count, choose: choose, gradient: &unused, reuse: reuse)
    }

    /// Where x_t lies in θ for decision t after decision t−1 chose `previous`.
    @inline(__always) func inputOffset(_ t: Int, previous: Int) -> Int {
        t == 0 ? startOffset : embeddingOffsets[t - 1] + previous * hidden
    }

    func sample(_ theta: [Double], _ generator: inout SeededGenerator) -> [Int] {
        sample(theta, count: 1, &generator)[0]
    }

    /// One uniform word per decision, drawn sample after sample (the stream one `sample` at a
    /// time would draw), then one batched forward pass.
    func sample(_ theta: [Double], count: Int, _ generator: inout SeededGenerator) -> [[Int]] {
        let (units, T) = ((0..<(count * sizes.count)).map { _ in generator.nextUnit() }, sizes.count)
        return run(theta, count: count, reuse: .remember) { s, t, p in sampleIndex(p, unit: units[s * T + t]) }.actions
    }

    func greedy(_ theta: [Double]) -> (actions: [Int], entropy: Double) {
        let outcome = run(theta, count: 1) { _, _, p in argmax(p) }
        return (outcome.actions[0], outcome.entropies[0] / Double(sizes.count))
    }

    func logProbability(_ theta: [Double], actions: [Int]) -> Double {
        run(theta, count: 1) { _, t, _ in actions[t] }.logProbabilities[0]
    }

    func accumulateGradient(
        _ theta: [Double], actions: [Int], advantage: Double, entropyWeight: Double, into gradient: inout [Double]
    ) -> (logProb: Double, entropy: Double) {
        let outcome = run(theta, count: 1, choose: { _, t, _ in actions[t] }, weights: { _ in [advantage] },
                          entropyWeight: entropyWeight, gradient: &gradient)
        return (outcome.logProbabilities[0], outcome.entropies[0])
    }

    /// The whole batch at once: a forward pass, `weights` asked once, a backward pass.
    func accumulateGradient(
        _ theta: [Double], batch actions: [[Int]], weights: ([Double]) -> [Double], entropyWeight: Double,
        into gradient: inout [Double]
    ) -> [Double] {
        withoutActuallyEscaping(weights) { weights in
            run(theta, count: actions.count, choose: { s, t, _ in actions[s][t] }, weights: weights,
                entropyWeight: entropyWeight, gradient: &gradient, reuse: .given(actions)).logProbabilities
        }
    }
}
