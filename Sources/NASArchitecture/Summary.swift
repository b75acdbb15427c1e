import Foundation
import NASFormatting

/// The per-stage view of a resolved network, as in the EfficientNet paper's table:
/// stem, one row per stage, head. `nas arch` prints it as a table or as JSON.
public struct ArchitectureSummary: Codable, Hashable, Sendable {
    public struct Stage: Codable, Hashable, Sendable {
        /// 1-based, as in the paper's table: 1 is the stem, the last is the head.
        public var index: Int
        public var `operator`: String
        public var inputResolution: Int
        public var outputChannels: Int
        public var layers: Int
        public var stride: Int
        public var params: Int
        public var macs: Int

        enum CodingKeys: String, CodingKey {
            case index, `operator`, layers, stride, params, macs
            case inputResolution = "input_resolution"
            case outputChannels = "output_channels"
        }
    }

    public var name: String
    public var resolution: Int
    public var classes: Int
    public var channels: Int
    public var params: Int
    public var macs: Int
    public var stages: [Stage]
    /// The canonical timm arch-def.
    public var timm: [[String]]
    /// TF block strings, or nil when a block has no TF form.
    public var tf: [String]?

    public init(_ network: Network, resolution: Int? = nil) {
        let resolved = network.resolved(resolution: resolution)
        var rows = [
            Stage(
                index: 1, operator: "Conv3x3", inputResolution: resolved.resolution, outputChannels: resolved.stemChannels,
                layers: 1, stride: network.stemStride, params: resolved.stemCost.params, macs: resolved.stemCost.macs)
        ]
        for (stageIndex, stage) in network.stages.enumerated() {
            let layers = resolved.blocks.filter { $0.stage == stageIndex }
            let cost = layers.reduce(Cost.zero) { $0 + $1.cost }
            rows.append(
                Stage(
                    index: rows.count + 1, operator: stage.map(Self.label).joined(separator: " + "),
                    inputResolution: layers[0].inputSize, outputChannels: layers.last!.outChannels,
                    layers: layers.count, stride: layers[0].stride, params: cost.params, macs: cost.macs))
        }
        let head = resolved.headCost
        rows.append(
            Stage(
                index: rows.count + 1, operator: network.headFilters > 0 ? "Conv1x1 & Pooling & FC" : "Pooling & FC",
                inputResolution: resolved.headSize, outputChannels: resolved.featureChannels, layers: 1, stride: 1,
                params: head.params, macs: head.macs))
        let total = resolved.cost
        self.init(
            name: network.name, resolution: resolved.resolution, classes: network.classes,
            channels: network.inputChannels, params: total.params, macs: total.macs, stages: rows,
            timm: network.timmArchDef, tf: try? network.tfBlockStrings())
    }

    public init(
        name: String, resolution: Int, classes: Int, channels: Int, params: Int, macs: Int, stages: [Stage],
        timm: [[String]], tf: [String]?
    ) {
        self.name = name
        self.resolution = resolution
        self.classes = classes
        self.channels = channels
        self.params = params
        self.macs = macs
        self.stages = stages
        self.timm = timm
        self.tf = tf
    }

    /// "MBConv6, k5x5, SE0.25" — the paper's naming.
    static func label(_ block: Block) -> String {
        let k = "k\(block.kernel)x\(block.kernel)"
        var text: String
        switch block.op {
        case .mbconv: text = "MBConv\(Formatting.shortest(block.expansion)), \(k)"
        case .fusedMBConv: text = "Fused-MBConv\(Formatting.shortest(block.expansion)), \(k)"
        case .depthwiseSeparable: text = "DSConv, \(k)"
        case .conv: text = "Conv\(block.kernel)x\(block.kernel)"
        }
        if block.seRatio > 0 { text += ", SE\(Formatting.shortest(block.seRatio))" }
        if let activation = block.activation { text += ", \(activation.rawValue)" }
        return text
    }

    /// JSON with sorted keys, so the output is byte-stable (keys documented in Docs/FORMATS.md).
    public func json(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain integers and strings cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// A fixed-width table, one row per stage, then the totals.
    public func table() -> String {
        let header = ["stage", "operator", "resolution", "channels", "layers", "params", "MACs"]
        var rows = stages.map {
            [
                String($0.index), $0.operator, "\($0.inputResolution)x\($0.inputResolution)", String($0.outputChannels),
                String($0.layers), grouped($0.params), grouped($0.macs),
            ]
        }
        rows.append(["total", "", "", "", String(stages.reduce(0) { $0 + $1.layers }), grouped(params), grouped(macs)])
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max()! }
        let rightAligned: Set<Int> = [3, 4, 5, 6]
        func format(_ row: [String]) -> String {
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingWhitespace()
        }
        let title =
            "\(name) at \(resolution)x\(resolution)x\(channels), \(classes) classes: "
            + "\(String(format: "%.2f", Double(params) / 1e6))M params, \(String(format: "%.3f", Double(macs) / 1e9))B MACs"
        return ([title, format(header)] + rows.map(format)).joined(separator: "\n") + "\n"
    }
}

/// 5288548 -> "5,288,548".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return value < 0 ? "-" + out : out
}
