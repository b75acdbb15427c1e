/// Batch normalization over the rows of an NHWC tensor seen as [P, C] (P = N·H·W), fused
/// with the activation that follows it. Training uses batch statistics and updates the
/// running averages; inference uses the running averages. Backward recomputes the
/// pre-activation from the saved input, so only x (the conv output) is kept.
///
/// Buffers of C floats are read 16 at a time: every buffer must have 16 floats of slack.
public enum BatchNorm {
    /// y[P, C] = act(gamma · (x − mean) / sqrt(var + eps) + beta), statistics of this batch.
    /// Saves mean and invstd for backward; running = (1 − momentum) · running + momentum · batch
    /// (running variance unbiased, as PyTorch). `workspace`: (2 · kernelThreads + 3) · (max(C, 16) + 16) floats.
    public static func forwardTraining(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, channels c: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, mean: UnsafeMutablePointer<Float>,
        invstd: UnsafeMutablePointer<Float>, runningMean: UnsafeMutablePointer<Float>,
        runningVar: UnsafeMutablePointer<Float>, momentum: Float, epsilon: Float, activation: ActivationKind,
        workspace: UnsafeMutablePointer<Float>
    ) {
        // One pass for both moments; invstd holds the variance until it is inverted.
        if paired(rows: rows, channels: c) {
            // [P, 8] as [P/2, 16]: full vectors, then the two lanes of each channel combined.
            // After moments' own workspace for 16 channels: (2 · threads + 1) · (16 + 16) floats.
            let mean16 = workspace + (2 * max(1, kernelThreads) + 1) * 32, variance16 = mean16 + 32
            moments(x, rows: rows / 2, channels: 16, workspace: workspace, mean: mean16, variance: variance16)
            for ch in 0..<c {
                let (m0, m1) = (mean16[ch], mean16[ch + c])
                let m = (m0 + m1) / 2
                mean[ch] = m
                invstd[ch] = (variance16[ch] + variance16[ch + c]) / 2 + ((m0 - m) * (m0 - m) + (m1 - m) * (m1 - m)) / 2
            }
        } else {
            moments(x, rows: rows, channels: c, workspace: workspace, mean: mean, variance: invstd)
        }
        for ch in 0..<c {
            let variance = invstd[ch]
            invstd[ch] = 1 / (variance + epsilon).squareRoot()
            runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean[ch]
            let unbiased = rows > 1 ? variance * Float(rows) / Float(rows - 1) : variance
            runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * unbiased
        }
        affine(x: x, y: y, rows: rows, channels: c, gamma: gamma, beta: beta, mean: mean, invstd: invstd,
               activation: activation, workspace: workspace)
    }

    /// Inference: running statistics. `workspace`: C + 2 · (max(C, 16) + 16) floats.
    public static func forwardInference(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, channels c: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, runningMean: UnsafePointer<Float>,
        runningVar: UnsafePointer<Float>, epsilon: Float, activation: ActivationKind,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let invstd = workspace
        for ch in 0..<c { invstd[ch] = 1 / (runningVar[ch] + epsilon).squareRoot() }
        affine(x: x, y: y, rows: rows, channels: c, gamma: gamma, beta: beta, mean: runningMean, invstd: invstd,
               activation: activation, workspace: workspace + c)
    }

    /// y = act(x · a + b) with a = gamma · invstd, b = beta − mean · a.
    static func affine(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Int, channels c: Int,
        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        invstd: UnsafePointer<Float>, activation: ActivationKind, workspace: UnsafeMutablePointer<Float>
    ) {
        let a = workspace
        let b = workspace + max(c, 16) + vecWidth
        for ch in 0..<c {
            a[ch] = gamma[ch] * invstd[ch]
            b[ch] = beta[ch] - mean[ch] * a[ch]
        }
        let (viewRows, lanes) = paired(rows: rows, channels: c) ? (rows / 2, tile(a, b, channels: c)) : (rows, c)
        parallelChunks(viewRows, minimumPerChunk: rowsPerChunk(lanes)) { _, range in
            affineRows(activation, x: x, y: y, rows: range, channels: lanes, a: a, b: b)
        }
    }

    /// y = act(x · a + b) over `rows`. Never inlined: inside a function this small the
    /// activation (and its exp) inlines into the loop; inside the bigger kernels Swift's
    /// inliner left a call per vector, the vector spilled around it.
    @inline(never)
    static func affineRows(
        _ activation: ActivationKind, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, rows: Range<Int>, channels c: Int,
        a: UnsafePointer<Float>, b: UnsafePointer<Float>
    ) {
        for row in rows {
            let (xr, yr) = (x + row * c, y + row * c)
            var ch = 0
            while ch < c {
                store(activation.apply(load(b + ch).addingProduct(load(xr + ch), load(a + ch))), yr + ch, c - ch)
                ch += vecWidth
            }
        }
    }

    /// Floats of workspace `backward` needs: per thread the partial sums, and the folded scale
    /// and shift, the mean and invstd (tiled to 16 lanes for 8 channels).
    public static func backwardWorkspace(channels c: Int, threads: Int = kernelThreads) -> Int {
        let lanes = max(c, 16)
        return max(1, threads) * (2 * lanes + 2 * vecWidth) + 4 * (lanes + vecWidth)
    }

    /// Whether [rows, C] is worked on as [rows / 2, 16]: 8 channels fill half of every vector,
    /// two rows fill one, with each per-channel vector tiled twice (`tile`).
    @inline(__always)
    static func paired(rows: Int, channels c: Int) -> Bool { c == 8 && rows % 2 == 0 }

    /// Copies the first `channels` (8) values of each buffer to the next 8; returns 16.
    @discardableResult
    static func tile(_ buffers: UnsafeMutablePointer<Float>..., channels c: Int) -> Int {
        for buffer in buffers { (buffer + c).update(from: buffer, count: c) }
        return 2 * c
    }

    /// Given dy = ∂L/∂y, writes dx = ∂L/∂x (dx may be dy) and adds ∂L/∂gamma, ∂L/∂beta.
    /// `rowScale` multiplies dy row by row in blocks of `rowsPerScale` (drop-connect's
    /// per-sample mask). `workspace`: `backwardWorkspace(channels:)` floats.
    public static func backward(
        dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, rows: Int,
        channels c: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        invstd: UnsafePointer<Float>, dgamma: UnsafeMutablePointer<Float>, dbeta: UnsafeMutablePointer<Float>,
        activation: ActivationKind, rowScale: UnsafePointer<Float>? = nil, rowsPerScale: Int = 1,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let threads = max(1, kernelThreads)
        // 8 channels as two rows per vector (`paired`), except under drop-connect's per-row scale.
        let pairs = rowScale == nil && paired(rows: rows, channels: c)
        let (viewRows, lanes) = pairs ? (rows / 2, 2 * c) : (rows, c)
        let stride = 2 * lanes + 2 * vecWidth
        let a = workspace + threads * stride
        let b = a + lanes + vecWidth
        let tiledMean = b + lanes + vecWidth
        let tiledInvstd = tiledMean + lanes + vecWidth
        for ch in 0..<c {
            a[ch] = gamma[ch] * invstd[ch]
            b[ch] = beta[ch] - mean[ch] * a[ch]
        }
        tiledMean.update(from: mean, count: c)
        tiledInvstd.update(from: invstd, count: c)
        if pairs { tile(a, b, tiledMean, tiledInvstd, channels: c) }
        // Pass 1: dz = act'(z) · dy, stored in dx; per-thread Σdz and Σdz·xhat (per lane).
        let chunks = backwardSums(activation, dy, x, dx, viewRows, lanes, a, b, tiledMean, tiledInvstd, rowScale, rowsPerScale,
                                  workspace, stride)
        for t in 1..<chunks {
            let other = workspace + t * stride
            for ch in 0..<(2 * lanes + vecWidth) { workspace[ch] += other[ch] }
        }
        let sumDz = workspace
        let sumDzX = workspace + lanes + vecWidth
        if pairs {
            for ch in 0..<c {
                sumDz[ch] += sumDz[ch + c]
                sumDzX[ch] += sumDzX[ch + c]
            }
        }
        for ch in 0..<c {
            dbeta[ch] += sumDz[ch]
            dgamma[ch] += sumDzX[ch]
        }
        // Pass 2: dx = gamma·invstd · (dz − Σdz/P − xhat · Σdz·xhat/P).
        let inverseRows = 1 / Float(rows)
        for ch in 0..<c {
            sumDz[ch] *= inverseRows
            sumDzX[ch] *= inverseRows
        }
        if pairs { tile(sumDz, sumDzX, channels: c) }
        parallelChunks(viewRows, minimumPerChunk: rowsPerChunk(lanes)) { _, range in
            for row in range {
                let xr = x + row * lanes
                let dxr = dx + row * lanes
                var ch = 0
                while ch < lanes {
                    let n = min(vecWidth, lanes - ch)
                    let xhat = (load(xr + ch) - load(tiledMean + ch)) * load(tiledInvstd + ch)
                    let dz = load(dxr + ch)
                    let g = (dz - load(sumDz + ch) - xhat * load(sumDzX + ch)) * load(a + ch)
                    store(g, dxr + ch, n)
                    ch += vecWidth
                }
            }
        }
    }

    static func backwardSums(
        _ activation: ActivationKind, _ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ rows: Int,
        _ c: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ mean: UnsafePointer<Float>,
        _ invstd: UnsafePointer<Float>, _ rowScale: UnsafePointer<Float>?, _ rowsPerScale: Int,
        _ workspace: UnsafeMutablePointer<Float>, _ stride: Int
    ) -> Int {
        parallelChunks(rows, minimumPerChunk: rowsPerChunk(c)) { chunk, range in
            let sumDz = workspace + chunk * stride
            sumDz.update(repeating: 0, count: stride)
            gradientSums(activation, dy: dy, x: x, dx: dx, rows: range, channels: c, a: a, b: b, mean: mean, invstd: invstd,
                         rowScale: rowScale, rowsPerScale: rowsPerScale, sumDz: sumDz, sumDzX: sumDz + c + vecWidth)
        }
    }

    /// dz = act'(x · a + b) · dy · s into dx over `rows` (dx may be dy), s = rowScale[row /
    /// rowsPerScale] or 1, and Σdz, Σdz·xhat added into the sums. Never inlined, as
    /// `affineRows`.
    @inline(never)
    static func gradientSums(
        _ activation: ActivationKind, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        rows: Range<Int>, channels c: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, mean: UnsafePointer<Float>,
        invstd: UnsafePointer<Float>, rowScale: UnsafePointer<Float>?, rowsPerScale: Int, sumDz: UnsafeMutablePointer<Float>,
        sumDzX: UnsafeMutablePointer<Float>
    ) {
        for row in rows {
            let s = rowScale?[row / rowsPerScale] ?? 1
            let (xr, dyr, dxr) = (x + row * c, dy + row * c, dx + row * c)
            var ch = 0
            while ch < c {
                let xv = load(xr + ch)
                let dz = activation.backward(load(b + ch).addingProduct(xv, load(a + ch)), load(dyr + ch) * s)
                let xhat = (xv - load(mean + ch)) * load(invstd + ch)
                // The slack lanes past c accumulate garbage that is never read.
                store(load(sumDz + ch) + dz, sumDz + ch)
                store(load(sumDzX + ch) + dz * xhat, sumDzX + ch)
                store(dz, dxr + ch, c - ch)
                ch += vecWidth
            }
        }
    }

    /// Per-channel mean and (biased) variance of [rows, C] in one pass, split over threads.
    /// Sums are of x − s with s the first row, so E[(x−s)²] − E[x−s]² cancels little when
    /// a channel's mean is far from 0. `workspace`: (kernelThreads · 2 + 1) · (C + 16) floats.
    static func moments(
        _ x: UnsafePointer<Float>, rows: Int, channels c: Int, workspace: UnsafeMutablePointer<Float>,
        mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>
    ) {
        let stride = 2 * (c + vecWidth)
        let shift = workspace + max(1, kernelThreads) * stride
        shift.update(from: x, count: c)
        let chunks = parallelChunks(rows, minimumPerChunk: rowsPerChunk(c)) { chunk, range in
            let sums = workspace + chunk * stride
            let squares = sums + c + vecWidth
            sums.update(repeating: 0, count: stride)
            for row in range {
                let xr = x + row * c
                var ch = 0
                while ch < c {
                    // The lanes past c land in the slack and are never read.
                    let d = load(xr + ch) - load(shift + ch)
                    store(load(sums + ch) + d, sums + ch)
                    store(load(squares + ch) + d * d, squares + ch)
                    ch += vecWidth
                }
            }
        }
        let inverse = 1 / Float(rows)
        for ch in 0..<c {
            var sum: Float = 0
            var square: Float = 0
            for t in 0..<chunks {
                sum += workspace[t * stride + ch]
                square += workspace[t * stride + c + vecWidth + ch]
            }
            let centered = sum * inverse
            mean[ch] = shift[ch] + centered
            variance[ch] = max(0, square * inverse - centered * centered)
        }
    }
}

/// Rows per thread below which splitting costs more than it saves (~16K floats of work).
@inline(__always) func rowsPerChunk(_ channels: Int) -> Int { max(1, 16384 / max(channels, 1)) }
