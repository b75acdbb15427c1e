/// Dense k×k convolution, NHWC, symmetric padding (k − 1) / 2, no bias. Weights
/// [k, k, Cin, Cout] = a [k·k·Cin, Cout] matrix, so a 1×1 conv is one sgemm on the
/// activations as they lie and a k×k conv is im2col followed by one sgemm.
public struct ConvShape: Sendable, Hashable {
    public var batch, height, width, inChannels, outChannels, kernel, stride: Int
    public init(batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int) {
        (self.batch, self.height, self.width, self.inChannels, self.outChannels, self.kernel, self.stride) =
            (batch, height, width, inChannels, outChannels, kernel, stride)
    }
    public var padding: Int { (kernel - 1) / 2 }
    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    public var outRows: Int { batch * outHeight * outWidth }
    public var patch: Int { kernel * kernel * inChannels }
    public var isPointwise: Bool { kernel == 1 && stride == 1 }
    /// Floats of im2col workspace the conv needs (0 for a pointwise conv).
    public var workspaceCount: Int { isPointwise ? 0 : outRows * patch }
}

public enum Conv {
    /// y[N·Ho·Wo, Cout] = im2col(x) · w. `columns` (s.workspaceCount floats) receives
    /// im2col(x), which backward reuses.
    public static func forward(
        _ s: ConvShape, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        columns workspace: UnsafeMutablePointer<Float>
    ) {
        if s.isPointwise {
            gemm(m: s.outRows, n: s.outChannels, k: s.inChannels, x, lda: s.inChannels, weight, ldb: s.outChannels,
                 y, ldc: s.outChannels)
            return
        }
        im2col(s, x: x, columns: workspace)
        gemm(m: s.outRows, n: s.outChannels, k: s.patch, workspace, lda: s.patch, weight, ldb: s.outChannels,
             y, ldc: s.outChannels)
    }

    /// dweight += im2col(x)ᵀ · dy; dx = col2im(dy · wᵀ) when dx is given (the stem needs none).
    /// `columns` must still hold forward's im2col(x); `workspace` (s.workspaceCount floats,
    /// only when dx is wanted) takes the column gradients.
    public static func backward(
        _ s: ConvShape, x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>, columns: UnsafePointer<Float>,
        workspace: UnsafeMutablePointer<Float>
    ) {
        if s.isPointwise {
            gemm(transposeA: true, m: s.inChannels, n: s.outChannels, k: s.outRows, x, lda: s.inChannels, dy,
                 ldb: s.outChannels, beta: 1, dweight, ldc: s.outChannels)
            if let dx {
                gemm(transposeB: true, m: s.outRows, n: s.inChannels, k: s.outChannels, dy, lda: s.outChannels,
                     weight, ldb: s.outChannels, dx, ldc: s.inChannels)
            }
            return
        }
        gemm(transposeA: true, m: s.patch, n: s.outChannels, k: s.outRows, columns, lda: s.patch, dy,
             ldb: s.outChannels, beta: 1, dweight, ldc: s.outChannels)
        guard let dx else { return }
        gemm(transposeB: true, m: s.outRows, n: s.patch, k: s.outChannels, dy, lda: s.outChannels, weight,
             ldb: s.outChannels, workspace, ldc: s.patch)
        col2im(s, columns: workspace, dx: dx)
    }

    /// columns[(n, oh, ow), (i, j, ci)] = x[n, oh·s − p + i, ow·s − p + j, ci] or 0 outside.
    static func im2col(_ s: ConvShape, x: UnsafePointer<Float>, columns: UnsafeMutablePointer<Float>) {
        let (h, w, ci, k, st, p) = (s.height, s.width, s.inChannels, s.kernel, s.stride, s.padding)
        let (ho, wo) = (s.outHeight, s.outWidth)
        parallelChunks(s.batch * ho, minimumPerChunk: 4) { _, range in
            for row in range {
                let n = row / ho
                let oh = row % ho
                for ow in 0..<wo {
                    var col = columns + (row * wo + ow) * s.patch
                    for i in 0..<k {
                        let ih = oh * st - p + i
                        for j in 0..<k {
                            let iw = ow * st - p + j
                            if ih >= 0, ih < h, iw >= 0, iw < w {
                                let source = x + ((n * h + ih) * w + iw) * ci
                                // A call to memcpy per tap costs more than the copy for the stem's 1–3 channels.
                                if ci < 16 { for c in 0..<ci { col[c] = source[c] } } else { col.update(from: source, count: ci) }
                            } else {
                                col.update(repeating: 0, count: ci)
                            }
                            col += ci
                        }
                    }
                }
            }
        }
    }

    /// dx[n, ih, iw, ci] = Σ columns over every patch that read that pixel. Split by image.
    static func col2im(_ s: ConvShape, columns: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let (h, w, ci, k, st, p) = (s.height, s.width, s.inChannels, s.kernel, s.stride, s.padding)
        let (ho, wo) = (s.outHeight, s.outWidth)
        parallelChunks(s.batch) { _, images in
            dx.advanced(by: images.lowerBound * h * w * ci).update(repeating: 0, count: images.count * h * w * ci)
            for n in images {
                for oh in 0..<ho {
                    for ow in 0..<wo {
                        var col = columns + ((n * ho + oh) * wo + ow) * s.patch
                        for i in 0..<k {
                            let ih = oh * st - p + i
                            for j in 0..<k {
                                let iw = ow * st - p + j
                                if ih >= 0, ih < h, iw >= 0, iw < w {
                                    let target = dx + ((n * h + ih) * w + iw) * ci
                                    for c in 0..<ci { target[c] += col[c] }
                                }
                                col += ci
                            }
                        }
                    }
                }
            }
        }
    }
}
