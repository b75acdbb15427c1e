import NASKernels

/// One named tensor inside an arena.
public struct TensorInfo: Sendable, Hashable, Codable {
    public var name: String
    public var shape: [Int]
    public var offset: Int
    public var count: Int { shape.reduce(1, *) }

    public init(name: String, shape: [Int], offset: Int) {
        self.name = name
        self.shape = shape
        self.offset = offset
    }
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

/// A buffer of activations or scratch, allocated once with slack, or a view into an
/// `ActivationPool` (which owns the memory then).
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>
    private let owned: Bool

    public init(_ count: Int) {
        self.count = count
        pointer = .allocate(capacity: count + 2 * vecWidth)
        pointer.initialize(repeating: 0, count: count + 2 * vecWidth)
        owned = true
    }

    init(view pointer: UnsafeMutablePointer<Float>, count: Int) {
        self.count = count
        self.pointer = pointer
        owned = false
    }

    deinit { if owned { pointer.deallocate() } }
}

/// Memory for the activation buffers of one model at a time, reused by the next: building a
/// model for each sampled architecture (a supernet's paths) then allocates and zeroes no
/// activation memory once the pool has grown to the largest. Buffers handed out hold what the last model left
/// there; `reset()` invalidates every one of them. Chunks are never freed before the pool.
public final class ActivationPool: @unchecked Sendable {
    private var chunks: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private var chunk = 0
    private var used = 0
    /// Floats per chunk unless one buffer needs more.
    let chunkFloats: Int
    /// Fill new chunks with NaN (tests: a kernel that reads a stale value shows).
    let poison: Bool

    public init(chunkFloats: Int = 1 << 24, poison: Bool = false) {
        self.chunkFloats = chunkFloats
        self.poison = poison
    }

    deinit { for chunk in chunks { chunk.pointer.deallocate() } }

    /// Floats held, in all chunks.
    public var capacity: Int { chunks.reduce(0) { $0 + $1.capacity } }

    /// Hands every chunk out again from the start.
    public func reset() {
        chunk = 0
        used = 0
    }

    /// A view of `count` floats plus the kernels' slack, 64-byte aligned.
    func take(_ count: Int) -> FloatBuffer {
        let need = (count + 2 * vecWidth + 15) & ~15
        while chunk < chunks.count && used + need > chunks[chunk].capacity {
            chunk += 1
            used = 0
        }
        if chunk == chunks.count {
            let capacity = max(chunkFloats, need)
            let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
            let pointer = raw.bindMemory(to: Float.self, capacity: capacity)
            pointer.initialize(repeating: poison ? .nan : 0, count: capacity)
            chunks.append((pointer, capacity))
            used = 0
        }
        defer { used += need }
        return FloatBuffer(view: chunks[chunk].pointer + used, count: count)
    }
}
