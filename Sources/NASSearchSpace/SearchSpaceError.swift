/// A search-space file refused, or choices that do not fit a space. Prints as one line,
/// `FILE:LINE: FIELD: MESSAGE`, where FIELD is the path of the offending value in the file
/// (`decisions.kernel`, `blocks[2].filters`, `reward.target`, …).
public struct SearchSpaceError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file as it was named to `load(path:)` or `parse(_:file:)`.
    public var file: String
    /// 1-based line of the offending value; nil when the error has no place in the file.
    public var line: Int?
    /// Path of the offending value, e.g. `blocks[2].kernel`; empty for the file as a whole.
    public var field: String
    public var message: String

    public init(file: String, line: Int?, field: String, message: String) {
        self.file = file
        self.line = line
        self.field = field
        // One line, whatever the message was built from (YAML errors quote snippets).
        self.message = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if !field.isEmpty { text += ": \(field)" }
        return text + ": " + message
    }
}
