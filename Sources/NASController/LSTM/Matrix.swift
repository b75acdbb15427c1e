// The LSTM controller's matrix products and activations, without OpenBLAS (the controller
// links none): a register-blocked product (4 rows × 2 vectors of sums: eight of AVX-512's
// 32 registers, or eight of AVX2's 16 with half-width vectors) and a vectorized exp, generic
// over the scalar — Float in a search (twice the lanes of Double, and double precision runs
// this CPU's FMAs at their peak already), Double where the gradients are checked against
// finite differences. Callers pass valid pointers and sizes; nothing here allocates.

import CTargetCPU

/// Whether a 64-byte vector is one register. Without AVX-512 each is two, and the product's
/// 4 × 2 block of them (eight sums, four broadcasts, two loads: 28 registers) spilled to the
/// stack in its inner loop; it runs on half-width vectors there.
private let wholeVectorRegisters = NAS_VECTOR_REGISTER_BYTES == 64

/// A scalar the LSTM passes run in, with its 64-byte vector, a 32-byte one and its exp.
protocol ControllerScalar: BinaryFloatingPoint, SIMDScalar, Sendable {
    associatedtype Vector: SIMD<Self> where Vector.MaskStorage: SIMD
    associatedtype HalfVector: SIMD<Self>
    /// eˣ lane by lane, to within a few ulps.
    static func exponential(_ x: Vector) -> Vector
}

// The two exps below share their shape and differ in every constant: one generic version
// with the constants as protocol requirements measured half the speed (proposals 4.6–4.9 ms
// against 2.3; the constants are no longer literals the compiler folds).
extension Float: ControllerScalar {
    typealias Vector = SIMD16<Float>
    typealias HalfVector = SIMD8<Float>

    /// x = n·ln 2 + r, |r| ≤ ln 2 / 2; Taylor to r⁸ (below 2⁻²⁴ there); 2ⁿ from the exponent bits.
    @inline(__always)
    static func exponential(_ x: Vector) -> Vector {
        let limit = Vector(repeating: 87)
        let clamped = x.replacing(with: limit, where: x .> limit).replacing(with: -limit, where: x .< -limit)
        let n = (clamped * 1.442695).rounded(.toNearestOrEven)
        let r = (clamped - n * 0.69314575) - n * 1.4286068e-06
        var p = Vector(repeating: 1.0 / 40320)
        for coefficient in floatCoefficients { p = p * r + Vector(repeating: coefficient) }
        // 1.5·2²³ + n holds n in its low bits: the integer without a conversion instruction.
        let shifter = Vector(repeating: 12_582_912)
        let integer = unsafeBitCast(n + shifter, to: SIMD16<Int32>.self) &- unsafeBitCast(shifter, to: SIMD16<Int32>.self)
        return p * unsafeBitCast((integer &+ 127) &<< 23, to: Vector.self)
    }
}

extension Double: ControllerScalar {
    typealias Vector = SIMD8<Double>
    typealias HalfVector = SIMD4<Double>

    /// The same with Taylor to r¹³ (below 2⁻⁵³).
    @inline(__always)
    static func exponential(_ x: Vector) -> Vector {
        let limit = Vector(repeating: 708)
        let clamped = x.replacing(with: limit, where: x .> limit).replacing(with: -limit, where: x .< -limit)
        let n = (clamped * 1.4426950408889634).rounded(.toNearestOrEven)
        let r = (clamped - n * 0.6931471803691238) - n * 1.9082149292705877e-10
        var p = Vector(repeating: 1.0 / 6_227_020_800)
        for coefficient in doubleCoefficients { p = p * r + Vector(repeating: coefficient) }
        let shifter = Vector(repeating: 6_755_399_441_055_744)
        let integer = unsafeBitCast(n + shifter, to: SIMD8<Int64>.self) &- unsafeBitCast(shifter, to: SIMD8<Int64>.self)
        return p * unsafeBitCast((integer &+ 1023) &<< 52, to: Vector.self)
    }
}

/// Horner's coefficients after the leading term: 1/(d−1)!, …, 1/1!, 1/0!.
private func taylorCoefficients(degree: Int) -> [Double] {
    (0..<degree).reversed().map { k in 1 / (1...max(k, 1)).reduce(1.0) { $0 * Double($1) } }
}
private let floatCoefficients = taylorCoefficients(degree: 8).map(Float.init)
private let doubleCoefficients = taylorCoefficients(degree: 13)

/// A matrix operand read one element at a time: (i, k) at `base[i·rowStride + k·columnStride]`.
struct MatrixOperand<S: ControllerScalar> {
    var base: UnsafePointer<S>
    var rowStride: Int
    var columnStride = 1

    @inline(__always) func row(_ i: Int) -> UnsafePointer<S> { base + i * rowStride }
}

/// C[m × n] += A[m × k] · B[k × n]; B and C row-major with leading dimensions `ldb`, `ldc`;
/// `n` a multiple of the vector's lanes. A's elements are broadcast one at a time, so A may
/// be a transposed view (`columnStride` ≠ 1) at no extra cost.
@inline(__always)
func multiplyAdd<S: ControllerScalar>(
    _ m: Int, _ n: Int, _ k: Int, _ a: MatrixOperand<S>, _ b: UnsafePointer<S>, _ ldb: Int,
    _ c: UnsafeMutablePointer<S>, _ ldc: Int
) {
    precondition(n % S.Vector.scalarCount == 0, "columns must be a multiple of the vector's lanes")
    if wholeVectorRegisters {
        multiplyAdd(S.Vector.self, m, n, k, a, b, ldb, c, ldc)
    } else {
        multiplyAdd(S.HalfVector.self, m, n, k, a, b, ldb, c, ldc)
    }
}

/// The product in blocks of 4 rows × 2 vectors V (n: a multiple of V's lanes).
@inline(__always)
private func multiplyAdd<S: ControllerScalar, V: SIMD<S>>(
    _: V.Type, _ m: Int, _ n: Int, _ k: Int, _ a: MatrixOperand<S>, _ b: UnsafePointer<S>, _ ldb: Int,
    _ c: UnsafeMutablePointer<S>, _ ldc: Int
) {
    let lanes = V.scalarCount
    // A long inner dimension in slices, so the slices of A and B a row block reads stay in L2
    // (dWₕ's sums over every step and sample were re-read from L3 for each row block).
    let slice = 256
    var start = 0
    while start < k {
        let depth = min(slice, k - start)
        let (aSlice, bSlice) = (a.base + start &* a.columnStride, b + start &* ldb)
        var i = 0
        while i < m {
            let rows = min(4, m - i)
            // Rows past the end repeat the last one; their sums are not stored.
            let r = (aSlice + i &* a.rowStride, aSlice + (i + min(1, rows - 1)) &* a.rowStride,
                     aSlice + (i + min(2, rows - 1)) &* a.rowStride, aSlice + (i + min(3, rows - 1)) &* a.rowStride)
            var j = 0
            while j + 2 * lanes <= n {
                block(V.self, rows, depth, r, a.columnStride, bSlice + j, ldb, c + i &* ldc + j, ldc, wide: true)
                j += 2 * lanes
            }
            if j < n { block(V.self, rows, depth, r, a.columnStride, bSlice + j, ldb, c + i &* ldc + j, ldc, wide: false) }
            i += 4
        }
        start += slice
    }
}

/// Four rows of C by two vectors (`wide`) or one. Pointers step through A and B (no index
/// products, no overflow checks in the loop). (Not inlining it measured slower.)
@inline(__always)
private func block<S: ControllerScalar, V: SIMD<S>>(
    _: V.Type, _ rows: Int, _ k: Int, _ a: (UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>, UnsafePointer<S>),
    _ cs: Int, _ b: UnsafePointer<S>, _ ldb: Int, _ c: UnsafeMutablePointer<S>, _ ldc: Int, wide: Bool
) {
    var s00 = V(), s01 = s00, s10 = s00, s11 = s00, s20 = s00, s21 = s00, s30 = s00, s31 = s00
    var (a0, a1, a2, a3, row) = (a.0, a.1, a.2, a.3, UnsafeRawPointer(b))
    let (bytes, rowBytes) = (MemoryLayout<V>.size, ldb &* MemoryLayout<S>.stride)
    for _ in 0..<k {
        let x0 = V(repeating: a0.pointee), x1 = V(repeating: a1.pointee)
        let x2 = V(repeating: a2.pointee), x3 = V(repeating: a3.pointee)
        let b0 = row.loadUnaligned(as: V.self)
        s00.addProduct(x0, b0); s10.addProduct(x1, b0); s20.addProduct(x2, b0); s30.addProduct(x3, b0)
        if wide {
            let b1 = row.loadUnaligned(fromByteOffset: bytes, as: V.self)
            s01.addProduct(x0, b1); s11.addProduct(x1, b1); s21.addProduct(x2, b1); s31.addProduct(x3, b1)
        }
        (a0, a1, a2, a3, row) = (a0 + cs, a1 + cs, a2 + cs, a3 + cs, row + rowBytes)
    }
    func store(_ r: Int, _ first: V, _ second: V) {
        add(first, to: c + r &* ldc)
        if wide { add(second, to: c + r &* ldc + V.scalarCount) }
    }
    store(0, s00, s01)
    if rows > 1 { store(1, s10, s11) }
    if rows > 2 { store(2, s20, s21) }
    if rows > 3 { store(3, s30, s31) }
}

@inline(__always)
private func add<S: ControllerScalar, V: SIMD<S>>(_ v: V, to pointer: UnsafeMutablePointer<S>) {
    let raw = UnsafeMutableRawPointer(pointer)
    raw.storeBytes(of: raw.loadUnaligned(as: V.self) + v, as: V.self)
}

/// Σ a[j]·b[j] over n elements in one vector of partial sums (a fixed order: the same result on
/// every run).
@inline(__always)
func dot<S: ControllerScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ n: Int) -> S {
    let lanes = S.Vector.scalarCount
    var acc = S.Vector()
    var j = 0
    while j + lanes <= n {
        acc.addProduct(UnsafeRawPointer(a + j).loadUnaligned(as: S.Vector.self),
                       UnsafeRawPointer(b + j).loadUnaligned(as: S.Vector.self))
        j += lanes
    }
    var s = acc.sum()
    while j < n {
        s += a[j] * b[j]
        j += 1
    }
    return s
}

/// y[j] += α·x[j] over n elements.
@inline(__always)
func axpy<S: ControllerScalar>(_ alpha: S, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) {
    let lanes = S.Vector.scalarCount
    let av = S.Vector(repeating: alpha)
    var j = 0
    while j + lanes <= n {
        add(av * UnsafeRawPointer(x + j).loadUnaligned(as: S.Vector.self), to: y + j)
        j += lanes
    }
    while j < n {
        y[j] += alpha * x[j]
        j += 1
    }
}

// MARK: - Activations

extension ControllerScalar {
    /// σ(x) = 1/(1 + e⁻ˣ).
    @inline(__always)
    static func sigmoid(_ x: Vector) -> Vector { 1 / (1 + exponential(-x)) }

    /// tanh(x) = 1 − 2/(1 + e²ˣ) (absolute error a few ulps of 1; the gradients need no more).
    @inline(__always)
    static func hyperbolicTangent(_ x: Vector) -> Vector { 1 - 2 / (1 + exponential(2 * x)) }
}

/// The LSTM's nonlinearities, in place on `count` scalars at `pointer`, a vector at a time
/// (a short tail through a zero-padded vector).
enum Activation { case sigmoid, hyperbolicTangent }

@inline(__always)
func activate<S: ControllerScalar>(_ pointer: UnsafeMutablePointer<S>, _ count: Int, _ activation: Activation) {
    @inline(__always) func apply(_ x: S.Vector) -> S.Vector {
        switch activation {
        case .sigmoid: S.sigmoid(x)
        case .hyperbolicTangent: S.hyperbolicTangent(x)
        }
    }
    let (lanes, raw) = (S.Vector.scalarCount, UnsafeMutableRawPointer(pointer))
    var j = 0
    while j + lanes <= count {
        let offset = j * MemoryLayout<S>.stride
        raw.storeBytes(of: apply(raw.loadUnaligned(fromByteOffset: offset, as: S.Vector.self)), toByteOffset: offset, as: S.Vector.self)
        j += lanes
    }
    guard j < count else { return }
    var tail = S.Vector()
    for l in 0..<(count - j) { tail[l] = pointer[j + l] }
    let result = apply(tail)
    for l in 0..<(count - j) { pointer[j + l] = result[l] }
}
