import Dispatch
import Foundation

/// A class-per-folder tree: ROOT/train/<class>/*.jpg|jpeg|png and optionally
/// ROOT/test/<class>/... , or without a train folder ROOT/<class>/... (no test split).
/// Classes are the train subfolders sorted by name; files are sorted by name within a class.
struct FolderTree {
    var root: String
    var classNames: [String]
    var trainFiles: [String]
    var trainLabels: [Int32]
    var testFiles: [String]
    var testLabels: [Int32]
    /// Digest of every image's relative path, size and modification time: the cache key.
    var fingerprint: String

    /// A class folder needs at least this many classes: one class is nothing to learn.
    static let minimumClasses = 2

    static func isTree(_ directory: String, in files: some FileTree) -> Bool { files.isDirectory("\(directory)/train") }

    /// ROOT/<class>/ with no train folder: some subfolder holds an image by its extension.
    static func isFlat(_ directory: String, in files: some FileTree) -> Bool {
        guard !isTree(directory, in: files), let names = try? files.list(directory) else { return false }
        return names.contains { name in
            let folder = "\(directory)/\(name)"
            return files.isDirectory(folder) && ((try? files.list(folder)) ?? []).contains { isImageName($0) && files.isFile("\(folder)/\($0)") }
        }
    }

    static func isImageName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        return ImageDecoder.extensions.contains(name[name.index(after: dot)...].lowercased())
    }

    /// The class folders' names: ROOT/train's subfolders, or ROOT's own for a flat tree.
    static func classNames(_ root: String, in fileTree: some FileTree) throws(DataError) -> [String] {
        let classDir = isTree(root, in: fileTree) ? "\(root)/train" : root
        return try fileTree.list(classDir).filter { fileTree.isDirectory("\(classDir)/\($0)") }
    }

    static func scan(_ root: String, in fileTree: some FileTree) throws(DataError) -> FolderTree {
        var hasher = FNV1a()
        var totalBytes = 0
        let flat = !isTree(root, in: fileTree)
        let trainDir = flat ? root : "\(root)/train"
        guard fileTree.isDirectory(trainDir) else { throw .missing(path: trainDir, what: "directory of class folders") }
        let classNames = try Self.classNames(root, in: fileTree)
        guard classNames.count >= minimumClasses else {
            throw .badFormat(path: trainDir, reason: classNames.isEmpty ? "no class folders"
                : "one class folder (\(classNames[0])): a classifier needs at least \(minimumClasses) classes, one folder of images each")
        }

        func images(in dir: String, relative: String) throws(DataError) -> [String] {
            var files: [String] = []
            for name in try fileTree.list(dir) where isImageName(name) {
                let path = "\(dir)/\(name)"
                guard let st = fileTree.status(path), st.isFile else { continue }
                hasher.add("\(relative)/\(name)\t\(st.size)\t\(st.modified)\n")
                totalBytes += st.size
                files.append(path)
            }
            return files
        }

        var tree = FolderTree(root: root, classNames: classNames, trainFiles: [], trainLabels: [], testFiles: [], testLabels: [],
                              fingerprint: "")
        for (label, name) in classNames.enumerated() {
            let files = try images(in: "\(trainDir)/\(name)", relative: flat ? name : "train/\(name)")
            guard !files.isEmpty else { throw .badFormat(path: "\(trainDir)/\(name)", reason: "class folder has no .jpg/.jpeg/.png images") }
            tree.trainFiles += files
            tree.trainLabels += [Int32](repeating: Int32(label), count: files.count)
        }
        let testDir = "\(root)/test"
        if !flat, fileTree.isDirectory(testDir) {
            for name in try fileTree.list(testDir) where fileTree.isDirectory("\(testDir)/\(name)") {
                guard let label = classNames.firstIndex(of: name) else {
                    throw .badFormat(path: "\(testDir)/\(name)", reason: "test class '\(name)' is not among the train classes")
                }
                let files = try images(in: "\(testDir)/\(name)", relative: "test/\(name)")
                tree.testFiles += files
                tree.testLabels += [Int32](repeating: Int32(label), count: files.count)
            }
        }
        tree.fingerprint = "\(tree.trainFiles.count + tree.testFiles.count) files, \(totalBytes) bytes, digest \(hasher.hex)"
        return tree
    }

    /// Decodes every image at the first image's size (others are resampled to it); the result
    /// has 1 channel if every image is grayscale, else 3 (gray images are replicated to RGB).
    func load(from fileTree: some FileTree, progress: ProgressReporter?) throws(DataError) -> (train: ImageSet, test: ImageSet?) {
        let files = trainFiles + testFiles
        let decoded = try ParallelDecoder.decode(files, in: fileTree, progress: progress)
        let size = decoded.height * decoded.width * decoded.channels
        var pixels = decoded.pixels
        let testPixels = Array(pixels[(trainFiles.count * size)...])
        pixels.removeLast(testFiles.count * size)
        let train = ImageSet(height: decoded.height, width: decoded.width, channels: decoded.channels, pixels: pixels,
                             labels: trainLabels, classNames: classNames)
        let test = testFiles.isEmpty ? nil : ImageSet(height: decoded.height, width: decoded.width, channels: decoded.channels,
                                                      pixels: testPixels, labels: testLabels, classNames: classNames)
        return (train, test)
    }
}

/// Reports `(done, total)` from any thread, serialized and in increasing order.
final class ProgressReporter: @unchecked Sendable {
    private let lock = NSLock()
    private let callback: @Sendable (Int, Int) -> Void
    private var done = 0
    private let total: Int

    init(total: Int, _ callback: @escaping @Sendable (Int, Int) -> Void) {
        self.total = total
        self.callback = callback
    }

    func advance(by n: Int) {
        lock.lock()
        defer { lock.unlock() }
        done += n
        callback(done, total)
    }
}

enum ParallelDecoder {
    /// One contiguous run of files decoded by one task into its own buffer, each image in
    /// its source's channel count (merged afterwards, when the final count is known).
    private final class Chunk: @unchecked Sendable {
        let range: Range<Int>
        var pixels: [UInt8] = []
        var channels: [UInt8] = []
        var failure: (index: Int, error: DataError)?
        init(range: Range<Int>) { self.range = range }
    }

    static func header(_ file: String, in fileTree: some FileTree) throws(DataError) -> ImageDecoder.Header {
        let bytes = try fileTree.readAll(file)
        return try bytes.withBytes { raw throws(DataError) in try ImageDecoder().header(raw, path: file) }
    }

    /// Decodes one image at the end of `chunk`'s pixels, resampled to height × width when it
    /// is another size (decoded into `scratch` first).
    private static func append(_ raw: UnsafeRawBufferPointer, header: ImageDecoder.Header, path: String, height: Int, width: Int,
                               decoder: ImageDecoder, scratch: inout [UInt8], to chunk: Chunk) throws(DataError) {
        let start = chunk.pixels.count
        chunk.pixels.appendZeros(height * width * header.channels)
        if header.width == width, header.height == height {
            try chunk.pixels.withMutableBuffer { out throws(DataError) in
                try decoder.decode(raw, header: header, channels: header.channels, into: out.baseAddress! + start, path: path)
            }
        } else {
            scratch.appendZeros(max(0, header.height * header.width * header.channels - scratch.count))
            try scratch.withMutableBuffer { image throws(DataError) in
                try decoder.decode(raw, header: header, channels: header.channels, into: image.baseAddress!, path: path)
            }
            scratch.withUnsafeBufferPointer { image in
                chunk.pixels.withUnsafeMutableBufferPointer { out in
                    ImageResize.bilinear(image.baseAddress!, height: header.height, width: header.width, channels: header.channels,
                                         into: out.baseAddress! + start, height: height, width: width)
                }
            }
        }
        chunk.channels.append(UInt8(header.channels))
    }

    static func decode(_ files: [String], in fileTree: some FileTree, progress: ProgressReporter?)
        throws(DataError) -> (pixels: [UInt8], height: Int, width: Int, channels: Int)
    {
        precondition(!files.isEmpty)
        // The first image fixes the size: others are resampled to it.
        let first = try header(files[0], in: fileTree)
        let (height, width) = (first.height, first.width)

        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunkCount = min(files.count, workers * 8)
        let chunks = (0..<chunkCount).map { c in
            Chunk(range: files.count * c / chunkCount..<files.count * (c + 1) / chunkCount)
        }
        // Lowest failing file index so far: chunks after it stop early.
        let firstFailure = LockedMinimum()
        DispatchQueue.concurrentPerform(iterations: chunkCount) { c in
            let chunk = chunks[c]
            let decoder = ImageDecoder()
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            var scratch: [UInt8] = []
            chunk.pixels.reserveCapacity(chunk.range.count * height * width * 3)
            var reported = 0
            for i in chunk.range {
                if (i - chunk.range.lowerBound) % 64 == 0, firstFailure.value < chunk.range.lowerBound { return }
                do throws(DataError) {
                    let n = try fileTree.read(files[i], into: &buffer)
                    try buffer.withBytes { all throws(DataError) in
                        let raw = UnsafeRawBufferPointer(rebasing: all[..<n])
                        let header = try decoder.header(raw, path: files[i])
                        try append(raw, header: header, path: files[i], height: height, width: width, decoder: decoder,
                                   scratch: &scratch, to: chunk)
                    }
                } catch {
                    chunk.failure = (i, error)
                    firstFailure.lower(to: i)
                    return
                }
                if let progress, (i + 1 - chunk.range.lowerBound - reported) >= 256 || i + 1 == chunk.range.upperBound {
                    progress.advance(by: i + 1 - chunk.range.lowerBound - reported)
                    reported = i + 1 - chunk.range.lowerBound
                }
            }
        }
        if let failure = chunks.compactMap(\.failure).min(by: { $0.index < $1.index }) { throw failure.error }

        let channels = chunks.contains { $0.channels.contains(3) } ? 3 : 1
        let plane = height * width
        var pixels = [UInt8](repeating: 0, count: files.count * plane * channels)
        pixels.withUnsafeMutableBufferPointer { out in
            var dst = out.baseAddress!
            for chunk in chunks {
                chunk.pixels.withUnsafeBufferPointer { src in
                    var from = src.baseAddress!
                    for sourceChannels in chunk.channels {
                        if Int(sourceChannels) == channels {
                            dst.update(from: from, count: plane * channels)
                        } else {
                            // Gray into an RGB set: replicate, as decoding it as RGB would.
                            for p in 0..<plane { (dst + 3 * p).update(repeating: from[p], count: 3) }
                        }
                        dst += plane * channels
                        from += plane * Int(sourceChannels)
                    }
                }
                chunk.pixels = []
            }
        }
        return (pixels, height, width, channels)
    }
}

private final class LockedMinimum: @unchecked Sendable {
    private let lock = NSLock()
    private var minimum = Int.max
    var value: Int { lock.lock(); defer { lock.unlock() }; return minimum }
    func lower(to v: Int) { lock.lock(); minimum = min(minimum, v); lock.unlock() }
}

/// 64-bit FNV-1a: a stable digest for cache keys and file names (Hasher is seeded per run).
struct FNV1a {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325
    mutating func add(_ string: String) {
        for byte in string.utf8 { value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    }
    var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
