import Dispatch

// The LSTM policy run over a whole batch of samples in lockstep, decision by decision, so each
// step's recurrent product for the batch is one matrix product (llm.c-style: forward and
// backward side by side, shapes in comments). H hidden units, G = 4H gate rows, T decisions,
// B samples of a chunk, N = Σ n_t options; rows padded to whole vectors (G', H').
//
// Two savings over a sample-at-a-time pass: the input half of W·[x; h] only ever sees the
// start token or one embedding row, so b + Wₓ·x is tabulated once per pass for every possible
// x and its gradient summed per row; and the batch splits into two fixed chunks that run on
// two threads (fixed, so the sums — and the results — do not depend on the core count).

/// θ's LSTM matrices in the layouts the batched passes multiply with, built once per pass.
struct LSTMMatrices<S: ControllerScalar> {
    let theta: Buffer<S>             // θ itself, in S
    let hiddenTransposed: Buffer<S>  // Wₕᵀ [H × G']
    let hiddenRows: Buffer<S>        // Wₕ  [G × H']
    let inputRows: Buffer<S>         // Wₓ  [G × H']
    let inputs: Buffer<S>            // every possible x: [R × H'] (row 0 the start token)
    let projections: Buffer<S>       // b + Wₓ·x for each: [R × G']
    /// rowOffsets[t] (t ≥ 1): the first row of E_{t−1}'s embeddings in `inputs`.
    let rowOffsets: [Int]
    let rows: Int

    init(_ policy: LSTMPolicy, _ theta: [Double], _ shape: LSTMShape) {
        let (H, G, gs, hs, pool) = (policy.hidden, 4 * policy.hidden, shape.gateStride, shape.hiddenStride, policy.buffers)
        var offsets = [0], next = 1
        for t in policy.sizes.indices.dropFirst() {
            offsets.append(next)
            next += policy.sizes[t - 1]
        }
        (rowOffsets, rows) = (offsets, next)
        let copy = Buffer<S>(theta.count, zeroed: false, pool: pool)
        for i in theta.indices { copy.pointer[i] = S(theta[i]) }
        let th = copy.pointer
        self.theta = copy
        (hiddenTransposed, hiddenRows, inputRows) = (Buffer(H * gs, pool: pool), Buffer(G * hs, pool: pool), Buffer(G * hs, pool: pool))
        let inputTransposed = Buffer<S>(H * gs, pool: pool)
        for r in 0..<G {
            for k in 0..<H {
                let wx = th[policy.weightOffset + r * 2 * H + k], wh = th[policy.weightOffset + r * 2 * H + H + k]
                (inputRows.pointer[r * hs + k], inputTransposed.pointer[k * gs + r]) = (wx, wx)
                (hiddenRows.pointer[r * hs + k], hiddenTransposed.pointer[k * gs + r]) = (wh, wh)
            }
        }
        (inputs, projections) = (Buffer(rows * hs, pool: pool), Buffer(rows * gs, pool: pool))
        for t in policy.sizes.indices {
            for previous in 0..<(t == 0 ? 1 : policy.sizes[t - 1]) {
                let row = t == 0 ? 0 : offsets[t] + previous
                (inputs.pointer + row * hs).update(from: th + policy.inputOffset(t, previous: previous), count: H)
                (projections.pointer + row * gs).update(from: th + policy.biasOffset, count: G)
            }
        }
        // projections += inputs · Wₓᵀ   [R × H] · [H × G']
        multiplyAdd(rows, gs, H, MatrixOperand(base: inputs.pointer, rowStride: hs), inputTransposed.pointer, gs,
                    projections.pointer, gs)
    }

    /// The row of x_t in `inputs` and `projections`.
    @inline(__always) func row(_ t: Int, previous: Int) -> Int { t == 0 ? 0 : rowOffsets[t] + previous }
}

/// Sizes of one policy's passes in the vectors of S.
struct LSTMShape {
    let gateStride: Int, hiddenStride: Int
    /// headStarts[t] = Σ_{u<t} n_u; options = N.
    let headStarts: [Int], options: Int

    init(_ policy: LSTMPolicy, lanes: Int) {
        gateStride = (4 * policy.hidden + lanes - 1) / lanes * lanes
        hiddenStride = (policy.hidden + lanes - 1) / lanes * lanes
        var starts: [Int] = [], total = 0
        for n in policy.sizes {
            starts.append(total)
            total += n
        }
        (headStarts, options) = (starts, total)
    }
}

/// What one chunk's forward pass keeps for its backward pass.
final class LSTMTape<S: ControllerScalar>: @unchecked Sendable {
    let first: Int, count: Int
    let gates: Buffer<S>      // [T × B × G'] i, f, g, o after their nonlinearities; dz in backward
    let cells: Buffer<S>      // [T × B × H]  c_t
    let tanhCells: Buffer<S>  // [T × B × H]  tanh c_t
    let hiddens: Buffer<S>    // [(T+1) × B × H'] slot t holds h_{t−1}; slot 0 zeros
    let heads: Buffer<Double> // [B × 3N] per decision: p, then log p, then dlogit/du
    var actions: [Int]           // [B × T]
    var stepEntropies: [Double]  // [B × T]
    var logProbabilities: [Double], entropies: [Double]  // [B]

    init(_ policy: LSTMPolicy, _ shape: LSTMShape, samples: Range<Int>) {
        let (T, B, H, pool) = (policy.sizes.count, samples.count, policy.hidden, policy.buffers)
        (first, count) = (samples.lowerBound, B)
        gates = Buffer(T * B * shape.gateStride, zeroed: false, pool: pool)
        cells = Buffer(T * B * H, zeroed: false, pool: pool)
        tanhCells = Buffer(T * B * H, zeroed: false, pool: pool)
        hiddens = Buffer((T + 1) * B * shape.hiddenStride, pool: pool)
        heads = Buffer(B * 3 * shape.options, zeroed: false, pool: pool)
        actions = Array(repeating: 0, count: B * T)
        stepEntropies = Array(repeating: 0, count: B * T)
        logProbabilities = Array(repeating: 0, count: B)
        entropies = logProbabilities
    }
}

/// The batched pass in scalar S. Chunks run on their own threads and write only their own tape.
final class LSTMBatch<S: ControllerScalar>: @unchecked Sendable {
    let policy: LSTMPolicy
    let shape: LSTMShape
    let matrices: LSTMMatrices<S>
    let tapes: [LSTMTape<S>]

    init(_ policy: LSTMPolicy, _ theta: [Double], count: Int) {
        self.policy = policy
        shape = LSTMShape(policy, lanes: S.Vector.scalarCount)
        matrices = LSTMMatrices(policy, theta, shape)
        let chunks = count >= 8 ? 2 : 1
        tapes = (0..<chunks).map { [shape] c in LSTMTape(policy, shape, samples: count * c / chunks..<count * (c + 1) / chunks) }
    }

    var actions: [[Int]] {
        let T = policy.sizes.count
        return tapes.flatMap { tape in (0..<tape.count).map { Array(tape.actions[$0 * T..<($0 + 1) * T]) } }
    }
    var logProbabilities: [Double] { tapes.flatMap(\.logProbabilities) }
    var entropies: [Double] { tapes.flatMap(\.entropies) }

    /// Runs every chunk; `choose(sample, t, π_t)` picks decision t of a sample.
    func forward(choose: @Sendable (Int, Int, UnsafeBufferPointer<Double>) -> Int) {
        DispatchQueue.concurrentPerform(iterations: tapes.count) { forward(tapes[$0], choose: choose) }
    }

    private func forward(_ tape: LSTMTape<S>, choose: @Sendable (Int, Int, UnsafeBufferPointer<Double>) -> Int) {
        let (T, B, H, gs, hs) = (policy.sizes.count, tape.count, policy.hidden, shape.gateStride, shape.hiddenStride)
        for t in 0..<T {
            // z = b + Wₓ·x_t (tabulated) + Wₕ·h_{t−1}   [B × G']
            let z = tape.gates.pointer + t * B * gs
            for s in 0..<B {
                let row = matrices.row(t, previous: t == 0 ? 0 : tape.actions[s * T + t - 1])
                (z + s * gs).update(from: matrices.projections.pointer + row * gs, count: gs)
            }
            if t > 0 {
                multiplyAdd(B, gs, H, MatrixOperand(base: tape.hiddens.pointer + t * B * hs, rowStride: hs),
                            matrices.hiddenTransposed.pointer, gs, z, gs)
            }
            for s in 0..<B {
                cellForward(tape, t, s)
                headForward(tape, t, s, choose: choose)
            }
        }
    }

    /// i, f, o = σ(z_i, z_f, z_o); g = tanh z_g; c_t = f⊙c_{t−1} + i⊙g; h_t = o⊙tanh c_t.
    private func cellForward(_ tape: LSTMTape<S>, _ t: Int, _ s: Int) {
        let (B, H) = (tape.count, policy.hidden)
        let z = tape.gates.pointer + (t * B + s) * shape.gateStride
        activate(z, H, .sigmoid)
        activate(z + H, H, .sigmoid)
        activate(z + 2 * H, H, .hyperbolicTangent)
        activate(z + 3 * H, H, .sigmoid)
        let c = tape.cells.pointer + (t * B + s) * H, tanhC = tape.tanhCells.pointer + (t * B + s) * H
        let (i, f, g, o) = (z, z + H, z + 2 * H, z + 3 * H)
        if t > 0 {
            let previous = tape.cells.pointer + ((t - 1) * B + s) * H
            for j in 0..<H { c[j] = f[j] * previous[j] + i[j] * g[j] }
        } else {
            for j in 0..<H { c[j] = i[j] * g[j] }
        }
        tanhC.update(from: c, count: H)
        activate(tanhC, H, .hyperbolicTangent)
        let h = tape.hiddens.pointer + ((t + 1) * B + s) * shape.hiddenStride
        for j in 0..<H { h[j] = o[j] * tanhC[j] }
    }

    /// u = V_t·h_t + v_t; logits = C·tanh(u/C); π_t = softmax, in Double; the decision from `choose`.
    private func headForward(
        _ tape: LSTMTape<S>, _ t: Int, _ s: Int, choose: @Sendable (Int, Int, UnsafeBufferPointer<Double>) -> Int
    ) {
        let (T, H, n, head, th) = (policy.sizes.count, policy.hidden, policy.sizes[t], policy.headOffsets[t], matrices.theta.pointer)
        let h = tape.hiddens.pointer + ((t + 1) * tape.count + s) * shape.hiddenStride
        let base = tape.heads.pointer + s * 3 * shape.options + shape.headStarts[t]
        var p = UnsafeMutableBufferPointer(start: base, count: n)
        var logp = UnsafeMutableBufferPointer(start: base + shape.options, count: n)
        let slope = base + 2 * shape.options
        for k in 0..<n {
            let u = Double(th[head + n * H + k] + dot(th + head + k * H, h, H))
            (logp[k], slope[k]) = squash(u, policy.tanhConstant)
        }
        let entropy = softmax(logp, into: &p, logp: &logp)
        let action = choose(tape.first + s, t, UnsafeBufferPointer(p))
        tape.actions[s * T + t] = action
        tape.stepEntropies[s * T + t] = entropy
        tape.logProbabilities[s] += logp[action]
        tape.entropies[s] += entropy
    }
}
