import Foundation

/// The JSON form of a network, as `nas export --format json` writes it and as
/// `ArchitectureFile.decode` reads it back: every setting of the architecture file and the
/// timm arch-def. Counts and TF strings ride along for readers; decoding rebuilds from `timm`
/// and ignores them. Keys are documented in Docs/FORMATS.md.
public struct ArchitectureJSON: Codable, Hashable, Sendable {
    public var name: String
    public var stem: Int
    /// nil (omitted) for the default 2, so stride-2 JSON stays as it was.
    public var stemStride: Int?
    public var head: Int
    public var activation: String
    public var resolution: Int
    public var classes: Int
    public var channels: Int
    public var dropout: Double
    public var dropConnect: Double
    /// One list of timm block strings per stage.
    public var timm: [[String]]
    /// TF block strings (nil when a block has no TF form).
    public var tf: [String]?
    /// At `resolution`.
    public var params: Int?
    public var macs: Int?

    enum CodingKeys: String, CodingKey {
        case name, stem, head, activation, resolution, classes, channels, dropout, timm, tf, params, macs
        case dropConnect = "drop_connect"
        case stemStride = "stem_stride"
    }

    public init(_ network: Network) {
        let cost = network.resolved(resolution: network.resolution).cost
        name = network.name
        stem = network.stemFilters
        stemStride = network.stemStride == 2 ? nil : network.stemStride
        head = network.headFilters
        activation = network.activation.rawValue
        resolution = network.resolution
        classes = network.classes
        channels = network.inputChannels
        dropout = network.dropout
        dropConnect = network.dropConnect
        timm = network.timmArchDef
        tf = try? network.tfBlockStrings()
        params = cost.params
        macs = cost.macs
    }

    /// The network, validated; block-string errors name the stage.
    public func network() throws(ArchitectureError) -> Network {
        var stages: [[Block]] = []
        for (index, strings) in timm.enumerated() {
            var stage: [Block] = []
            for string in strings {
                do throws(ArchitectureError) {
                    stage.append(try TimmCodec.decode(string))
                } catch {
                    throw .invalidNetwork(field: "timm[\(index)]", value: string, expected: error.description)
                }
            }
            stages.append(stage)
        }
        guard let activation = Activation(rawValue: activation) else {
            throw .invalidNetwork(field: "activation", value: self.activation, expected: "swish, relu or relu6")
        }
        let network = Network(
            name: name, stemFilters: stem, stemStride: stemStride ?? 2, stages: stages, headFilters: head, classes: classes, inputChannels: channels,
            resolution: resolution, activation: activation, dropout: dropout, dropConnect: dropConnect)
        try network.validate()
        return network
    }

    /// Sorted keys, so equal networks give equal bytes.
    public func encoded(pretty: Bool = true) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    public static func decode(_ text: String) throws(ArchitectureError) -> ArchitectureJSON {
        do {
            return try JSONDecoder().decode(ArchitectureJSON.self, from: Data(text.utf8))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .badLine(0, "{…}", expected: "a JSON architecture with the key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .badLine(0, "{…}", expected: "a JSON architecture (\(path): \(context.debugDescription))")
        } catch {
            throw .badLine(0, "{…}", expected: "a JSON architecture (the text is not valid JSON)")
        }
    }
}
