import COpenBLAS

/// Threads OpenBLAS may use. Set it explicitly: the pthread build otherwise takes every core.
public func setBLASThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

/// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major; split over `kernelThreads` by
/// rows of C (or by columns when C is wide) into single-threaded OpenBLAS calls.
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
/// as much as the multiply. Four rows by 16 columns per step in registers; rows split over
/// the kernel threads. B needs 16 floats of slack after each row's last column.
@inline(__always)
func directGemm(
    m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
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
