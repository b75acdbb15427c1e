import NASKernels

/// One named tensor inside an arena.
public struct TensorInfo: Sendable, Hashable, Codable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var count: Int { shape.reduce(1, *) }
}

/// One allocation for many tensors (parameters, their gradients, BN statistics), so an
/// optimizer step is a loop over one buffer and a checkpoint is one write. 16 floats of
/// slack at the end let the kernels read whole vectors past a tensor's last element.
public final class Arena: @unchecked Sendable {
    public private(set) var tensors: [TensorInfo] = []
    public private(set) var count = 0
    public private(set) var base: UnsafeMutablePointer<Float>?

    public init() {}
    deinit { base?.deallocate() }

    /// Reserves a tensor; returns its offset. Only before `allocate()`.
    @discardableResult
    public func reserve(_ name: String, _ shape: [Int]) -> Int {
        precondition(base == nil, "arena already allocated")
        let info = TensorInfo(name: name, shape: shape, offset: count)
        tensors.append(info)
        count += info.count
        return info.offset
    }

    public func allocate() {
        precondition(base == nil)
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: count + 2 * vecWidth)
        memory.initialize(repeating: 0, count: count + 2 * vecWidth)
        base = memory
    }

    @inline(__always) public subscript(offset: Int) -> UnsafeMutablePointer<Float> { base! + offset }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: base!, count: count) }

    public func zero() { parallelZero(base!, count: count) }

    public func copy(from other: Arena) {
        precondition(other.count == count)
        base!.update(from: other.base!, count: count)
    }
}

/// A buffer of activations or scratch, allocated once with slack.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    public init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: count + 2 * vecWidth)
        pointer.initialize(repeating: 0, count: count + 2 * vecWidth)
    }
    deinit { pointer.deallocate() }
}
