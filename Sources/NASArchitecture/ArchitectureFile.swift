import NASFormatting
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
        "name", "stem", "head", "activation", "resolution", "classes", "channels", "dropout", "drop-connect",
    ]

    public static func decode(_ text: String, name defaultName: String) throws(ArchitectureError) -> Network {
        let text = removingByteOrderMark(text)
        // A JSON export (`ArchitectureJSON`) is read too, so every export format rebuilds.
        if text.first(where: { !$0.isWhitespace }) == "{" { return try ArchitectureJSON.decode(text).network() }
        var settings: [String: (line: Int, value: String)] = [:]
        var stages: [[Block]] = []
        var declaredInputs: [DeclaredInput] = []
        for (offset, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let lineNumber = offset + 1
            let line = rawLine.prefix { $0 != "#" }.trimmingWhitespace()
            if line.isEmpty { continue }
            if let colon = line.firstIndex(of: ":") {
                let key = line[..<colon].trimmingWhitespace().lowercased()
                let value = line[line.index(after: colon)...].trimmingWhitespace()
                guard settingKeys.contains(key) else {
                    throw .badLine(lineNumber, line, expected: "a setting (\(settingKeys.joined(separator: ", "))) or block strings")
                }
                guard settings[key] == nil else { throw .badLine(lineNumber, line, expected: "each setting once") }
                settings[key] = (lineNumber, value)
                continue
            }
            let stage = try decodeStage(
                line, lineNumber: lineNumber, stageIndex: stages.count, declaredInputs: &declaredInputs)
            stages.append(stage)
        }
        guard !stages.isEmpty else {
            throw .badLine(0, "", expected: "at least one line of block strings")
        }

        func int(_ key: String) throws(ArchitectureError) -> Int? {
            guard let (line, value) = settings[key] else { return nil }
            guard let number = Int(value) else { throw .badLine(line, "\(key): \(value)", expected: "a whole number") }
            return number
        }
        func real(_ key: String) throws(ArchitectureError) -> Double? {
            guard let (line, value) = settings[key] else { return nil }
            guard let number = Double(value) else { throw .badLine(line, "\(key): \(value)", expected: "a number") }
            return number
        }
        var activation = Activation.swish
        if let (line, value) = settings["activation"] {
            guard let parsed = Activation(rawValue: value) else {
                throw .badLine(line, "activation: \(value)", expected: "swish, relu or relu6")
            }
            activation = parsed
        }
        var network = Network(
            name: settings["name"]?.value ?? defaultName,
            stemFilters: try int("stem") ?? declaredInputs.first { $0.stage == 0 && $0.block == 0 }?.filters ?? 32,
            stages: stages,
            headFilters: try int("head") ?? 1280,
            classes: try int("classes") ?? 1000,
            inputChannels: try int("channels") ?? 3,
            resolution: try int("resolution") ?? 224,
            activation: activation,
            dropout: try real("dropout") ?? 0.2,
            dropConnect: try real("drop-connect") ?? 0.2)
        try network.validate()

        try checkDeclaredInputs(declaredInputs, of: network)
        network.name = network.name.isEmpty ? defaultName : network.name
        return network
    }

    /// A TF block string's declared input filters, where it stands.
    typealias DeclaredInput = (line: Int, string: String, stage: Int, block: Int, filters: Int)

    /// One line of block strings (timm or TF, told apart by form) as a stage.
    static func decodeStage(
        _ line: String, lineNumber: Int, stageIndex: Int, declaredInputs: inout [DeclaredInput]
    ) throws(ArchitectureError) -> [Block] {
        var stage: [Block] = []
        for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            let string = String(token)
            do throws(ArchitectureError) {
                if TFCodec.recognizes(string) {
                    let (block, input) = try TFCodec.decode(string)
                    declaredInputs.append((lineNumber, string, stageIndex, stage.count, input))
                    stage.append(block)
                } else if TimmCodec.recognizes(string) {
                    stage.append(try TimmCodec.decode(string))
                } else {
                    throw ArchitectureError.malformedBlock(
                        string, token: String(string.split(separator: "_").first ?? ""),
                        expected: "a timm string (ir_, er_, ds_, cn_) or a TF string (r1_k3_…)")
                }
            } catch {
                throw .inFile(line: lineNumber, error)
            }
        }
        return stage
    }

    /// TF strings name their input filters: they must match what flows in.
    static func checkDeclaredInputs(_ declaredInputs: [DeclaredInput], of network: Network) throws(ArchitectureError) {
        let stages = network.stages
        for declared in declaredInputs {
            let previous =
                declared.block > 0
                ? stages[declared.stage][declared.block - 1].outFilters
                : (declared.stage > 0 ? stages[declared.stage - 1].last!.outFilters : network.stemFilters)
            if previous != declared.filters {
                throw .inFile(
                    line: declared.line, .inputMismatch(declared.string, declared: declared.filters, actual: previous))
            }
        }
    }

    /// The text without a leading UTF-8 byte order mark, which some Windows editors write.
    /// (CRLF needs nothing: "\r\n" is one Character, a newline, wherever lines are split.)
    public static func removingByteOrderMark(_ text: String) -> String {
        guard text.unicodeScalars.first == "\u{FEFF}" else { return text }
        return String(text.unicodeScalars.dropFirst())
    }

    /// The canonical text: every setting, then one line of timm strings per stage.
    public static func encode(_ network: Network) -> String {
        var lines = [
            "name: \(network.name)",
            "stem: \(network.stemFilters)",
            "head: \(network.headFilters)",
            "activation: \(network.activation.rawValue)",
            "resolution: \(network.resolution)",
            "classes: \(network.classes)",
            "channels: \(network.inputChannels)",
            "dropout: \(Formatting.shortest(network.dropout))",
            "drop-connect: \(Formatting.shortest(network.dropConnect))",
        ]
        lines += network.stages.map { $0.map(TimmCodec.encode).joined(separator: " ") }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension Network {
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
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = lastIndex(where: { !isSpace($0) })!
        return String(self[start...end])
    }
}
