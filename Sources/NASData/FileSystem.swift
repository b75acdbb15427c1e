// Thin POSIX helpers: tens of thousands of small files are listed, stat'ed and read, so
// this stays off Foundation's slower paths.
#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

enum FileSystem {
    struct Status: Equatable {
        var isDirectory: Bool
        var isFile: Bool
        var size: Int
        /// Modification time in nanoseconds since the epoch.
        var modified: Int64
    }

    static func status(_ path: String) -> Status? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let mode = st.st_mode & S_IFMT
        #if canImport(Glibc)
            let nanos = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        #else
            let nanos = Int64(st.st_mtimespec.tv_sec) * 1_000_000_000 + Int64(st.st_mtimespec.tv_nsec)
        #endif
        return Status(isDirectory: mode == S_IFDIR, isFile: mode == S_IFREG, size: Int(st.st_size), modified: nanos)
    }

    static func isDirectory(_ path: String) -> Bool { status(path)?.isDirectory ?? false }
    static func isFile(_ path: String) -> Bool { status(path)?.isFile ?? false }

    /// Entry names (no "." / ".." / hidden files), sorted by bytes so the order never
    /// depends on the file system or locale.
    static func list(_ directory: String) throws(DataError) -> [String] {
        guard let dir = opendir(directory) else { throw .io(path: directory, reason: "cannot list directory: \(errnoText())") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Reads a whole file into `buffer` (reused across calls to avoid one allocation per file);
    /// returns the byte count.
    static func read(_ path: String, into buffer: inout [UInt8]) throws(DataError) -> Int {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .io(path: path, reason: "cannot open: \(errnoText())") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw .io(path: path, reason: "cannot stat: \(errnoText())") }
        let size = Int(st.st_size)
        if buffer.count < size { buffer = [UInt8](repeating: 0, count: max(size, buffer.count * 2)) }
        var done = 0
        let failure: String? = buffer.withUnsafeMutableBytes { raw in
            while done < size {
                let n = Glibc_read(fd, raw.baseAddress! + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errnoText()
                }
                if n == 0 { break }
                done += n
            }
            return nil
        }
        if let failure { throw .io(path: path, reason: "cannot read: \(failure)") }
        guard done == size else { throw .truncated(path: path, expected: size, got: done) }
        return size
    }

    static func readAll(_ path: String) throws(DataError) -> [UInt8] {
        var buffer: [UInt8] = []
        let n = try read(path, into: &buffer)
        buffer.removeLast(buffer.count - n)
        return buffer
    }

    static func makeDirectories(_ path: String) throws(DataError) {
        if isDirectory(path) { return }
        let parent = parentOf(path)
        if !parent.isEmpty && parent != path { try makeDirectories(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .io(path: path, reason: "cannot create directory: \(errnoText())")
        }
    }

    static func absolute(_ path: String) -> String {
        var result: String
        if path.hasPrefix("/") {
            result = path
        } else {
            var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let cwd = getcwd(&buf, buf.count).map { String(cString: $0) } ?? "."
            result = cwd + "/" + path
        }
        // Normalize "." and ".." components so the same source always gets the same cache key.
        var parts: [Substring] = []
        for part in result.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func parentOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

#if canImport(Glibc)
    @inline(__always) private func Glibc_read(_ fd: Int32, _ buf: UnsafeMutableRawPointer, _ n: Int) -> Int { Glibc.read(fd, buf, n) }
#else
    @inline(__always) private func Glibc_read(_ fd: Int32, _ buf: UnsafeMutableRawPointer, _ n: Int) -> Int { Darwin.read(fd, buf, n) }
#endif

extension Array {
    // The standard library's withUnsafe* are untyped `rethrows`; these keep `DataError`.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(DataError) -> R) throws(DataError) -> R {
        try withUnsafeBytes { raw in Result { () throws(DataError) in try body(raw) } }.get()
    }

    mutating func withMutableBuffer<R>(_ body: (inout UnsafeMutableBufferPointer<Element>) throws(DataError) -> R) throws(DataError) -> R {
        try withUnsafeMutableBufferPointer { buffer in Result { () throws(DataError) in try body(&buffer) } }.get()
    }
}

extension Array where Element == UInt8 {
    /// Appends `n` zero bytes. (Appending `repeatElement(0, count: n)` is a byte-at-a-time
    /// loop in debug builds; an array source is one copy.)
    mutating func appendZeros(_ n: Int) { append(contentsOf: [UInt8](repeating: 0, count: n)) }
}
