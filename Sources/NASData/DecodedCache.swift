#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif
import Foundation

/// Decoded images on disk so that an image folder or archive is decoded once. A cache file
/// is only ever created by renaming a complete temporary file, so a killed process leaves
/// either no cache or a whole one. Layout (little-endian):
///
///     "SNASDATA" u32 version  u32 keyLength  key (UTF-8)  u8 hasTest
///     image set (train), [image set (test)], "END."
///     image set: u32 height width channels count classCount,
///                per class u32 length + UTF-8 name, count × i32 labels, pixels
enum DecodedCache {
    static let version: UInt32 = 1

    /// $XDG_CACHE_HOME/swiftnas, else ~/.cache/swiftnas.
    static var defaultDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return "\(xdg)/swiftnas" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.cache/swiftnas"
    }

    /// `<source name>-<digest of key>.swiftnas-data` in `directory`.
    static func file(in directory: String, source: String, key: String) -> String {
        var hasher = FNV1a()
        hasher.add(key)
        let name = String(FileSystem.lastComponent(source).map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" }.prefix(40))
        return "\(directory)/\(name)-\(hasher.hex).swiftnas-data"
    }

    /// The cached sets if `path` exists and was written for exactly `key`; nil otherwise
    /// (including a file of an older version or an unreadable one: it is simply rebuilt).
    static func read(_ path: String, key: String) -> (train: ImageSet, test: ImageSet?)? {
        guard let status = FileSystem.status(path), status.isFile, let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var reader = Reader(file: file, remaining: status.size)
        guard reader.bytes(8).map({ String(decoding: $0, as: UTF8.self) }) == "SNASDATA",
              reader.u32() == version,
              let keyLength = reader.u32(),
              let storedKey = reader.bytes(Int(keyLength)), storedKey.elementsEqual(key.utf8),
              let hasTest = reader.bytes(1)?.first,
              let train = reader.imageSet()
        else { return nil }
        var test: ImageSet?
        if hasTest != 0 {
            guard let set = reader.imageSet() else { return nil }
            test = set
        }
        guard reader.bytes(4).map({ String(decoding: $0, as: UTF8.self) }) == "END.", reader.remaining == 0 else { return nil }
        return (train, test)
    }

    static func write(_ path: String, key: String, train: ImageSet, test: ImageSet?) throws(DataError) {
        try FileSystem.makeDirectories(FileSystem.parentOf(path))
        let temporary = "\(path).tmp-\(getpid())-\(DispatchTime.now().uptimeNanoseconds)"
        guard let file = fopen(temporary, "wb") else { throw .io(path: temporary, reason: "cannot create: \(FileSystem.errnoText())") }
        var ok = true
        func put(_ bytes: UnsafeRawBufferPointer) { if ok, !bytes.isEmpty { ok = fwrite(bytes.baseAddress, 1, bytes.count, file) == bytes.count } }
        func put(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { put($0) } }
        func put(_ string: String) { Array(string.utf8).withUnsafeBytes { put($0) } }
        func put(_ set: ImageSet) {
            for v in [set.height, set.width, set.channels, set.count, set.classNames.count] { put(UInt32(v)) }
            for name in set.classNames { put(UInt32(name.utf8.count)); put(name) }
            set.labels.map(\.littleEndian).withUnsafeBytes { put($0) }
            set.pixels.withUnsafeBytes { put($0) }
        }
        put("SNASDATA")
        put(version)
        put(UInt32(key.utf8.count))
        put(key)
        put(test == nil ? "\u{0}" : "\u{1}")
        put(train)
        if let test { put(test) }
        put("END.")
        let error = ok ? nil : FileSystem.errnoText()
        if fclose(file) != 0 { ok = false }
        guard ok, rename(temporary, path) == 0 else {
            let reason = error ?? FileSystem.errnoText()
            unlink(temporary)
            throw .io(path: path, reason: "cannot write cache: \(reason)")
        }
    }

    private struct Reader {
        let file: UnsafeMutablePointer<FILE>
        var remaining: Int

        mutating func bytes(_ n: Int) -> [UInt8]? {
            guard n >= 0, n <= remaining else { return nil }
            var out = [UInt8](repeating: 0, count: n)
            guard fill(&out) else { return nil }
            return out
        }

        mutating func fill<T>(_ array: inout [T]) -> Bool {
            let n = array.count * MemoryLayout<T>.stride
            guard n <= remaining else { return false }
            remaining -= n
            return array.withUnsafeMutableBytes { n == 0 || fread($0.baseAddress, 1, n, file) == n }
        }

        mutating func u32() -> UInt32? {
            guard let b = bytes(4) else { return nil }
            return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
        }

        mutating func imageSet() -> ImageSet? {
            guard let h = u32(), let w = u32(), let c = u32(), let n = u32(), let classes = u32() else { return nil }
            var names: [String] = []
            for _ in 0..<classes {
                guard let length = u32(), let name = bytes(Int(length)) else { return nil }
                names.append(String(decoding: name, as: UTF8.self))
            }
            // Sizes are checked against the bytes left before anything large is allocated.
            let pixelCount = Int(n) * Int(h) * Int(w) * Int(c)
            guard Int(n) * 4 + pixelCount <= remaining else { return nil }
            var labels = [Int32](repeating: 0, count: Int(n))
            var pixels = [UInt8](repeating: 0, count: pixelCount)
            guard fill(&labels), fill(&pixels) else { return nil }
            labels = labels.map { Int32(littleEndian: $0) }
            guard labels.allSatisfy({ $0 >= 0 && Int($0) < names.count }) else { return nil }
            return ImageSet(height: Int(h), width: Int(w), channels: Int(c), pixels: pixels, labels: labels, classNames: names)
        }
    }
}
