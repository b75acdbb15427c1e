import Synchronization

/// Memory reused from pass to pass: a pass over 64 samples needs ~10 MB, and fresh pages cost
/// a fault each (a quarter of an update's time before the pool). Thread-safe; keeps at most
/// `kept` blocks.
final class BufferPool: Sendable {
    final class Block: @unchecked Sendable {
        let raw: UnsafeMutableRawPointer
        let bytes: Int

        init(bytes: Int) {
            self.bytes = bytes
            raw = .allocate(byteCount: bytes, alignment: 64)
        }

        deinit { raw.deallocate() }
    }

    private let free = Mutex<[Block]>([])
    private static let kept = 32

    /// The smallest free block of at least `bytes`, or a new one.
    func take(bytes: Int) -> Block {
        let found = free.withLock { blocks -> Block? in
            let fitting = blocks.indices.filter { blocks[$0].bytes >= bytes }
            guard let index = fitting.min(by: { blocks[$0].bytes < blocks[$1].bytes }) else { return nil }
            return blocks.remove(at: index)
        }
        return found ?? Block(bytes: max(bytes, 64))
    }

    func give(_ block: Block) {
        free.withLock { blocks in
            blocks.append(block)
            if blocks.count > Self.kept { blocks.removeFirst() }
        }
    }
}

/// The forward pass of the last sampled batch. REINFORCE's first gradient pass runs over the
/// same θ and the same architectures and would compute it again — bit for bit, as each
/// sample's rows are computed the same whatever the batch — so it takes it instead, once (the
/// backward pass overwrites the tape). A resumed search has no cache and computes it: the same.
final class ForwardCache: Sendable {
    private struct Entry: @unchecked Sendable {
        var theta: [Double], actions: [[Int]], batch: AnyObject
    }

    private let entry = Mutex<Entry?>(nil)

    func keep(theta: [Double], actions: [[Int]], _ batch: AnyObject) {
        entry.withLock { $0 = Entry(theta: theta, actions: actions, batch: batch) }
    }

    /// The kept pass if it was over `actions` with `theta`; the cache is empty afterwards.
    func take(theta: [Double], actions: [[Int]]) -> AnyObject? {
        entry.withLock { entry in
            defer { entry = nil }
            guard let kept = entry, kept.actions == actions, kept.theta == theta else { return nil }
            return kept.batch
        }
    }
}

/// `count` scalars of one pass, in a block of the pool given back when the buffer goes; only
/// `zeroed` ones are cleared.
final class Buffer<Scalar>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Scalar>
    private let block: BufferPool.Block
    private let pool: BufferPool

    init(_ count: Int, zeroed: Bool = true, pool: BufferPool) {
        (block, self.pool) = (pool.take(bytes: count * MemoryLayout<Scalar>.stride), pool)
        pointer = block.raw.bindMemory(to: Scalar.self, capacity: max(count, 1))
        if zeroed { memset(block.raw, 0, count * MemoryLayout<Scalar>.stride) }
    }

    deinit { pool.give(block) }
}

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif
