/// Vector width of the kernels: 16 floats (one AVX-512 register, two AVX2 registers).
public typealias Vec = SIMD16<Float>
public let vecWidth = 16

/// e^x for 16 lanes: range reduction to r in [-ln2/2, ln2/2] and Cephes' degree-6
/// polynomial; relative error about 2e-7, no libm calls.
@inlinable @inline(__always)
public func vexp(_ x: Vec) -> Vec {
    let x = vclamp(x, -87.3, 88.3)
    // Round x·log2(e) to an integer n with the 1.5·2^23 trick: adding it leaves n in the low
    // mantissa bits (stdlib's SIMD rounding and Float→Int conversions go lane by lane).
    let magic = Vec(repeating: 0x1.8p23)
    let shifted = x * 1.442_695_04 + magic
    let n = shifted - magic
    var r = x - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    var p = Vec(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 0.166_666_655
    p = p * r + 0.500_000_01
    let y = p * r * r + r + 1
    let exponent = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return y * unsafeBitCast(exponent, to: Vec.self)
}

/// Clamp with compare-and-blend: stdlib's SIMD min/max/clamped go lane by lane (NaN rules).
@inlinable @inline(__always)
public func vclamp(_ x: Vec, _ low: Float, _ high: Float) -> Vec {
    let lowered = x.replacing(with: low, where: x .< low)
    return lowered.replacing(with: high, where: lowered .> high)
}

@inlinable @inline(__always) public func vsigmoid(_ x: Vec) -> Vec { 1 / (1 + vexp(-x)) }

/// Activations the kernels fuse with batch norm. `.identity` is for projection convs.
public enum ActivationKind: Sendable, Hashable {
    case identity, swish, relu, relu6, sigmoid

    /// f(z), by the activation's type (one definition of each function, in the types below).
    @inline(__always)
    public func apply(_ z: Vec) -> Vec {
        switch self {
        case .identity: IdentityActivation.apply(z)
        case .swish: SwishActivation.apply(z)
        case .relu: ReLUActivation.apply(z)
        case .relu6: ReLU6Activation.apply(z)
        case .sigmoid: SigmoidActivation.apply(z)
        }
    }

    /// dy · f'(z)
    @inline(__always)
    public func backward(_ z: Vec, _ dy: Vec) -> Vec {
        switch self {
        case .identity: IdentityActivation.backward(z, dy)
        case .swish: SwishActivation.backward(z, dy)
        case .relu: ReLUActivation.backward(z, dy)
        case .relu6: ReLU6Activation.backward(z, dy)
        case .sigmoid: SigmoidActivation.backward(z, dy)
        }
    }
}

/// Activation functions as types: one definition of each, which kernels reach through
/// `ActivationKind` (a switch LLVM hoists out of their loops).
public protocol ActivationFunction {
    static func apply(_ z: Vec) -> Vec
    static func backward(_ z: Vec, _ dy: Vec) -> Vec
}

public enum IdentityActivation: ActivationFunction {
    @inlinable @inline(__always) public static func apply(_ z: Vec) -> Vec { z }
    @inlinable @inline(__always) public static func backward(_ z: Vec, _ dy: Vec) -> Vec { dy }
}

public enum SwishActivation: ActivationFunction {
    @inlinable @inline(__always) public static func apply(_ z: Vec) -> Vec { z * vsigmoid(z) }
    @inlinable @inline(__always) public static func backward(_ z: Vec, _ dy: Vec) -> Vec {
        let s = vsigmoid(z)
        return dy * s * (1 + z * (1 - s))
    }
}

public enum ReLUActivation: ActivationFunction {
    @inlinable @inline(__always) public static func apply(_ z: Vec) -> Vec { z.replacing(with: 0, where: z .< 0) }
    @inlinable @inline(__always) public static func backward(_ z: Vec, _ dy: Vec) -> Vec { dy.replacing(with: 0, where: z .<= 0) }
}

public enum ReLU6Activation: ActivationFunction {
    @inlinable @inline(__always) public static func apply(_ z: Vec) -> Vec { vclamp(z, 0, 6) }
    @inlinable @inline(__always) public static func backward(_ z: Vec, _ dy: Vec) -> Vec {
        dy.replacing(with: 0, where: (z .<= 0) .| (z .>= 6))
    }
}

public enum SigmoidActivation: ActivationFunction {
    @inlinable @inline(__always) public static func apply(_ z: Vec) -> Vec { vsigmoid(z) }
    @inlinable @inline(__always) public static func backward(_ z: Vec, _ dy: Vec) -> Vec {
        let s = vsigmoid(z)
        return dy * s * (1 - s)
    }
}

/// body(i, lanes) for i = 0, 16, 32, … below count, split over the kernel threads;
/// `lanes` is how many of the 16 are inside count (reads may use the buffers' slack).
@inline(__always)
public func forEachVector(_ count: Int, _ body: (Int, Int) -> Void) {
    let vectors = (count + vecWidth - 1) / vecWidth
    parallelChunks(vectors, minimumPerChunk: 2048) { _, range in
        for v in range {
            let i = v * vecWidth
            body(i, min(vecWidth, count - i))
        }
    }
}

/// Sets count floats to zero, split over the kernel threads.
public func parallelZero(_ p: UnsafeMutablePointer<Float>, count: Int) {
    parallelChunks(count, minimumPerChunk: 1 << 16) { _, range in
        (p + range.lowerBound).update(repeating: 0, count: range.count)
    }
}

/// y[i] = f(x[i]) over a flat array (x and y may alias). Never inlined, like the kernels' other
/// activation loops: inside a function this small the activation and its exp inline into one
/// tight loop, where in a bigger kernel loop Swift's inliner left a call per vector (and the
/// vector spilled around it).
@inline(never)
public func applyActivation(_ kind: ActivationKind, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i < count {
        store(kind.apply(load(x + i)), y + i, min(vecWidth, count - i))
        i += vecWidth
    }
}

/// dy[i] = dy[i] · f'(z[i]) over a flat array (never inlined, as `applyActivation`).
@inline(never)
public func applyActivationBackward(_ kind: ActivationKind, _ z: UnsafePointer<Float>, _ dy: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i < count {
        store(kind.backward(load(z + i), load(dy + i)), dy + i, min(vecWidth, count - i))
        i += vecWidth
    }
}

/// Loads 16 floats (buffers carry 16 floats of slack, so a row's last vector may read
/// past its end).
@inlinable @inline(__always)
public func load(_ p: UnsafePointer<Float>) -> Vec { UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }

/// Stores the first `count` lanes. Channel counts are multiples of 8, so the tail is half a
/// vector; anything else goes through a separate function that keeps lane-by-lane access
/// (which forces the vector through memory) out of the hot loops.
@inlinable @inline(__always)
public func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ count: Int = vecWidth) {
    if count >= vecWidth {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
    } else if count == 8 {
        UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf, as: SIMD8<Float>.self)
    } else {
        storePartial(v, p, count)
    }
}

@inline(never)
public func storePartial(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
    for i in 0..<count { p[i] = v[i] }
}
