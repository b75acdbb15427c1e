/// Global average pooling over H·W of an NHWC tensor: [N, HW, C] → [N, C].
public enum GlobalAveragePool {
    public static func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, batch: Int, pixels: Int, channels c: Int) {
        let scale = 1 / Float(pixels)
        parallelChunks(batch, minimumPerChunk: max(1, 16384 / max(1, pixels * c))) { _, range in
            for n in range {
                let out = y + n * c
                var ch = 0
                while ch < c {
                    var acc = Vec(repeating: 0)
                    var pixel = x + n * pixels * c + ch
                    for _ in 0..<pixels {
                        acc = acc + load(pixel)
                        pixel += c
                    }
                    store(acc * scale, out + ch, min(vecWidth, c - ch))
                    ch += vecWidth
                }
            }
        }
    }

    /// dx[n, p, c] = dy[n, c] / HW, or added to dx when `accumulate`.
    public static func backward(
        dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, batch: Int, pixels: Int, channels c: Int,
        accumulate: Bool = false
    ) {
        let scale = 1 / Float(pixels)
        parallelChunks(batch, minimumPerChunk: max(1, 16384 / max(1, pixels * c))) { _, range in
            for n in range {
                for pixel in 0..<pixels {
                    let out = dx + (n * pixels + pixel) * c
                    var ch = 0
                    while ch < c {
                        let g = load(dy + n * c + ch) * scale
                        store(accumulate ? load(out + ch) + g : g, out + ch, min(vecWidth, c - ch))
                        ch += vecWidth
                    }
                }
            }
        }
    }
}

/// Elementwise helpers on flat buffers.
public enum Elementwise {
    /// y = act(x + bias[col]) over [rows, cols] in place (bias may be nil), split by rows.
    public static func biasActivation(
        _ x: UnsafeMutablePointer<Float>, rows: Int, cols: Int, bias: UnsafePointer<Float>?, activation: ActivationKind
    ) {
        parallelChunks(rows, minimumPerChunk: rowsPerChunk(cols)) { _, range in
            if let bias {
                biasActivationRows(activation, x, rows: range, cols: cols, bias: bias)
            } else if activation != .identity {
                applyActivation(activation, x + range.lowerBound * cols, x + range.lowerBound * cols, count: range.count * cols)
            }
        }
    }

    /// x = act(x + bias[col]) over `rows`, one pass. Never inlined, as `applyActivation`.
    @inline(never)
    static func biasActivationRows(
        _ activation: ActivationKind, _ x: UnsafeMutablePointer<Float>, rows: Range<Int>, cols: Int, bias: UnsafePointer<Float>
    ) {
        for r in rows {
            let row = x + r * cols
            var c = 0
            while c < cols {
                store(activation.apply(load(row + c) + load(bias + c)), row + c, min(vecWidth, cols - c))
                c += vecWidth
            }
        }
    }

    /// Column sums of [rows, cols] added into out.
    public static func addColumnSums(_ x: UnsafePointer<Float>, rows: Int, cols: Int, into out: UnsafeMutablePointer<Float>) {
        for r in 0..<rows {
            for c in 0..<cols { out[c] += x[r * cols + c] }
        }
    }

    /// a += b (count floats).
    public static func add(_ b: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int) {
        forEachVector(count) { i, lanes in store(load(a + i) + load(b + i), a + i, lanes) }
    }

    /// y = a + b · scale[row / rowsPerScale] over [rows, cols]: a residual with drop-connect.
    public static func addScaled(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int,
        cols: Int, scale: UnsafePointer<Float>?, rowsPerScale: Int
    ) {
        parallelChunks(rows, minimumPerChunk: rowsPerChunk(cols)) { _, range in
            for r in range {
                let s = scale.map { $0[r / rowsPerScale] } ?? 1
                var c = 0
                let base = r * cols
                while c < cols {
                    store(load(a + base + c) + load(b + base + c) * s, y + base + c, min(vecWidth, cols - c))
                    c += vecWidth
                }
            }
        }
    }
}
