import CZlib

/// The idx format of (Fashion-)MNIST: a big-endian magic `00 00 08 NDIMS` (type 0x08 =
/// unsigned byte), NDIMS big-endian UInt32 sizes, then the bytes. Read through zlib, which
/// also reads uncompressed files unchanged.
public enum IDX {
    public struct Array: Sendable, Equatable {
        public var dimensions: [Int]
        public var bytes: [UInt8]
    }

    /// Reads an idx file of unsigned bytes with `dimensions` dimensions.
    public static func read(_ path: String, dimensions expected: Int) throws(DataError) -> Array {
        guard FileSystem.isFile(path) else { throw .missing(path: path, what: "idx file") }
        guard let file = gzopen(path, "rb") else { throw .io(path: path, reason: "cannot open: \(FileSystem.errnoText())") }
        defer { gzclose(file) }
        _ = gzbuffer(file, 1 << 20)

        var header = [UInt8](repeating: 0, count: 4)
        let got = try readBytes(file, path: path, into: &header, count: 4)
        guard got == 4 else { throw .truncated(path: path, expected: 4, got: got) }
        let magic = header.reduce(0) { $0 << 8 | UInt32($1) }
        let wanted = 0x0800 | UInt32(expected)
        guard magic == wanted else {
            throw .badFormat(path: path, reason: "bad idx magic 0x\(hex(magic)) (expected 0x\(hex(wanted)): unsigned bytes, \(expected) dimensions)")
        }
        var sizes = [UInt8](repeating: 0, count: 4 * expected)
        let gotSizes = try readBytes(file, path: path, into: &sizes, count: sizes.count)
        guard gotSizes == sizes.count else { throw .truncated(path: path, expected: 4 + sizes.count, got: 4 + gotSizes) }
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<expected {
            let size = Int(sizes[4 * d..<4 * d + 4].reduce(0) { $0 << 8 | UInt32($1) })
            guard size > 0 else { throw .badFormat(path: path, reason: "idx dimension \(d) is 0") }
            dimensions.append(size)
            total = total.multipliedReportingOverflow(by: size).partialValue
        }
        guard total <= 1 << 34 else { throw .badFormat(path: path, reason: "idx sizes \(dimensions) are implausibly large") }
        var bytes = [UInt8](repeating: 0, count: total)
        let gotData = try readBytes(file, path: path, into: &bytes, count: total)
        let headerSize = 4 + sizes.count
        guard gotData == total else { throw .truncated(path: path, expected: headerSize + total, got: headerSize + gotData) }
        return Array(dimensions: dimensions, bytes: bytes)
    }

    /// gzread in chunks (it takes a 32-bit length); returns the bytes read before EOF.
    private static func readBytes(_ file: gzFile, path: String, into buffer: inout [UInt8], count: Int) throws(DataError) -> Int {
        var done = 0
        let error: String? = buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = gzread(file, raw.baseAddress! + done, UInt32(min(count - done, 1 << 30)))
                if n < 0 {
                    var code: Int32 = 0
                    return String(cString: gzerror(file, &code))
                }
                if n == 0 { break }
                done += Int(n)
            }
            return nil
        }
        if let error { throw .badFormat(path: path, reason: "corrupt gzip data: \(error)") }
        return done
    }

    private static func hex(_ value: UInt32) -> String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}

enum FashionMNIST {
    static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                             "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

    /// Train and test sets, zero-padded from 28×28 to 32×32 so the usual stride-32 networks
    /// see a power-of-two input.
    static func load(directory: String) throws(DataError) -> (train: ImageSet, test: ImageSet) {
        guard FileSystem.isDirectory(directory) else {
            throw .missing(path: directory, what: "Fashion-MNIST directory; install Debian's dataset-fashion-mnist")
        }
        func file(_ stem: String) -> String {
            let gz = "\(directory)/\(stem).gz"
            return FileSystem.isFile(gz) || !FileSystem.isFile("\(directory)/\(stem)") ? gz : "\(directory)/\(stem)"
        }
        let train = try pair(images: file("train-images-idx3-ubyte"), labels: file("train-labels-idx1-ubyte"))
        let test = try pair(images: file("t10k-images-idx3-ubyte"), labels: file("t10k-labels-idx1-ubyte"))
        return (train, test)
    }

    static let padding = 2

    /// Whether `directory` holds the training images' idx file (gzipped or not).
    static func isRelease(_ directory: String) -> Bool {
        FileSystem.isFile("\(directory)/train-images-idx3-ubyte.gz") || FileSystem.isFile("\(directory)/train-images-idx3-ubyte")
    }

    static func pair(images imagesPath: String, labels labelsPath: String, pad: Int = padding) throws(DataError) -> ImageSet {
        let images = try IDX.read(imagesPath, dimensions: 3)
        let labels = try IDX.read(labelsPath, dimensions: 1)
        let (n, h, w) = (images.dimensions[0], images.dimensions[1], images.dimensions[2])
        guard labels.dimensions[0] == n else {
            throw .badFormat(path: labelsPath, reason: "\(labels.dimensions[0]) labels for \(n) images in \(imagesPath)")
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classNames.count }) {
            throw .badFormat(path: labelsPath, reason: "label \(labels.bytes[bad]) of item \(bad) is not a class 0..<\(classNames.count)")
        }
        let (ph, pw) = (h + 2 * pad, w + 2 * pad)
        var pixels = [UInt8](repeating: 0, count: n * ph * pw)
        images.bytes.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    for y in 0..<h {
                        UnsafeMutableRawPointer(dst.baseAddress! + (i * ph + y + pad) * pw + pad)
                            .copyMemory(from: src.baseAddress! + (i * h + y) * w, byteCount: w)
                    }
                }
            }
        }
        return ImageSet(height: ph, width: pw, channels: 1, pixels: pixels,
                        labels: labels.bytes.map { Int32($0) }, classNames: classNames)
    }
}
