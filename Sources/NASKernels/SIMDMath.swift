/// Vector width of the kernels: 16 floats (one AVX-512 register, two AVX2 registers).
public typealias Vec = SIMD16<Float>
public let vecWidth = 16

/// e^x for 16 lanes: range reduction to r in [-ln2/2, ln2/2] and Cephes' degree-6
/// polynomial; relative error about 2e-7, no libm calls.
@inline(__always)
public func vexp(_ x: Vec) -> Vec {
    let x = x.clamped(lowerBound: Vec(repeating: -87.3), upperBound: Vec(repeating: 88.3))
    let n = (x * 1.442_695_04).rounded(.toNearestOrEven)
    var r = x - n * 0.693_359_375
    r = r + n * 2.121_944_4e-4
    var p = Vec(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 0.166_666_655
    p = p * r + 0.500_000_01
    let y = p * r * r + r + 1
    let bits = (SIMD16<Int32>(n, rounding: .towardZero) &+ 127) &<< 23
    return y * unsafeBitCast(bits, to: Vec.self)
}

@inline(__always) public func vsigmoid(_ x: Vec) -> Vec { 1 / (1 + vexp(-x)) }

@inline(__always) public func scalarSigmoid(_ x: Float) -> Float {
    var v = Vec(repeating: 0)
    v[0] = x
    return vsigmoid(v)[0]
}

/// Activations the kernels fuse with batch norm. `.identity` is for projection convs.
public enum ActivationKind: Sendable, Hashable {
    case identity, swish, relu, relu6, sigmoid

    /// f(z)
    @inline(__always)
    public func apply(_ z: Vec) -> Vec {
        switch self {
        case .identity: return z
        case .swish: return z * vsigmoid(z)
        case .relu: return z.replacing(with: 0, where: z .< 0)
        case .relu6: return z.clamped(lowerBound: Vec(repeating: 0), upperBound: Vec(repeating: 6))
        case .sigmoid: return vsigmoid(z)
        }
    }

    /// dy · f'(z)
    @inline(__always)
    public func backward(_ z: Vec, _ dy: Vec) -> Vec {
        switch self {
        case .identity: return dy
        case .swish:
            let s = vsigmoid(z)
            return dy * s * (1 + z * (1 - s))
        case .relu: return dy.replacing(with: 0, where: z .<= 0)
        case .relu6: return dy.replacing(with: 0, where: (z .<= 0) .| (z .>= 6))
        case .sigmoid:
            let s = vsigmoid(z)
            return dy * s * (1 - s)
        }
    }

    @inline(__always) public func apply(_ z: Float) -> Float { apply(Vec(repeating: z))[0] }
    @inline(__always) public func backward(_ z: Float, _ dy: Float) -> Float {
        backward(Vec(repeating: z), Vec(repeating: dy))[0]
    }
}

/// Loads/stores 16 floats, or the first `count` (< 16) with the rest zero.
@inline(__always)
func load(_ p: UnsafePointer<Float>, _ count: Int = vecWidth) -> Vec {
    if count == vecWidth { return UnsafeRawPointer(p).loadUnaligned(as: Vec.self) }
    var v = Vec(repeating: 0)
    for i in 0..<count { v[i] = p[i] }
    return v
}

@inline(__always)
func store(_ v: Vec, _ p: UnsafeMutablePointer<Float>, _ count: Int = vecWidth) {
    if count == vecWidth {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self)
        return
    }
    for i in 0..<count { p[i] = v[i] }
}
