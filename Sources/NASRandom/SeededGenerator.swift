/// xoshiro256** (Blackman & Vigna): fast, good quality, and its whole state is four words,
/// so a run can save it and resume the exact same stream. Every random choice in SwiftNAS
/// (initialization, shuffling, augmentation, dropout, sampling) draws from one of these.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Hashable, Codable {
    public var state: [UInt64]

    public init(seed: UInt64) {
        // SplitMix64 expands the seed so that nearby seeds give unrelated streams.
        var expander = SplitMix64(seed: seed)
        state = [expander.next(), expander.next(), expander.next(), expander.next()]
    }

    /// Restores a saved state (four words, not all zero).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "invalid xoshiro256 state")
        self.state = state
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
        return result
    }

    /// Uniform in [0, 1) with 24 bits of precision.
    @inline(__always)
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Standard normal (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * 0x1p-53, 1e-300)
        let u2 = Double(next() >> 11) * 0x1p-53
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }
}

/// SplitMix64 (Steele, Lea & Flood): one word of state. It expands seeds for
/// `SeededGenerator`, derives per-trial seeds (`SplitMix64.mix`), and drives small tests.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.finalize(state)
    }

    /// The generator's output function: a well-mixed 64-bit hash of `value`.
    public static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The `index`-th output (from 1) of a generator seeded with `seed`, without stepping one.
    public static func output(seed: UInt64, index: UInt64) -> UInt64 {
        finalize(seed &+ 0x9E37_79B9_7F4A_7C15 &* index)
    }
}

@inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

#if canImport(Glibc)
    import Glibc
    @inline(__always) private func _log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) private func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
    import Darwin
    @inline(__always) private func _log(_ x: Double) -> Double { Darwin.log(x) }
    @inline(__always) private func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
