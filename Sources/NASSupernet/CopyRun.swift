import NASModel

/// `count` consecutive floats at `path` in a path's buffer and at `shared` in the supernet's.
struct CopyRun: Equatable {
    var path: Int
    var shared: Int
    var count: Int

    /// The runs that place `tensor` in the corner of `target` (same rank, every axis no
    /// longer); the first `centred` axes are centred instead (a kernel's spatial axes). Nil when
    /// it does not fit.
    static func runs(from tensor: TensorInfo, in target: TensorInfo, centred: Int) -> [CopyRun]? {
        let (small, large) = (tensor.shape, target.shape)
        guard small.count == large.count, !small.isEmpty, zip(small, large).allSatisfy({ $0 <= $1 }) else { return nil }
        var offsets = Array(repeating: 0, count: small.count)
        for axis in 0..<min(centred, small.count) {
            let margin = large[axis] - small[axis]
            guard margin % 2 == 0 else { return nil }
            offsets[axis] = margin / 2
        }
        // Strides of the large tensor; runs along the last axis.
        var strides = Array(repeating: 1, count: large.count)
        for axis in stride(from: large.count - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * large[axis + 1] }
        let last = small[small.count - 1]
        let rows = small.dropLast().reduce(1, *)
        var runs: [CopyRun] = []
        runs.reserveCapacity(rows)
        var index = Array(repeating: 0, count: small.count - 1)
        for row in 0..<rows {
            var shared = target.offset + offsets[small.count - 1]
            for axis in index.indices { shared += (index[axis] + offsets[axis]) * strides[axis] }
            runs.append(CopyRun(path: tensor.offset + row * last, shared: shared, count: last))
            var axis = index.count - 1
            while axis >= 0 {
                index[axis] += 1
                if index[axis] < small[axis] { break }
                index[axis] = 0
                axis -= 1
            }
        }
        return runs
    }

    /// Adjacent runs joined where both sides continue each other.
    static func merged(_ runs: [CopyRun]) -> [CopyRun] {
        var result: [CopyRun] = []
        for run in runs {
            if let previous = result.last, previous.path + previous.count == run.path, previous.shared + previous.count == run.shared {
                result[result.count - 1].count += run.count
            } else {
                result.append(run)
            }
        }
        return result
    }

    static func gather(_ runs: [CopyRun], from shared: UnsafePointer<Float>, into path: UnsafeMutablePointer<Float>) {
        for run in runs { (path + run.path).update(from: shared + run.shared, count: run.count) }
    }

    static func scatter(_ runs: [CopyRun], from path: UnsafePointer<Float>, into shared: UnsafeMutablePointer<Float>) {
        for run in runs { (shared + run.shared).update(from: path + run.path, count: run.count) }
    }
}
