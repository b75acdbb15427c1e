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
