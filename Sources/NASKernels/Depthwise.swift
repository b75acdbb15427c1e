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
    /// y[N, Ho, Wo, C] = Σ_ij x[n, oh·s − p + i, ow·s − p + j, c] · w[i, j, c]
    public static func forward(
        _ s: DepthwiseShape, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>
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
                                acc = acc + load(xrow + j * c) * load(wrow + j * c)
                            }
                        }
                        store(acc, out + ch, min(vecWidth, c - ch))
                        ch += vecWidth
                    }
                }
            }
        }
    }

    /// dx = ∂L/∂x (overwritten) and
    /// dweight += ∂L/∂w. `workspace`: kernelThreads · (k·k·C + 16) floats.
    public static func backward(
        _ s: DepthwiseShape, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>, dweight: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        let (h, w, c, k, st, p) = (s.height, s.width, s.channels, s.kernel, s.stride, s.padding)
        let (ho, wo) = (s.outHeight, s.outWidth)
        // dx[n, ih, iw] += dy[n, oh, ow] · w[i, j] for ih = oh·s − p + i: a scatter with the
        // forward's bounded loops; images are split between threads, so no two write one row.
        parallelChunks(s.batch, minimumPerChunk: max(1, 4096 / max(1, ho * wo * c))) { _, images in
            let first = images.lowerBound * h * w * c
            (dx + first).update(repeating: 0, count: images.count * h * w * c)
            for n in images {
                for oh in 0..<ho {
                    let i0 = max(0, p - oh * st)
                    let i1 = min(k, h + p - oh * st)
                    for ow in 0..<wo {
                        let j0 = max(0, p - ow * st)
                        let j1 = min(k, w + p - ow * st)
                        let g = dy + ((n * ho + oh) * wo + ow) * c
                        var ch = 0
                        while ch < c {
                            let count = min(vecWidth, c - ch)
                            let gv = load(g + ch)
                            for i in i0..<i1 {
                                let xrow = dx + ((n * h + oh * st - p + i) * w + ow * st - p) * c + ch
                                let wrow = weight + i * k * c + ch
                                for j in j0..<j1 {
                                    store(load(xrow + j * c) + gv * load(wrow + j * c), xrow + j * c, count)
                                }
                            }
                            ch += vecWidth
                        }
                    }
                }
            }
        }
        // dw[i, j, c] = Σ dy[n, oh, ow, c] · x[n, oh·s − p + i, ow·s − p + j, c], per-thread partials.
        let taps = k * k * c
        let stride = taps + vecWidth
        let chunks = parallelChunks(s.batch * ho, minimumPerChunk: max(1, 8192 / max(1, wo * c * k))) { chunk, range in
            let partial = workspace + chunk * stride
            for t in 0..<taps { partial[t] = 0 }
            for row in range {
                let n = row / ho
                let oh = row % ho
                let i0 = max(0, p - oh * st)
                let i1 = min(k, h + p - oh * st)
                for ow in 0..<wo {
                    let j0 = max(0, p - ow * st)
                    let j1 = min(k, w + p - ow * st)
                    let g = dy + (row * wo + ow) * c
                    var ch = 0
                    while ch < c {
                        let n16 = min(vecWidth, c - ch)
                        let gv = load(g + ch)
                        for i in i0..<i1 {
                            let xrow = x + ((n * h + oh * st - p + i) * w + ow * st - p) * c + ch
                            let prow = partial + i * k * c + ch
                            for j in j0..<j1 {
                                store(load(prow + j * c) + gv * load(xrow + j * c), prow + j * c, n16)
                            }
                        }
                        ch += vecWidth
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
