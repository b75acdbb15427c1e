/// Depthwise k×k convolution, NHWC, symmetric padding (k − 1) / 2, stride 1 or 2, no bias.
/// Weights [k, k, C] (channels fastest, so one tap of 16 channels is one vector load).
/// Vectorized over channels; inputs and weights need 16 floats of slack.
public struct DepthwiseShape: Sendable, Hashable {
    public var batch, height, width, channels, kernel, stride: Int
    public init(batch: Int, height: Int, width: Int, channels: Int, kernel: Int, stride: Int) {
        (self.batch, self.height, self.width, self.channels, self.kernel, self.stride) =
            (batch, height, width, channels, kernel, stride)
    }
    public var padding: Int { (kernel - 1) / 2 }
    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
}

public enum Depthwise {
    /// y[N, Ho, Wo, C] = act(Σ_ij x[n, oh·s − p + i, ow·s − p + j, c] · w[i, j, c] + bias[c]) in
    /// one pass; training passes neither bias nor activation (batch norm follows), inference
    /// its folded batch norm's.
    public static func forward(
        _ s: DepthwiseShape, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        bias: UnsafePointer<Float>? = nil, activation: ActivationKind = .identity
    ) {
        let (h, w, c, k, st, p) = (s.height, s.width, s.channels, s.kernel, s.stride, s.padding)
        let (ho, wo) = (s.outHeight, s.outWidth)
        parallelChunks(s.batch * ho, minimumPerChunk: max(1, 8192 / max(1, wo * c * k))) { _, range in
            for row in range {
                let n = row / ho
                let oh = row % ho
                let i0 = max(0, p - oh * st)
                let i1 = min(k, h + p - oh * st)
                for ow in 0..<wo {
                    let j0 = max(0, p - ow * st)
                    let j1 = min(k, w + p - ow * st)
                    let out = y + (row * wo + ow) * c
                    var ch = 0
                    while ch < c {
                        var acc = Vec(repeating: 0)
                        for i in i0..<i1 {
                            let xrow = x + ((n * h + oh * st - p + i) * w + ow * st - p) * c + ch
                            let wrow = weight + i * k * c + ch
                            for j in j0..<j1 {
                                acc = acc.addingProduct(load(xrow + j * c), load(wrow + j * c))
                            }
                        }
                        if let bias { acc = acc + load(bias + ch) }
                        store(acc, out + ch, min(vecWidth, c - ch))
                        ch += vecWidth
                    }
                }
                if activation != .identity { applyActivation(activation, y + row * wo * c, y + row * wo * c, count: wo * c) }
            }
        }
    }

    /// dx = ∂L/∂x (overwritten) and dweight += ∂L/∂w. `workspace`: kernelThreads · (k·k·C + 16)
    /// floats. Both are gathers that sum in registers, one store per result: dx row by row
    /// (each input row from the output rows that read it), dw per (output row, tap) over the
    /// row's pixels — a scatter would load and store once per tap and pixel.
    public static func backward(
        _ s: DepthwiseShape, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        inputGradient(s, weight: weight, dy: dy, dx: dx)
        weightGradient(s, x: x, dy: dy, dweight: dweight, workspace: workspace)
    }

    /// The taps t in 0..<k that reach output index o = (position + p − t) / stride, with
    /// 0 ≤ o < outCount: the first such t and the last bound (exclusive), stepping by stride.
    @inline(__always)
    static func taps(_ position: Int, kernel k: Int, stride st: Int, padding p: Int, outCount: Int) -> (first: Int, end: Int) {
        let low = max(0, position + p - st * (outCount - 1))
        let first = low + (position + p - low) % st
        return (first, min(k, position + p + 1))
    }

    /// dx[n, ih, iw, c] = Σ over taps (i, j) with oh = (ih + p − i) / s and ow = (iw + p − j) / s
    /// whole and in range of dy[n, oh, ow, c] · w[i, j, c]. Split by input rows.
    static func inputGradient(_ s: DepthwiseShape, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let (h, w, c, k, st, p) = (s.height, s.width, s.channels, s.kernel, s.stride, s.padding)
        let (ho, wo) = (s.outHeight, s.outWidth)
        parallelChunks(s.batch * h, minimumPerChunk: max(1, 8192 / max(1, w * c * k))) { _, range in
            for row in range {
                let n = row / h, ih = row % h
                let (i0, i1) = taps(ih, kernel: k, stride: st, padding: p, outCount: ho)
                let oh0 = (ih + p - i0) / st
                for iw in 0..<w {
                    let (j0, j1) = taps(iw, kernel: k, stride: st, padding: p, outCount: wo)
                    let ow0 = (iw + p - j0) / st
                    let out = dx + (row * w + iw) * c
                    var ch = 0
                    while ch < c {
                        var acc = Vec(repeating: 0)
                        // Tap (i, j) reads dy[oh, ow]; a step of s in i or j is a step of −1 in oh or ow.
                        var (i, oh) = (i0, oh0)
                        while i < i1 {
                            let grow = dy + (n * ho + oh) * wo * c + ch
                            let wrow = weight + i * k * c + ch
                            var (j, ow) = (j0, ow0)
                            while j < j1 {
                                acc = acc.addingProduct(load(grow + ow * c), load(wrow + j * c))
                                j += st
                                ow -= 1
                            }
                            i += st
                            oh -= 1
                        }
                        store(acc, out + ch, min(vecWidth, c - ch))
                        ch += vecWidth
                    }
                }
            }
        }
    }

    /// dw[i, j, c] += Σ dy[n, oh, ow, c] · x[n, oh·s − p + i, ow·s − p + j, c]: per output row
    /// and tap, a register sum over the row's pixels; per-thread partials.
    static func weightGradient(
        _ s: DepthwiseShape, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dweight: UnsafeMutablePointer<Float>,
        workspace: UnsafeMutablePointer<Float>
    ) {
        let (h, w, c, k, st, p) = (s.height, s.width, s.channels, s.kernel, s.stride, s.padding)
        let (ho, wo) = (s.outHeight, s.outWidth)
        let taps = k * k * c
        let stride = taps + vecWidth
        let chunks = parallelChunks(s.batch * ho, minimumPerChunk: max(1, 8192 / max(1, wo * c * k))) { chunk, range in
            let partial = workspace + chunk * stride
            partial.update(repeating: 0, count: taps)
            for row in range {
                let n = row / ho, oh = row % ho
                let i0 = max(0, p - oh * st), i1 = min(k, h + p - oh * st)
                let g = dy + row * wo * c
                for i in i0..<i1 {
                    let xrow = x + (n * h + oh * st - p + i) * w * c
                    for j in 0..<k {
                        // Pixels ow whose tap j lands inside the row: 0 ≤ ow·s − p + j < w.
                        let last = w - 1 + p - j
                        let ow0 = max(0, (p - j + st - 1) / st), ow1 = last < 0 ? 0 : min(wo, last / st + 1)
                        guard ow0 < ow1 else { continue }
                        let prow = partial + (i * k + j) * c
                        var ch = 0
                        while ch < c {
                            var acc = Vec(repeating: 0)
                            for ow in ow0..<ow1 {
                                acc = acc.addingProduct(load(g + ow * c + ch), load(xrow + (ow * st - p + j) * c + ch))
                            }
                            store(load(prow + ch) + acc, prow + ch, min(vecWidth, c - ch))
                            ch += vecWidth
                        }
                    }
                }
            }
        }
        for t in 0..<taps {
            var total: Float = 0
            for chunk in 0..<chunks { total += workspace[chunk * stride + t] }
            dweight[t] += total
        }
    }
}
