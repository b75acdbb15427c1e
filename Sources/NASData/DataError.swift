/// Everything that can go wrong while loading a dataset. Each case prints as one line that
/// names the file (or directory) and what was wrong with it.
public enum DataError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(path: String, what: String)
    /// The file could not be read or written (the OS or library's reason).
    case io(path: String, reason: String)
    /// The file's bytes are not what its format says (bad magic, sizes, labels).
    case badFormat(path: String, reason: String)
    /// The file ends before the data its header announces.
    case truncated(path: String, expected: Int, got: Int)
    /// An image that cannot be decoded.
    case undecodable(path: String, reason: String)
    /// A directory whose layout is not one the loader knows.
    case unknownLayout(path: String, expected: String)
    /// A caller-supplied value out of range.
    case invalidArgument(String)
    /// `tar` failed to extract an archive.
    case extraction(path: String, reason: String)

    public var description: String {
        switch self {
        case let .missing(path, what): "\(path): not found (\(what))"
        case let .io(path, reason): "\(path): \(reason)"
        case let .badFormat(path, reason): "\(path): \(reason)"
        case let .truncated(path, expected, got):
            "\(path): truncated: expected \(expected) bytes, found \(got)"
        case let .undecodable(path, reason): "\(path): cannot decode image: \(reason)"
        case let .unknownLayout(path, expected): "\(path): unknown dataset layout — expected \(expected)"
        case let .invalidArgument(message): message
        case let .extraction(path, reason): "\(path): cannot extract: \(reason)"
        }
    }
}
