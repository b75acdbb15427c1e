/// The architecture text format, also the canonical text form of a `Network`:
///
///     # comments run to the end of a line
///     name: my-net            # optional settings, `key: value`
///     stem: 32
///     ds_r1_k3_s1_e1_c16_se0.25                       # one stage per line,
///     ir_r2_k3_s2_e6_c24_se0.25 ir_r1_k3_s1_e6_c24    # block strings separated by spaces
///
/// A text whose first character is `{` is read as `ArchitectureJSON` instead.
/// Block strings may be timm's or TF's, told apart by their form. Without a `stem:` line
/// the stem is the first TF string's `i`, or 32. See Docs/FORMATS.md.
public enum ArchitectureFile {
    public static let settingKeys = [
        "name", "stem", "stem-stride", "head", "activation", "resolution", "classes", "channels", "dropout", "drop-connect",
    ]

    public static func decode(_ text: String, name defaultName: String) throws(ArchitectureError) -> Network {
        let text = removingByteOrderMark(text)
        // A JSON export (`ArchitectureJSON`) is read too, so every export format rebuilds.
        if text.first(where: { !$0.isWhitespace }) == "{" { return try ArchitectureJSON.decode(text).network() }
        var settingLines: [(line: Int, key: String, value: String)] = []
        var stages: [(line: Int, stage: Stage)] = []
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = offset + 1
            let line = rawLine.prefix { $0 != "#" }.trimmingWhitespace()
            if line.isEmpty { continue }
            if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].trimmingWhitespace().lowercased()
                guard settingKeys.contains(key) else {
                    throw .badLine(lineNumber, line, expected: "a setting (\(settingKeys.joined(separator: ", "))) or block strings")
                }
                guard !settingLines.contains(where: { $0.key == key }) else {
                    throw .badLine(lineNumber, line, expected: "each setting once")
                }
                settingLines.append((lineNumber, key, String(line[line.index(after: colon)...])))
                continue
            }
            do throws(ArchitectureError) {
                stages.append((lineNumber, try Stage(line)))
            } catch {
                throw .inFile(line: lineNumber, error)
            }
        }
        guard !stages.isEmpty else {
            throw .badLine(0, "", expected: "at least one line of block strings")
        }
        // Values are read after every stage, so a bad block is reported before a bad setting.
        var settings = Settings()
        for (line, key, value) in settingLines {
            do throws(ArchitectureError) {
                try settings.set(key, to: value)
            } catch {
                guard case .badSetting(let key, let value, let expected) = error else { throw error }
                throw .badLine(line, "\(key): \(value)", expected: expected)
            }
        }
        let network = try settings.network(stages: stages.map(\.stage), name: defaultName)
        for (index, (line, stage)) in stages.enumerated() {
            do throws(ArchitectureError) {
                try stage.checkDeclaredInputs(stage: index, of: network)
            } catch {
                throw .inFile(line: line, error)
            }
        }
        return network
    }

    /// The text without a leading UTF-8 byte order mark, which some Windows editors write.
    /// (CRLF needs nothing: "\r\n" is one Character, a newline, wherever lines are split.)
    public static func removingByteOrderMark(_ text: String) -> String {
        guard text.unicodeScalars.first == "\u{FEFF}" else { return text }
        return String(text.unicodeScalars.dropFirst())
    }

    /// The canonical text: every setting, then one line of timm strings per stage.
    public static func encode(_ network: Network) -> String {
        encodeSettings(network) + network.timmArchDef.map { $0.joined(separator: " ") + "\n" }.joined()
    }
}

extension Network {
    /// One line saying that timm and TF block strings, whose builders always stride the stem
    /// by 2, cannot express this stem's stride; nil at the default 2. Exports of block strings
    /// show it (as a `#` comment in file text), so nobody rebuilds a different network unawares.
    public var stemStrideNote: String? {
        stemStride == 2
            ? nil
            : "stem-stride \(stemStride): timm and TF block strings cannot express it (their builders stride the stem by 2)"
    }

    /// timm arch-def: one list of block strings per stage.
    public var timmArchDef: [[String]] { stages.map { $0.map(TimmCodec.encode) } }

    /// TF block strings, one per block definition, with `i` from the chain.
    public func tfBlockStrings() throws(ArchitectureError) -> [String] {
        var input = stemFilters
        var strings: [String] = []
        for block in blocks {
            strings.append(try TFCodec.encode(block, inputFilters: input))
            input = block.outFilters
        }
        return strings
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        // Line breaks too: a file's lines have none, a setting's value from elsewhere may.
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isNewline }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
