import CZlib

/// Where dataset files are read from: the disk, or a tar archive held in memory (so an
/// archive of 60,000 small images never has to be written out as 60,000 files).
protocol FileTree: Sendable {
    func status(_ path: String) -> FileSystem.Status?
    /// Entry names without hidden ones, sorted by bytes.
    func list(_ directory: String) throws(DataError) -> [String]
    /// Reads a whole file into `buffer` (grown as needed); returns its size.
    func read(_ path: String, into buffer: inout [UInt8]) throws(DataError) -> Int
}

extension FileTree {
    func isFile(_ path: String) -> Bool { status(path)?.isFile ?? false }
    func isDirectory(_ path: String) -> Bool { status(path)?.isDirectory ?? false }

    func readAll(_ path: String) throws(DataError) -> [UInt8] {
        var buffer: [UInt8] = []
        let n = try read(path, into: &buffer)
        return Array(buffer.prefix(n))
    }
}

struct DiskTree: FileTree {
    func status(_ path: String) -> FileSystem.Status? { FileSystem.status(path) }
    func list(_ directory: String) throws(DataError) -> [String] { try FileSystem.list(directory) }
    func read(_ path: String, into buffer: inout [UInt8]) throws(DataError) -> Int { try FileSystem.read(path, into: &buffer) }
}

/// The regular files of a tar or gzipped tar archive, read in one pass through zlib (which
/// passes uncompressed input through unchanged). Entries appear under the archive's own
/// path, e.g. `/data/cifar10.tar.gz/cifar10/train/cat/0001.jpg`, so errors name both.
struct ArchiveTree: FileTree {
    struct Entry: Sendable {
        var offset: Int
        var size: Int
        var modified: Int64
    }

    let root: String
    private var blob: [UInt8] = []
    private var files: [String: Entry] = [:]
    private var directories: [String: [String]] = [:]

    /// True when `path` is a tar archive, gzipped or not (ustar/GNU/pax headers).
    static func isTar(_ path: String) -> Bool {
        guard let file = gzopen(path, "rb") else { return false }
        defer { gzclose(file) }
        var header = [UInt8](repeating: 0, count: 512)
        guard header.withUnsafeMutableBytes({ gzread(file, $0.baseAddress, 512) }) == 512 else { return false }
        return Array(header[257..<262]) == Array("ustar".utf8)
    }

    /// Reads the archive, keeping the contents of the files `keep` accepts (by entry name).
    init(_ archive: String, keep: (String) -> Bool) throws(DataError) {
        root = archive
        guard let file = gzopen(archive, "rb") else { throw .io(path: archive, reason: "cannot open: \(FileSystem.errnoText())") }
        defer { gzclose(file) }
        _ = gzbuffer(file, 1 << 20)
        var reader = Reader(file: file, path: archive)
        var header = [UInt8](repeating: 0, count: 512)
        var longName: String?  // from a GNU 'L' or pax 'x' entry, for the entry that follows
        var children: [String: Set<String>] = [root: []]

        func addDirectory(_ relative: String) {
            var path = root
            for part in relative.split(separator: "/") {
                children[path, default: []].insert(String(part))
                path += "/\(part)"
                if children[path] == nil { children[path] = [] }
            }
        }

        while true {
            guard try reader.read(into: &header, count: 512) else { break }  // end of file without end blocks
            if header.allSatisfy({ $0 == 0 }) { break }  // end-of-archive block
            guard Self.checksumMatches(header) else {
                throw .badFormat(path: archive, reason: "bad tar header checksum at byte \(reader.position - 512)")
            }
            let size = try Self.number(header[124..<136], archive: archive)
            let modified = Int64(try Self.number(header[136..<148], archive: archive)) * 1_000_000_000
            let type = header[156]
            let padded = (size + 511) / 512 * 512
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "x"):
                var data = [UInt8](repeating: 0, count: padded)
                guard try reader.read(into: &data, count: padded) else { throw .truncated(path: archive, expected: padded, got: 0) }
                let text = Array(data.prefix(size))
                longName = type == UInt8(ascii: "L") ? Self.string(text[...]) : Self.paxPath(text) ?? longName
                continue
            default: break
            }
            var name = longName ?? {
                let prefix = Self.string(header[345..<500])
                let base = Self.string(header[0..<100])
                return prefix.isEmpty ? base : "\(prefix)/\(base)"
            }()
            longName = nil
            name = Self.normalized(name)
            let isFile = type == 0 || type == UInt8(ascii: "0") || type == UInt8(ascii: "7")
            if type == UInt8(ascii: "5"), !name.isEmpty { addDirectory(name) }
            if isFile, !name.isEmpty, keep(name) {
                let offset = blob.count
                blob.appendZeros(padded)
                let complete = try blob.withMutableBuffer { buffer throws(DataError) in
                    try reader.read(into: UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[offset...])), count: padded)
                }
                guard complete else { throw .truncated(path: archive, expected: reader.position + padded, got: reader.position) }
                blob.removeLast(padded - size)
                files["\(root)/\(name)"] = Entry(offset: offset, size: size, modified: modified)
                addDirectory(name)
            } else if padded > 0 {
                guard try reader.skip(padded) else { throw .truncated(path: archive, expected: reader.position + padded, got: reader.position) }
            }
        }
        // A file's own name was inserted as a child of its folder too; only folders get listings.
        for (path, names) in children where files[path] == nil {
            directories[path] = names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        }
    }

    func status(_ path: String) -> FileSystem.Status? {
        if let entry = files[path] { return FileSystem.Status(isDirectory: false, isFile: true, size: entry.size, modified: entry.modified) }
        if directories[path] != nil { return FileSystem.Status(isDirectory: true, isFile: false, size: 0, modified: 0) }
        return nil
    }

    func list(_ directory: String) throws(DataError) -> [String] {
        guard let names = directories[directory] else { throw .missing(path: directory, what: "folder in the archive") }
        return names.filter { !$0.hasPrefix(".") }
    }

    func read(_ path: String, into buffer: inout [UInt8]) throws(DataError) -> Int {
        guard let entry = files[path] else { throw .missing(path: path, what: "file in the archive") }
        if buffer.count < entry.size { buffer = [UInt8](repeating: 0, count: max(entry.size, buffer.count * 2)) }
        blob.withUnsafeBytes { src in
            buffer.withUnsafeMutableBytes { dst in
                dst.baseAddress!.copyMemory(from: src.baseAddress! + entry.offset, byteCount: entry.size)
            }
        }
        return entry.size
    }

    // MARK: - Tar details

    private struct Reader {
        let file: gzFile
        let path: String
        var position = 0

        /// Fills exactly `count` bytes; false at a clean end of file.
        mutating func read(into buffer: UnsafeMutableRawBufferPointer, count: Int) throws(DataError) -> Bool {
            var done = 0
            while done < count {
                let n = gzread(file, buffer.baseAddress! + done, UInt32(min(count - done, 1 << 30)))
                if n < 0 {
                    var code: Int32 = 0
                    throw .badFormat(path: path, reason: "corrupt gzip data: \(String(cString: gzerror(file, &code)))")
                }
                if n == 0 { break }
                done += Int(n)
            }
            position += done
            if done == 0 { return false }
            guard done == count else { throw .truncated(path: path, expected: position - done + count, got: position) }
            return true
        }

        mutating func read(into array: inout [UInt8], count: Int) throws(DataError) -> Bool {
            try array.withMutableBuffer { buffer throws(DataError) in try read(into: UnsafeMutableRawBufferPointer(buffer), count: count) }
        }

        mutating func skip(_ count: Int) throws(DataError) -> Bool {
            var scratch = [UInt8](repeating: 0, count: min(count, 1 << 16))
            var left = count
            while left > 0 {
                let n = min(left, scratch.count)
                guard try read(into: &scratch, count: n) else { return false }
                left -= n
            }
            return true
        }
    }

    private static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard let stored = try? number(header[148..<156], archive: "") else { return false }
        // The checksum field itself counts as eight spaces.
        let sum = header.withUnsafeBufferPointer { h in
            var sum = 8 * 32
            for i in 0..<148 { sum += Int(h[i]) }
            for i in 156..<512 { sum += Int(h[i]) }
            return sum
        }
        return sum == stored
    }

    /// An octal field, or GNU's base-256 form (high bit set) for large values.
    private static func number(_ field: ArraySlice<UInt8>, archive: String) throws(DataError) -> Int {
        if let first = field.first, first & 0x80 != 0 {
            return field.dropFirst().reduce(Int(first & 0x7F)) { $0 << 8 | Int($1) }
        }
        var value = 0
        for byte in field {
            if byte == 0 || byte == 32 { if value > 0 { break } else { continue } }
            guard (48...55).contains(byte) else { throw .badFormat(path: archive, reason: "bad number in tar header") }
            value = value * 8 + Int(byte - 48)
        }
        return value
    }

    private static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// The `path` record of a pax extended header ("LEN path=VALUE\n" records).
    private static func paxPath(_ data: [UInt8]) -> String? {
        for record in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = record.firstIndex(of: " ") else { continue }
            let field = record[record.index(after: space)...]
            if field.hasPrefix("path=") { return String(field.dropFirst(5)) }
        }
        return nil
    }

    /// Relative, without "." components; nil-like "" for entries that would leave the root.
    private static func normalized(_ name: String) -> String {
        let parts = name.split(separator: "/").filter { $0 != "." }
        return parts.contains("..") ? "" : parts.joined(separator: "/")
    }
}
