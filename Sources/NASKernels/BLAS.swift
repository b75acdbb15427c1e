import COpenBLAS

/// Threads OpenBLAS may use. Set it explicitly: the pthread build otherwise takes every core.
public func setBLASThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

/// C[m×n] = alpha · op(A) · op(B) + beta · C, row-major.
@inline(__always)
public func gemm(
    transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
    _ c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}
