import NASFormatting
/// Splits `key123` tokens as timm and TF do: the key is the letters before the first digit.
private func splitOptions(
    _ tokens: ArraySlice<Substring>, in string: String, flags: Set<String>, keys: Set<String>,
    expected: String
) throws(ArchitectureError) -> (options: [String: String], flags: Set<String>) {
    var options: [String: String] = [:]
    var seenFlags: Set<String> = []
    for token in tokens {
        let text = String(token)
        if flags.contains(text) {
            guard seenFlags.insert(text).inserted else {
                throw .malformedBlock(string, token: text, expected: "each option once")
            }
            continue
        }
        // timm's activation option: nre, nr6, nsw (the only key starting with n).
        if text.count > 1, text.first == "n", keys.contains("n") {
            guard options["n"] == nil else { throw .malformedBlock(string, token: text, expected: "each option once") }
            options["n"] = String(text.dropFirst())
            continue
        }
        guard let digit = text.firstIndex(where: { $0.isNumber }) else {
            throw .malformedBlock(string, token: text, expected: expected)
        }
        let key = String(text[..<digit])
        let value = String(text[digit...])
        guard keys.contains(key) else { throw .malformedBlock(string, token: text, expected: expected) }
        guard options[key] == nil else { throw .malformedBlock(string, token: text, expected: "each option once") }
        options[key] = value
    }
    return (options, seenFlags)
}

private func integer(
    _ options: [String: String], _ key: String, in string: String, what: String, default fallback: Int? = nil
) throws(ArchitectureError) -> Int {
    guard let text = options[key] else {
        if let fallback { return fallback }
        throw .malformedBlock(string, token: string, expected: "a '\(key)' option (\(what))")
    }
    guard let value = Int(text) else {
        throw .malformedBlock(string, token: key + text, expected: "\(what) as a whole number after '\(key)'")
    }
    return value
}

private func real(
    _ options: [String: String], _ key: String, in string: String, what: String, default fallback: Double? = nil
) throws(ArchitectureError) -> Double {
    guard let text = options[key] else {
        if let fallback { return fallback }
        throw .malformedBlock(string, token: string, expected: "a '\(key)' option (\(what))")
    }
    guard let value = Double(text), value.isFinite else {
        throw .malformedBlock(string, token: key + text, expected: "\(what) as a number after '\(key)'")
    }
    return value
}

/// timm's arch-def block strings: `ir_r2_k3_s2_e6_c24_se0.25`, `ds_…`, `er_…`, `cn_…`.
/// Semantics follow timm's EfficientNetBuilder: SE ratio relative to the block input;
/// `noskip` removes the residual of ir/ds/er, `skip` adds one to cn.
public enum TimmCodec {
    static let prefixes: [String: Operator] = [
        "ir": .mbconv, "er": .fusedMBConv, "ds": .depthwiseSeparable, "cn": .conv,
    ]
    static let activations: [String: Activation] = ["sw": .swish, "re": .relu, "r6": .relu6]

    /// Whether a token looks like a timm string (it starts with a known block type).
    public static func recognizes(_ string: String) -> Bool {
        guard let head = string.split(separator: "_", maxSplits: 1).first else { return false }
        return prefixes[String(head)] != nil
    }

    public static func decode(_ string: String) throws(ArchitectureError) -> Block {
        let tokens = string.split(separator: "_", omittingEmptySubsequences: false)
        guard let head = tokens.first, let op = prefixes[String(head)] else {
            throw .malformedBlock(
                string, token: String(tokens.first ?? ""), expected: "a block type: ir, er, ds or cn")
        }
        let expected = "one of r, k, s, e, c, se, n, skip, noskip"
        let (options, flags) = try splitOptions(
            tokens.dropFirst(), in: string, flags: ["skip", "noskip"],
            keys: ["r", "k", "s", "e", "c", "se", "n"], expected: expected)
        if flags.count == 2 {
            throw .malformedBlock(string, token: "skip", expected: "either skip or noskip, not both")
        }
        if op == .conv, flags.contains("noskip") {
            throw .malformedBlock(string, token: "noskip", expected: "cn blocks have no residual unless 'skip'")
        }
        if op != .conv, flags.contains("skip") {
            throw .malformedBlock(string, token: "skip", expected: "'noskip' (ir/er/ds have a residual by default)")
        }
        var activation: Activation?
        if let code = options["n"] {
            guard let act = activations[code] else {
                throw .malformedBlock(string, token: "n" + code, expected: "nsw, nre or nr6")
            }
            activation = act
        }
        let expansion: Double
        if op.hasExpansion {
            expansion = try real(options, "e", in: string, what: "the expansion ratio")
        } else {
            // timm ignores `e` on ds/cn; accept only the neutral e1 so nothing is silently lost.
            expansion = try real(options, "e", in: string, what: "the expansion ratio", default: 1)
            guard expansion == 1 else {
                throw .malformedBlock(string, token: "e" + (options["e"] ?? ""), expected: "e1 or no 'e' on \(head) blocks")
            }
        }
        let block = Block(
            op: op,
            kernel: try integer(options, "k", in: string, what: "the kernel size"),
            stride: try integer(options, "s", in: string, what: "the stride"),
            expansion: expansion,
            seRatio: try real(options, "se", in: string, what: "the SE ratio", default: 0),
            outFilters: try integer(options, "c", in: string, what: "the output channels"),
            repeats: try integer(options, "r", in: string, what: "the repeat count"),
            skip: op == .conv ? flags.contains("skip") : !flags.contains("noskip"),
            activation: activation)
        try block.validate()
        return block
    }

    /// The canonical timm string: type, r, k, s, e, c, se, skip flag, activation.
    public static func encode(_ block: Block) -> String {
        let prefix = prefixes.first { $0.value == block.op }!.key
        var parts = [prefix, "r\(block.repeats)", "k\(block.kernel)", "s\(block.stride)"]
        if block.op != .conv { parts.append("e" + Formatting.shortest(block.expansion)) }
        parts.append("c\(block.outFilters)")
        if block.seRatio > 0 { parts.append("se" + Formatting.shortest(block.seRatio)) }
        if block.skip != block.op.skipByDefault { parts.append(block.skip ? "skip" : "noskip") }
        if let activation = block.activation { parts.append("n" + activation.timmCode) }
        return parts.joined(separator: "_")
    }
}

/// TensorFlow's EfficientNet block strings: `r2_k3_s22_e6_i16_o24_se0.25`, with `c1` for
/// EfficientNetV2's Fused-MBConv and `noskip`. In TF, MBConv with e1 has no expansion
/// conv (timm's ds) and Fused-MBConv with e1 has no projection (timm's cn).
public enum TFCodec {
    public static func recognizes(_ string: String) -> Bool {
        guard let first = string.split(separator: "_", maxSplits: 1).first else { return false }
        return first.count > 1 && first.first == "r" && first.dropFirst().allSatisfy(\.isNumber)
    }

    /// Returns the block and its declared input filters (`i`).
    public static func decode(_ string: String) throws(ArchitectureError) -> (block: Block, inputFilters: Int) {
        let tokens = string.split(separator: "_", omittingEmptySubsequences: false)
        let (options, flags) = try splitOptions(
            tokens[...], in: string, flags: ["noskip"], keys: ["r", "k", "s", "e", "i", "o", "se", "c"],
            expected: "one of r, k, s, e, i, o, se, c, noskip")
        guard let strideText = options["s"] else {
            throw .malformedBlock(string, token: string, expected: "an 's' option (strides, e.g. s11 or s22)")
        }
        let stride: Int
        switch strideText {
        case "1", "11": stride = 1
        case "2", "22": stride = 2
        default: throw .malformedBlock(string, token: "s" + strideText, expected: "s11, s22, s1 or s2")
        }
        let convType = try integer(options, "c", in: string, what: "the conv type (0 MBConv, 1 Fused-MBConv)", default: 0)
        guard convType == 0 || convType == 1 else {
            throw .malformedBlock(string, token: "c\(convType)", expected: "c0 (MBConv) or c1 (Fused-MBConv)")
        }
        let expansion = try real(options, "e", in: string, what: "the expansion ratio")
        let op: Operator =
            switch (convType, expansion == 1) {
            case (0, true): .depthwiseSeparable
            case (0, false): .mbconv
            case (_, true): .conv
            default: .fusedMBConv
            }
        let seRatio = try real(options, "se", in: string, what: "the SE ratio", default: 0)
        if op == .conv, seRatio > 0 {
            throw .malformedBlock(string, token: "se" + Formatting.shortest(seRatio), expected: "no SE on c1 blocks with e1")
        }
        let block = Block(
            op: op,
            kernel: try integer(options, "k", in: string, what: "the kernel size"),
            stride: stride,
            expansion: expansion,
            seRatio: seRatio,
            outFilters: try integer(options, "o", in: string, what: "the output filters"),
            repeats: try integer(options, "r", in: string, what: "the repeat count"),
            skip: !flags.contains("noskip"))
        try block.validate()
        return (block, try integer(options, "i", in: string, what: "the input filters"))
    }

    public static func encode(_ block: Block, inputFilters: Int) throws(ArchitectureError) -> String {
        let convType: Int
        switch block.op {
        case .mbconv, .fusedMBConv:
            guard block.expansion != 1 else {
                throw .unrepresentable(
                    TimmCodec.encode(block), encoding: "TF",
                    reason: "with expansion 1 TF drops a conv that timm's \(block.op.rawValue) keeps")
            }
            convType = block.op == .mbconv ? 0 : 1
        case .depthwiseSeparable: convType = 0
        case .conv: convType = 1
        }
        if let activation = block.activation {
            throw .unrepresentable(
                TimmCodec.encode(block), encoding: "TF", reason: "TF strings carry no per-block activation (\(activation))")
        }
        var parts = [
            "r\(block.repeats)", "k\(block.kernel)", "s\(block.stride)\(block.stride)",
            "e" + Formatting.shortest(block.expansion), "i\(inputFilters)", "o\(block.outFilters)",
        ]
        if block.seRatio > 0 { parts.append("se" + Formatting.shortest(block.seRatio)) }
        if convType == 1 { parts.append("c1") }
        if !block.skip { parts.append("noskip") }
        return parts.joined(separator: "_")
    }
}
