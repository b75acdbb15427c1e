/// Squeeze-and-excitation on x [N, HW, C] with R reduced channels:
///   pooled = mean_hw x; h = act(pooled · w1 + b1); gate = σ(h · w2 + b2); y = x · gate.
/// Weights w1 [C, R], w2 [R, C]. Saves pooled [N, C], hPre [N, R], h [N, R], gate [N, C].
public struct SqueezeExcitationShape: Sendable, Hashable {
    public var batch, pixels, channels, reduced: Int
    public init(batch: Int, pixels: Int, channels: Int, reduced: Int) {
        (self.batch, self.pixels, self.channels, self.reduced) = (batch, pixels, channels, reduced)
    }
}

public enum SqueezeExcitation {
    public static func forward(
        _ s: SqueezeExcitationShape, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        w1: UnsafePointer<Float>, b1: UnsafePointer<Float>, w2: UnsafePointer<Float>, b2: UnsafePointer<Float>,
        activation: ActivationKind, pooled: UnsafeMutablePointer<Float>, hPre: UnsafeMutablePointer<Float>,
        h: UnsafeMutablePointer<Float>, gate: UnsafeMutablePointer<Float>
    ) {
        let (n, c, r) = (s.batch, s.channels, s.reduced)
        GlobalAveragePool.forward(x: x, y: pooled, batch: n, pixels: s.pixels, channels: c)
        gemm(m: n, n: r, k: c, pooled, lda: c, w1, ldb: r, hPre, ldc: r)
        for i in 0..<n {
            for j in 0..<r { hPre[i * r + j] += b1[j] }
        }
        applyActivation(activation, hPre, h, count: n * r)
        gemm(m: n, n: c, k: r, h, lda: r, w2, ldb: c, gate, ldc: c)
        Elementwise.biasActivation(gate, rows: n, cols: c, bias: b2, activation: .sigmoid)
        scaleRows(x: x, gate: gate, y: y, shape: s)
    }

    /// y[n, p, c] = x[n, p, c] · gate[n, c]
    static func scaleRows(x: UnsafePointer<Float>, gate: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, shape s: SqueezeExcitationShape) {
        let c = s.channels
        parallelChunks(s.batch * s.pixels, minimumPerChunk: rowsPerChunk(c)) { _, range in
            for row in range {
                let g = gate + (row / s.pixels) * c
                var ch = 0
                while ch < c {
                    store(load(x + row * c + ch) * load(g + ch), y + row * c + ch, min(vecWidth, c - ch))
                    ch += vecWidth
                }
            }
        }
    }

    /// dx (may not alias dy) and the weight gradients (accumulated).
    /// `workspace`: 2 · N · C + N · R + 3 · 16 floats.
    public static func backward(
        _ s: SqueezeExcitationShape, x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        w1: UnsafePointer<Float>, w2: UnsafePointer<Float>, activation: ActivationKind,
        pooled: UnsafePointer<Float>, hPre: UnsafePointer<Float>, h: UnsafePointer<Float>, gate: UnsafePointer<Float>,
        dw1: UnsafeMutablePointer<Float>, db1: UnsafeMutablePointer<Float>, dw2: UnsafeMutablePointer<Float>,
        db2: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>
    ) {
        let (n, c, r, pixels) = (s.batch, s.channels, s.reduced, s.pixels)
        let dPre2 = workspace
        let dH = dPre2 + n * c + vecWidth
        let dPooled = dH + n * r + vecWidth
        // dgate[n, c] = Σ_p dy · x, then through the sigmoid.
        parallelChunks(n, minimumPerChunk: max(1, 16384 / max(1, pixels * c))) { _, images in
            for i in images {
                var ch = 0
                while ch < c {
                    var acc = Vec(repeating: 0)
                    for p in 0..<pixels {
                        let offset = (i * pixels + p) * c + ch
                        acc = acc + load(dy + offset) * load(x + offset)
                    }
                    let g = load(gate + i * c + ch)
                    store(acc * g * (1 - g), dPre2 + i * c + ch, min(vecWidth, c - ch))
                    ch += vecWidth
                }
            }
        }
        gemm(transposeA: true, m: r, n: c, k: n, h, lda: r, dPre2, ldb: c, beta: 1, dw2, ldc: c)
        Elementwise.addColumnSums(dPre2, rows: n, cols: c, into: db2)
        gemm(transposeB: true, m: n, n: r, k: c, dPre2, lda: c, w2, ldb: c, dH, ldc: r)
        applyActivationBackward(activation, hPre, dH, count: n * r)
        gemm(transposeA: true, m: c, n: r, k: n, pooled, lda: c, dH, ldb: r, beta: 1, dw1, ldc: r)
        Elementwise.addColumnSums(dH, rows: n, cols: r, into: db1)
        gemm(transposeB: true, m: n, n: c, k: r, dH, lda: r, w1, ldb: r, dPooled, ldc: c)
        // dx = dy · gate + dpooled / HW
        let inverse = 1 / Float(pixels)
        parallelChunks(n * pixels, minimumPerChunk: rowsPerChunk(c)) { _, range in
            for row in range {
                let i = row / pixels
                var ch = 0
                while ch < c {
                    let v = load(dy + row * c + ch) * load(gate + i * c + ch) + load(dPooled + i * c + ch) * inverse
                    store(v, dx + row * c + ch, min(vecWidth, c - ch))
                    ch += vecWidth
                }
            }
        }
    }
}

/// Fully connected layer: y[N, O] = x[N, I] · w[I, O] + b.
public enum Dense {
    public static func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        batch: Int, inputs: Int, outputs: Int
    ) {
        gemm(m: batch, n: outputs, k: inputs, x, lda: inputs, weight, ldb: outputs, y, ldc: outputs)
        Elementwise.biasActivation(y, rows: batch, cols: outputs, bias: bias, activation: .identity)
    }

    public static func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>,
        dweight: UnsafeMutablePointer<Float>, dbias: UnsafeMutablePointer<Float>, batch: Int, inputs: Int, outputs: Int
    ) {
        gemm(transposeA: true, m: inputs, n: outputs, k: batch, x, lda: inputs, dy, ldb: outputs, beta: 1, dweight, ldc: outputs)
        Elementwise.addColumnSums(dy, rows: batch, cols: outputs, into: dbias)
        gemm(transposeB: true, m: batch, n: inputs, k: outputs, dy, lda: outputs, weight, ldb: outputs, dx, ldc: inputs)
    }
}
