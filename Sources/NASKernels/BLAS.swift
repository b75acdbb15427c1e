import COpenBLAS

/// Threads OpenBLAS may use. Set it explicitly: the pthread build otherwise takes every core.
public func setBLASThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

/// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; split over `kernelThreads` by
/// rows of C (or by columns when C is wide) into single-threaded OpenBLAS calls, or for few
/// rows or a short inner dimension into SwiftNAS's own kernels (`directGemm`).
@inline(__always)
public func gemm(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if !transposeA, !transposeB, alpha == 1, beta == 0, m <= 16 || k <= 16 {
        return directGemm(m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }
    // Below ~1 MFLOP a second thread costs more than it saves.
    let work = m * n * k
    if kernelThreads == 1 || work < (1 << 19) {
        sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
        return
    }
    if m >= n {
        parallelChunks(m, minimumPerChunk: 16) { _, rows in
            let aPart = transposeA ? a + rows.lowerBound : a + rows.lowerBound * lda
            sgemm(transposeA: transposeA, transposeB: transposeB, m: rows.count, n: n, k: k, alpha: alpha, aPart, lda: lda,
                  b, ldb: ldb, beta: beta, c + rows.lowerBound * ldc, ldc: ldc)
        }
    } else {
        parallelChunks(n, minimumPerChunk: 16) { _, columns in
            let bPart = transposeB ? b + columns.lowerBound * ldb : b + columns.lowerBound
            sgemm(transposeA: transposeA, transposeB: transposeB, m: m, n: columns.count, k: k, alpha: alpha, a, lda: lda,
                  bPart, ldb: ldb, beta: beta, c + columns.lowerBound, ldc: ldc)
        }
    }
}

@inline(__always)
func sgemm(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// C[m×n] = A[m×k] · B[k×n], row-major, without packing: for few rows (a batch-1 layer, SE)
/// or a short inner dimension (the narrow pointwise convs), sgemm's copies of B and A cost
/// as much as the multiply. Four rows by 16 columns per step in registers, rows split over
/// the kernel threads; past k = 16 with a B beyond L1, `streamingGemm` instead. B needs 16
/// floats of slack after each row's last column.
@inline(__always)
func directGemm(
    m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if k > 16, k * n >= streamingThreshold {
        return streamingGemm(m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }
    parallelChunks((m + 3) / 4, minimumPerChunk: max(1, 8192 / max(1, n * k))) { _, blocks in
        directGemmRows(rows: (blocks.lowerBound * 4)..<min(m, blocks.upperBound * 4), n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc)
    }
}

@inline(never)
func directGemmRows(
    rows: Range<Int>, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    var row = rows.lowerBound
    while row < rows.upperBound {
        let count = min(4, rows.upperBound - row)
        // Rows past the block's end repeat its last row (their sums are dropped).
        let a0 = a + row * lda, a1 = a + (row + min(1, count - 1)) * lda
        let a2 = a + (row + min(2, count - 1)) * lda, a3 = a + (row + min(3, count - 1)) * lda
        var column = 0
        // Two column vectors at a time where they fit: eight independent sums keep both FMA
        // units busy (four would wait on the FMA latency).
        while column + vecWidth < n {
            var (s0, s1, s2, s3) = (Vec(repeating: 0), Vec(repeating: 0), Vec(repeating: 0), Vec(repeating: 0))
            var (t0, t1, t2, t3) = (Vec(repeating: 0), Vec(repeating: 0), Vec(repeating: 0), Vec(repeating: 0))
            var bk = b + column
            for i in 0..<k {
                let (bv, bw) = (load(bk), load(bk + vecWidth))
                let (x0, x1, x2, x3) = (Vec(repeating: a0[i]), Vec(repeating: a1[i]), Vec(repeating: a2[i]), Vec(repeating: a3[i]))
                s0 = s0.addingProduct(x0, bv)
                t0 = t0.addingProduct(x0, bw)
                s1 = s1.addingProduct(x1, bv)
                t1 = t1.addingProduct(x1, bw)
                s2 = s2.addingProduct(x2, bv)
                t2 = t2.addingProduct(x2, bw)
                s3 = s3.addingProduct(x3, bv)
                t3 = t3.addingProduct(x3, bw)
                bk += ldb
            }
            let lanes = min(vecWidth, n - column - vecWidth)
            let out = c + row * ldc + column
            store(s0, out)
            store(t0, out + vecWidth, lanes)
            if count > 1 { store(s1, out + ldc); store(t1, out + ldc + vecWidth, lanes) }
            if count > 2 { store(s2, out + 2 * ldc); store(t2, out + 2 * ldc + vecWidth, lanes) }
            if count > 3 { store(s3, out + 3 * ldc); store(t3, out + 3 * ldc + vecWidth, lanes) }
            column += 2 * vecWidth
        }
        while column < n {
            var (s0, s1, s2, s3) = (Vec(repeating: 0), Vec(repeating: 0), Vec(repeating: 0), Vec(repeating: 0))
            var bk = b + column
            for i in 0..<k {
                let bv = load(bk)
                s0 = s0.addingProduct(Vec(repeating: a0[i]), bv)
                s1 = s1.addingProduct(Vec(repeating: a1[i]), bv)
                s2 = s2.addingProduct(Vec(repeating: a2[i]), bv)
                s3 = s3.addingProduct(Vec(repeating: a3[i]), bv)
                bk += ldb
            }
            let lanes = min(vecWidth, n - column)
            let out = c + row * ldc + column
            store(s0, out, lanes)
            if count > 1 { store(s1, out + ldc, lanes) }
            if count > 2 { store(s2, out + 2 * ldc, lanes) }
            if count > 3 { store(s3, out + 3 * ldc, lanes) }
            column += vecWidth
        }
        row += count
    }
}

/// Floats of B above which `directGemm` streams it (`streamingGemm`): past L1, walking B
/// down 32-column strips touches a new cache line (often a new page) per row and waits on
/// memory for every one.
let streamingThreshold = 8192

/// C[m×n] = A[m×k] · B[k×n] for few rows and a large B (a batch-1 layer's weights): B read
/// from memory once, in storage order. Threads split B's rows (each streams a contiguous
/// part; split by columns, each would read short pieces of every row and the prefetcher
/// would not keep up), each sums into its own C, and the partial Cs are added at the end.
func streamingGemm(
    m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let threads = max(1, min(kernelThreads, k / 64))
    guard threads > 1 else { return streamingSlabs(m: m, n: n, rows: 0..<k, a, lda: lda, b, ldb: ldb, c, ldc: ldc) }
    withUnsafeTemporaryAllocation(of: Float.self, capacity: (threads - 1) * m * n) { partials in
        // Chunks of ⌈k / threads⌉ rows: never more chunks than partial Cs.
        let chunks = parallelChunks(k, minimumPerChunk: (k + threads - 1) / threads) { chunk, rows in
            if chunk == 0 { return streamingSlabs(m: m, n: n, rows: rows, a, lda: lda, b, ldb: ldb, c, ldc: ldc) }
            streamingSlabs(m: m, n: n, rows: rows, a, lda: lda, b, ldb: ldb, partials.baseAddress! + (chunk - 1) * m * n, ldc: n)
        }
        for chunk in 1..<chunks {
            for row in 0..<m {
                let (sum, part) = (c + row * ldc, partials.baseAddress! + ((chunk - 1) * m + row) * n)
                for column in 0..<n { sum[column] += part[column] }
            }
        }
    }
}

/// C = A[:, rows] · B[rows, :] for `streamingGemm`, B's rows in slabs of ≤ 256 KB so that the
/// second pair of C's rows finds the slab in L2. 8-lane vectors: two rows of C at a time then
/// need 14 of AVX2's 16 registers (the loop is bound by memory, not by the vector width).
func streamingSlabs(
    m: Int, n: Int, rows: Range<Int>, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    for row in 0..<m { (c + row * ldc).update(repeating: 0, count: n) }
    let slab = max(4, 65536 / n / 4 * 4)
    var start = rows.lowerBound
    while start < rows.upperBound {
        let depth = min(slab, rows.upperBound - start)
        var row = 0
        while row < m {
            let pair = row + 1 < m
            streamingRows(a + row * lda + start, pair ? a + (row + 1) * lda + start : nil, k: depth, b + start * ldb, ldb: ldb,
                          c + row * ldc, pair ? c + (row + 1) * ldc : nil, width: n)
            row += 2
        }
        start += depth
    }
}

/// c0[0..<width] += a0 · B and c1 += a1 · B (both nil for a lone last row), B's rows four
/// at a time.
@inline(__always)
func streamingRows(
    _ a0: UnsafePointer<Float>, _ a1: UnsafePointer<Float>?, k: Int, _ b: UnsafePointer<Float>, ldb: Int,
    _ c0: UnsafeMutablePointer<Float>, _ c1: UnsafeMutablePointer<Float>?, width: Int
) {
    typealias V = SIMD8<Float>
    @inline(__always) func coefficient(_ row: UnsafePointer<Float>?, _ i: Int) -> V {
        V(repeating: i < k ? (row?[i] ?? 0) : 0)
    }
    var i = 0
    while i < k {
        // Past k, B's row i is reused with coefficient zero (never read out of bounds).
        let (b0, b1) = (b + i * ldb, b + min(i + 1, k - 1) * ldb)
        let (b2, b3) = (b + min(i + 2, k - 1) * ldb, b + min(i + 3, k - 1) * ldb)
        let (x0, x1, x2, x3) = (coefficient(a0, i), coefficient(a0, i + 1), coefficient(a0, i + 2), coefficient(a0, i + 3))
        let (y0, y1, y2, y3) = (coefficient(a1, i), coefficient(a1, i + 1), coefficient(a1, i + 2), coefficient(a1, i + 3))
        var column = 0
        while column < width {
            let v0 = UnsafeRawPointer(b0 + column).loadUnaligned(as: V.self)
            let v1 = UnsafeRawPointer(b1 + column).loadUnaligned(as: V.self)
            let v2 = UnsafeRawPointer(b2 + column).loadUnaligned(as: V.self)
            let v3 = UnsafeRawPointer(b3 + column).loadUnaligned(as: V.self)
            let lanes = min(8, width - column)
            accumulate(c0 + column, lanes) { $0.addingProduct(x0, v0).addingProduct(x1, v1).addingProduct(x2, v2).addingProduct(x3, v3) }
            if let c1 {
                accumulate(c1 + column, lanes) { $0.addingProduct(y0, v0).addingProduct(y1, v1).addingProduct(y2, v2).addingProduct(y3, v3) }
            }
            column += 8
        }
        i += 4
    }
}

/// c[0..<lanes] = sum(c[0..<lanes]), 8 lanes or fewer at the end of a row.
@inline(__always)
func accumulate(_ c: UnsafeMutablePointer<Float>, _ lanes: Int, _ sum: (SIMD8<Float>) -> SIMD8<Float>) {
    if lanes == 8 {
        let raw = UnsafeMutableRawPointer(c)
        raw.storeBytes(of: sum(raw.loadUnaligned(as: SIMD8<Float>.self)), as: SIMD8<Float>.self)
    } else {
        let result = sum(partial(c, lanes))
        for lane in 0..<lanes { c[lane] = result[lane] }
    }
}

@inline(never)
func partial(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
    var v = SIMD8<Float>()
    for lane in 0..<count { v[lane] = p[lane] }
    return v
}
