import Dispatch

/// How many threads the kernels split their work over (OpenBLAS has its own setting).
nonisolated(unsafe) public var kernelThreads = 1

/// Runs body(chunk, range) over `count` items split into at most `kernelThreads` contiguous
/// chunks; inline when one chunk suffices (small work is not worth a thread hop).
/// Returns the number of chunks, so callers can reduce per-chunk partial results.
@inline(__always) @discardableResult
public func parallelChunks(_ count: Int, minimumPerChunk: Int = 1, _ body: (Int, Range<Int>) -> Void) -> Int {
    let chunks = max(1, min(kernelThreads, count / max(1, minimumPerChunk)))
    if chunks == 1 {
        body(0, 0..<count)
        return 1
    }
    withoutActuallyEscaping(body) { body in
        // The chunks write disjoint ranges of raw buffers; the closure does not outlive the call.
        let shared = UncheckedSendable(body)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            shared.value(chunk, start..<end)
        }
    }
    return chunks
}

/// Hands a value to concurrent code whose safety the caller guarantees.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
