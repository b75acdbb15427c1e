import NASFormatting

// The typed steps of `ArchitectureFile.decode`, public so that other readers (the search-space
// parser) build a network through the same rules as the file without writing file text.

extension ArchitectureFile {
    /// An architecture file's settings as values; nil where the file gives none, so the
    /// decoder's default applies (see `network(stages:name:)`).
    public struct Settings: Hashable, Sendable {
        public var name: String?
        public var stem: Int?
        public var stemStride: Int?
        public var head: Int?
        public var activation: Activation?
        public var resolution: Int?
        public var classes: Int?
        public var channels: Int?
        public var dropout: Double?
        public var dropConnect: Double?

        public init() {}

        /// Every setting of `network`, as its canonical file states them.
        public init(_ network: Network) {
            name = network.name
            stem = network.stemFilters
            // Only a stride other than the default is written, so stride-2 text stays as it was.
            stemStride = network.stemStride == 2 ? nil : network.stemStride
            head = network.headFilters
            activation = network.activation
            resolution = network.resolution
            classes = network.classes
            channels = network.inputChannels
            dropout = network.dropout
            dropConnect = network.dropConnect
        }

        /// Sets `key` (one of `settingKeys`) from its text, refusing what the file refuses:
        /// the one place a setting's value is read. Surrounding whitespace is ignored, as
        /// around a file's `key: value`. Ranges are checked by `Network.validate`.
        public mutating func set(_ key: String, to text: String) throws(ArchitectureError) {
            let value = text.trimmingWhitespace()
            func refuse(_ expected: String) -> ArchitectureError { .badSetting(key: key, value: value, expected: expected) }
            func int() throws(ArchitectureError) -> Int {
                guard let number = Int(value) else { throw refuse("a whole number") }
                return number
            }
            func real() throws(ArchitectureError) -> Double {
                guard let number = Double(value) else { throw refuse("a number") }
                return number
            }
            switch key {
            case "name": name = value
            case "stem": stem = try int()
            case "stem-stride": stemStride = try int()
            case "head": head = try int()
            case "activation":
                guard let parsed = Activation(rawValue: value) else { throw refuse("swish, relu or relu6") }
                activation = parsed
            case "resolution": resolution = try int()
            case "classes": classes = try int()
            case "channels": channels = try int()
            case "dropout": dropout = try real()
            case "drop-connect": dropConnect = try real()
            default: throw refuse("a setting (\(settingKeys.joined(separator: ", ")))")
            }
        }

        /// The given settings as `key: value` pairs, in `settingKeys` order, as the file writes them.
        public var pairs: [(key: String, value: String)] {
            let values: [String?] = [
                name, stem.map(String.init), stemStride.map(String.init), head.map(String.init), activation?.rawValue,
                resolution.map(String.init), classes.map(String.init), channels.map(String.init),
                dropout.map(Formatting.shortest), dropConnect.map(Formatting.shortest),
            ]
            return zip(settingKeys, values).compactMap { key, value in value.map { (key, $0) } }
        }

        /// The network of these settings and stages, the defaults filled in and validated.
        /// Without a stem the first TF string's declared input gives it, else 32. TF inputs
        /// are checked separately (`Stage.checkDeclaredInputs`), where each caller can point
        /// at the stage.
        public func network(stages: [Stage], name defaultName: String) throws(ArchitectureError) -> Network {
            let declaredStem = stages.first?.declaredInputs.first { $0.block == 0 }?.filters
            let network = Network(
                name: name.flatMap { $0.isEmpty ? nil : $0 } ?? defaultName,
                stemFilters: stem ?? declaredStem ?? 32,
                stemStride: stemStride ?? 2,
                stages: stages.map(\.blocks),
                headFilters: head ?? 1280,
                classes: classes ?? 1000,
                inputChannels: channels ?? 3,
                resolution: resolution ?? 224,
                activation: activation ?? .swish,
                dropout: dropout ?? 0.2,
                dropConnect: dropConnect ?? 0.2)
            try network.validate()
            return network
        }
    }

    /// One stage: a line of block strings (timm or TF, told apart by form) decoded.
    public struct Stage: Hashable, Sendable {
        /// A TF string's declared input filters (`i`) and the block it stands at.
        public struct DeclaredInput: Hashable, Sendable {
            public var block: Int
            public var string: String
            public var filters: Int
        }

        public var blocks: [Block]
        public var declaredInputs: [DeclaredInput] = []

        /// A stage of blocks already decoded (timm strings declare no inputs).
        public init(blocks: [Block]) { self.blocks = blocks }

        /// Decodes block strings separated by spaces or tabs; the errors name the string.
        public init(_ line: String) throws(ArchitectureError) {
            blocks = []
            for token in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let string = String(token)
                if TFCodec.recognizes(string) {
                    let (block, input) = try TFCodec.decode(string)
                    declaredInputs.append(.init(block: blocks.count, string: string, filters: input))
                    blocks.append(block)
                } else if TimmCodec.recognizes(string) {
                    blocks.append(try TimmCodec.decode(string))
                } else {
                    throw .malformedBlock(
                        string, token: String(string.split(separator: "_").first ?? ""),
                        expected: "a timm string (ir_, er_, ds_, cn_) or a TF string (r1_k3_…)")
                }
            }
        }

        /// TF strings name their input filters: they must match what flows in when this is
        /// stage `index` of `network`.
        public func checkDeclaredInputs(stage index: Int, of network: Network) throws(ArchitectureError) {
            let stages = network.stages
            for declared in declaredInputs {
                let previous =
                    declared.block > 0
                    ? stages[index][declared.block - 1].outFilters
                    : (index > 0 ? stages[index - 1].last!.outFilters : network.stemFilters)
                if previous != declared.filters {
                    throw .inputMismatch(declared.string, declared: declared.filters, actual: previous)
                }
            }
        }
    }

    /// The settings lines of the canonical text (every setting), each ending in a newline:
    /// the header of any export that lists blocks in another form (TF strings).
    public static func encodeSettings(_ network: Network) -> String {
        Settings(network).pairs.map { "\($0.key): \($0.value)\n" }.joined()
    }
}
