import Dispatch
import Foundation
import Synchronization

/// How many threads the kernels split their work over. OpenBLAS itself stays on one
/// thread: the kernels split GEMMs themselves (`gemm`), so one pool of threads does all the
/// work and never competes with a second one.
nonisolated(unsafe) public private(set) var kernelThreads = 1

/// Sets the threads for every kernel, GEMMs included.
public func configureThreads(_ count: Int) {
    kernelThreads = max(1, count)
    setBLASThreads(1)
    WorkerPool.shared.ensureWorkers(kernelThreads - 1)
}

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
        WorkerPool.shared.run(chunks: chunks) { chunk in
            body(chunk, (count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }
    return chunks
}

/// Persistent workers that spin briefly between jobs and then sleep: a step calls the
/// pool hundreds of times for a few microseconds of work each, which a queue hop per call
/// would dominate. The caller runs chunk 0 itself. Not reentrant: a call made while the
/// pool is busy (another thread, or from inside a chunk) runs its chunks inline.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    /// Per worker: whether it sleeps, and what wakes it.
    private final class Slot: Sendable {
        let sleeping = Atomic<Bool>(false)
        let semaphore = DispatchSemaphore(value: 0)
    }
    private let slots: [Slot] = (0..<64).map { _ in Slot() }
    private var started = 0
    private let startLock = Mutex(())
    /// The current job; published by the release on `generation`.
    nonisolated(unsafe) private var job: ((Int) -> Void)?
    nonisolated(unsafe) private var jobChunks = 0
    private static let spinLimit = 200_000


    func ensureWorkers(_ count: Int) {
        startLock.withLock { _ in
            while started < min(count, 63) {
                let index = started + 1
                // The worker starts from the generation of now: read inside the thread, it could
                // already include a job posted before the thread ran, which it would then miss.
                let current = generation.load(ordering: .acquiring)
                let thread = Thread { [unowned self] in self.work(index: index, from: current) }
                thread.stackSize = 1 << 20
                thread.start()
                started += 1
            }
        }
    }

    func run(chunks: Int, _ body: (Int) -> Void) {
        guard chunks - 1 <= started, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        withoutActuallyEscaping(body) { body in
            job = body
            jobChunks = chunks
            pending.store(started, ordering: .relaxed)
            generation.add(1, ordering: .releasing)
            for worker in 1...started where slots[worker].sleeping.load(ordering: .sequentiallyConsistent) {
                slots[worker].semaphore.signal()
            }
            body(0)
            while pending.load(ordering: .acquiring) > 0 {}
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    private func work(index: Int, from start: Int) {
        var seen = start
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins >= Self.spinLimit {
                    slots[index].sleeping.store(true, ordering: .sequentiallyConsistent)
                    if generation.load(ordering: .sequentiallyConsistent) == seen { slots[index].semaphore.wait() }
                    slots[index].sleeping.store(false, ordering: .sequentiallyConsistent)
                    spins = 0
                }
            }
            seen = generation.load(ordering: .acquiring)
            if index < jobChunks, let job { job(index) }
            pending.subtract(1, ordering: .releasing)
        }
    }
}
