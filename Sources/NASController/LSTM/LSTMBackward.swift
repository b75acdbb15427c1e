import Dispatch

/// What one chunk's backward pass adds up: its own gradient, and dz summed per input row
/// (the input half of W is applied once per row after the chunks meet).
private final class ChunkGradient<S: ControllerScalar>: @unchecked Sendable {
    let gradient: Buffer<S>      // [P]
    let rowGradients: Buffer<S>  // [R × G'] Σ dz over the steps that read each x

    init(parameters: Int, rows: Int, gateStride: Int, pool: BufferPool) {
        gradient = Buffer(parameters, pool: pool)
        rowGradients = Buffer(rows * gateStride, pool: pool)
    }
}

extension LSTMBatch {
    /// Adds ∂/∂θ Σ_i [weights[i]·log π(a_i) + λ·H_i] to `gradient` (H_i: the sum over decisions
    /// of each step's entropy), after `forward`.
    func backward(weights: [Double], entropyWeight: Double, into gradient: inout [Double]) {
        let (P, rows, gs) = (policy.parameterCount, matrices.rows, shape.gateStride)
        let chunks = tapes.map { _ in ChunkGradient<S>(parameters: P, rows: rows, gateStride: gs, pool: policy.buffers) }
        DispatchQueue.concurrentPerform(iterations: tapes.count) { c in
            let tape = tapes[c]
            backward(tape, weights: Array(weights[tape.first..<tape.first + tape.count]), entropyWeight: entropyWeight,
                     into: chunks[c])
        }
        // The chunks' sums in a fixed order, then the input half of W and the embeddings.
        let total = chunks[0]
        for chunk in chunks.dropFirst() {
            axpy(1, chunk.gradient.pointer, total.gradient.pointer, P)
            axpy(1, chunk.rowGradients.pointer, total.rowGradients.pointer, rows * gs)
        }
        inputGradient(total.rowGradients.pointer, into: total.gradient.pointer)
        for i in 0..<P { gradient[i] += Double(total.gradient.pointer[i]) }
    }

    /// z = W·[x; h_{t−1}] + b, backward through the steps in reverse.
    private func backward(_ tape: LSTMTape<S>, weights: [Double], entropyWeight: Double, into chunk: ChunkGradient<S>) {
        let (T, B, H, G, gs, hs) = (policy.sizes.count, tape.count, policy.hidden, 4 * policy.hidden, shape.gateStride, shape.hiddenStride)
        let (g, pool) = (chunk.gradient.pointer, policy.buffers)
        let dh = Buffer<S>(B * hs, pool: pool), dc = Buffer<S>(B * H, pool: pool)  // dL/dh_t [B × H'], dL/dc_t [B × H]
        for t in (0..<T).reversed() {
            let z = tape.gates.pointer + t * B * gs
            for s in 0..<B {
                headBackward(tape, t, s, weight: weights[s], entropyWeight: entropyWeight, dh: dh.pointer + s * hs, into: g)
                cellBackward(tape, t, s, dh: dh.pointer + s * hs, dc: dc.pointer + s * H)
                // db += dz; Σ dz per input row
                let row = matrices.row(t, previous: t == 0 ? 0 : tape.actions[s * T + t - 1])
                axpy(1, z + s * gs, g + policy.biasOffset, G)
                axpy(1, z + s * gs, chunk.rowGradients.pointer + row * gs, G)
            }
            guard t > 0 else { break }
            // dh_{t−1} = dz · Wₕ   [B × G] · [G × H']
            dh.pointer.update(repeating: 0, count: B * hs)
            multiplyAdd(B, hs, G, MatrixOperand(base: z, rowStride: gs), matrices.hiddenRows.pointer, hs, dh.pointer, hs)
        }
        guard T > 1 else { return }
        // dWₕ = Σ_{t ≥ 1} dz_tᵀ · h_{t−1}   [G × (T−1)B] · [(T−1)B × H']
        let dW = Buffer<S>(G * hs, pool: pool)
        multiplyAdd(G, hs, (T - 1) * B, MatrixOperand(base: tape.gates.pointer + B * gs, rowStride: 1, columnStride: gs),
                    tape.hiddens.pointer + B * hs, hs, dW.pointer, hs)
        for r in 0..<G { axpy(1, dW.pointer + r * hs, g + policy.weightOffset + r * 2 * H + H, H) }
    }

    /// du = dlogit/du · dJ/dlogit (in Double); dV_t += du ⊗ h_t, dv_t += du, dh_t += V_tᵀ du.
    private func headBackward(
        _ tape: LSTMTape<S>, _ t: Int, _ s: Int, weight: Double, entropyWeight: Double, dh: UnsafeMutablePointer<S>,
        into g: UnsafeMutablePointer<S>
    ) {
        let (T, H, n, head, th) = (policy.sizes.count, policy.hidden, policy.sizes[t], policy.headOffsets[t], matrices.theta.pointer)
        let base = tape.heads.pointer + s * 3 * shape.options + shape.headStarts[t]
        let p = UnsafeBufferPointer(start: base, count: n), logp = UnsafeBufferPointer(start: base + shape.options, count: n)
        let h = tape.hiddens.pointer + ((t + 1) * tape.count + s) * shape.hiddenStride
        for k in 0..<n {
            let du = S(base[2 * shape.options + k] * logitGradient(
                p, logp, k, action: tape.actions[s * T + t], advantage: weight, entropyWeight: entropyWeight,
                entropy: tape.stepEntropies[s * T + t]))
            g[head + n * H + k] += du
            axpy(du, h, g + head + k * H, H)
            axpy(du, th + head + k * H, dh, H)
        }
    }

    /// Through h = o⊙tanh c and c = f⊙c_{t−1} + i⊙g; dz replaces the gates in place.
    private func cellBackward(_ tape: LSTMTape<S>, _ t: Int, _ s: Int, dh: UnsafeMutablePointer<S>, dc: UnsafeMutablePointer<S>) {
        let (B, H) = (tape.count, policy.hidden)
        let z = tape.gates.pointer + (t * B + s) * shape.gateStride
        let tanhC = tape.tanhCells.pointer + (t * B + s) * H
        // c_{t−1} (zeros before the first step, from the zeroed hidden slot 0's width).
        let previous = t > 0 ? UnsafePointer(tape.cells.pointer + ((t - 1) * B + s) * H) : UnsafePointer(tape.hiddens.pointer)
        let (zi, zf, zg, zo) = (z, z + H, z + 2 * H, z + 3 * H)
        for j in 0..<H {
            let (i, f, gg, o, tc) = (zi[j], zf[j], zg[j], zo[j], tanhC[j])
            let dcj = dc[j] + dh[j] * o * (1 - tc * tc)
            zi[j] = dcj * gg * i * (1 - i)
            zf[j] = dcj * previous[j] * f * (1 - f)
            zg[j] = dcj * i * (1 - gg * gg)
            zo[j] = dh[j] * tc * o * (1 - o)
            dc[j] = dcj * f
        }
    }

    /// dWₓ = Σ_rows dz_rowᵀ · x_row and dx_row = dz_row · Wₓ, into the start token and embeddings.
    private func inputGradient(_ rowGradients: UnsafeMutablePointer<S>, into g: UnsafeMutablePointer<S>) {
        let (H, G, gs, hs, rows, pool) = (policy.hidden, 4 * policy.hidden, shape.gateStride, shape.hiddenStride, matrices.rows, policy.buffers)
        let dW = Buffer<S>(G * hs, pool: pool), dX = Buffer<S>(rows * hs, pool: pool)
        // [G × R] · [R × H']
        multiplyAdd(G, hs, rows, MatrixOperand(base: rowGradients, rowStride: 1, columnStride: gs), matrices.inputs.pointer,
                    hs, dW.pointer, hs)
        for r in 0..<G { axpy(1, dW.pointer + r * hs, g + policy.weightOffset + r * 2 * H, H) }
        // [R × G] · [G × H']
        multiplyAdd(rows, hs, G, MatrixOperand(base: rowGradients, rowStride: gs), matrices.inputRows.pointer, hs, dX.pointer, hs)
        for t in policy.sizes.indices {
            for previous in 0..<(t == 0 ? 1 : policy.sizes[t - 1]) {
                axpy(1, dX.pointer + matrices.row(t, previous: previous) * hs, g + policy.inputOffset(t, previous: previous), H)
            }
        }
    }
}
