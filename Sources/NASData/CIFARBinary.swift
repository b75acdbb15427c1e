/// CIFAR-10's binary release (cifar-10-batches-bin): records of 1 label byte and 3072 pixel
/// bytes stored channel-major (the R plane, then G, then B, each 32×32 row-major).
enum CIFARBinary {
    static let side = 32
    static let recordSize = 1 + 3 * 32 * 32
    static let defaultClassNames = ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]

    static func isRelease(_ directory: String, in files: some FileTree) -> Bool { files.isFile("\(directory)/data_batch_1.bin") }

    static func load(directory: String, in files: some FileTree) throws(DataError) -> (train: ImageSet, test: ImageSet?) {
        let classNames = try readClassNames(directory, in: files)
        // data_batch_1.bin, data_batch_2.bin, ... in numeric order (5 in the official release).
        var batches: [String] = []
        while files.isFile("\(directory)/data_batch_\(batches.count + 1).bin") {
            batches.append("\(directory)/data_batch_\(batches.count + 1).bin")
        }
        guard !batches.isEmpty else { throw .missing(path: "\(directory)/data_batch_1.bin", what: "CIFAR-10 binary batch") }
        let train = try read(batches, in: files, classNames: classNames)
        let testPath = "\(directory)/test_batch.bin"
        let test = files.isFile(testPath) ? try read([testPath], in: files, classNames: classNames) : nil
        return (train, test)
    }

    static func readClassNames(_ directory: String, in files: some FileTree) throws(DataError) -> [String] {
        let path = "\(directory)/batches.meta.txt"
        guard files.isFile(path) else { return defaultClassNames }
        let text = String(decoding: try files.readAll(path), as: UTF8.self)
        let names = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters() }
            .filter { !$0.isEmpty }
        guard !names.isEmpty else { throw .badFormat(path: path, reason: "no class names") }
        return names
    }

    static func read(_ paths: [String], in files: some FileTree, classNames: [String]) throws(DataError) -> ImageSet {
        let plane = side * side
        var pixels: [UInt8] = []
        var labels: [Int32] = []
        var buffer: [UInt8] = []
        for path in paths {
            let size = try files.read(path, into: &buffer)
            guard size % recordSize == 0, size > 0 else {
                throw .badFormat(path: path, reason: "\(size) bytes is not a whole number of \(recordSize)-byte CIFAR-10 records")
            }
            let records = size / recordSize
            let start = labels.count
            pixels.appendZeros(records * 3 * plane)
            for r in 0..<records {
                let label = buffer[r * recordSize]
                guard Int(label) < classNames.count else {
                    throw .badFormat(path: path, reason: "record \(r) has label \(label) but there are \(classNames.count) classes")
                }
                labels.append(Int32(label))
            }
            // Planar RGB -> interleaved (NHWC).
            buffer.withUnsafeBufferPointer { src in
                pixels.withUnsafeMutableBufferPointer { dst in
                    for r in 0..<records {
                        let record = src.baseAddress! + r * recordSize + 1
                        let out = dst.baseAddress! + (start + r) * 3 * plane
                        for p in 0..<plane {
                            out[3 * p] = record[p]
                            out[3 * p + 1] = record[plane + p]
                            out[3 * p + 2] = record[2 * plane + p]
                        }
                    }
                }
            }
        }
        return ImageSet(height: side, width: side, channels: 3, pixels: pixels, labels: labels, classNames: classNames)
    }
}

extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
