import Testing

@testable import NASKernels
import NASRandom

/// `gemm`'s own kernels (direct for few rows or a short inner dimension, streaming for few
/// rows and a large B) against a plain triple loop, on 1, 2 and 3 threads (3 split B unevenly).
@Suite(.serialized) struct GemmTests {
    @Test(arguments: [1, 2, 3], [(1, 1152, 192), (3, 192, 1152), (4, 320, 1280), (5, 40, 240), (16, 1152, 20),
                               (16, 17, 300), (200, 8, 48), (7, 300, 9)])
    func matchesReference(threads: Int, shape: (m: Int, k: Int, n: Int)) {
        configureThreads(threads)
        defer { configureThreads(1) }
        var g = SeededGenerator(seed: 3)
        let (m, k, n) = shape
        // B and C padded by 16 floats per row, as the kernels' callers provide.
        let (ldb, ldc) = (n + 16, n + 16)
        let a = Buffer(random: m * k, generator: &g)
        let b = Buffer(random: k * ldb, generator: &g)
        let c = Buffer(m * ldc, fill: .nan)
        gemm(m: m, n: n, k: k, a.pointer, lda: k, b.pointer, ldb: ldb, c.pointer, ldc: ldc)
        var worst: Float = 0
        for row in 0..<m {
            for column in 0..<n {
                var sum: Double = 0
                for i in 0..<k { sum += Double(a.pointer[row * k + i]) * Double(b.pointer[i * ldb + column]) }
                worst = max(worst, abs(c.pointer[row * ldc + column] - Float(sum)))
            }
        }
        #expect(worst < 1e-4 * Float(k).squareRoot(), "m \(m) k \(k) n \(n): off by \(worst)")
    }
}
