import Foundation

/// Words for `/bin/sh`: how a command line is shown to people and handed to `sh -c`.
public enum Shell {
    /// A word the shell keeps as is, or the text in single quotes.
    public static func quoted(_ text: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@%")
        if !text.isEmpty, text.unicodeScalars.allSatisfy(safe.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
