/// Everything that can be wrong with an architecture or its text. Each case reads as one
/// line that names the offending token and what was expected.
public enum ArchitectureError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A block string that does not parse: the string, the token, what was expected there.
    case malformedBlock(String, token: String, expected: String)
    /// A block whose values are out of range.
    case invalidBlock(String, field: String, expected: String)
    /// A TF string whose `i` disagrees with the channels actually flowing in.
    case inputMismatch(String, declared: Int, actual: Int)
    /// A block that one encoding cannot express.
    case unrepresentable(String, encoding: String, reason: String)
    case unknownModel(String, known: [String])
    case unknownVariant(String)
    /// A line of an architecture file that is neither a setting nor block strings.
    case badLine(Int, String, expected: String)
    /// A setting's value that does not parse (`ArchitectureFile.Settings.set`); a file
    /// reports it as a `badLine`.
    case badSetting(key: String, value: String, expected: String)
    /// A network-level value out of range.
    case invalidNetwork(field: String, value: String, expected: String)
    /// Any of the above at a line of an architecture file.
    indirect case inFile(line: Int, ArchitectureError)

    public var description: String {
        switch self {
        case let .malformedBlock(string, token, expected):
            "malformed block '\(string)': '\(token)' — expected \(expected)"
        case let .invalidBlock(string, field, expected):
            "invalid block '\(string)': \(field) — expected \(expected)"
        case let .inputMismatch(string, declared, actual):
            "block '\(string)' declares i\(declared) but receives \(actual) channels"
        case let .unrepresentable(string, encoding, reason):
            "block '\(string)' has no \(encoding) form: \(reason)"
        case let .unknownModel(name, known):
            "unknown model '\(name)' — expected one of \(known.joined(separator: ", ")) or an architecture file"
        case let .unknownVariant(name):
            "unknown variant '\(name)' — expected b0 … b7"
        case let .badLine(line, text, expected):
            "line \(line): '\(text)' — expected \(expected)"
        case let .badSetting(key, value, expected):
            "'\(key): \(value)' — expected \(expected)"
        case let .invalidNetwork(field, value, expected):
            "invalid \(field) \(value) — expected \(expected)"
        case let .inFile(line, error):
            "line \(line): \(error)"
        }
    }
}
