import Foundation
import NASArchitecture
import NASModel
import SwiftProtobuf

/// What the exported graph does to an image before the network sees it: exactly what the
/// trainer's evaluation path does (NASData's BatchAssembler without augmentation), so the
/// file takes raw pixels scaled to [0, 1].
public struct ONNXPreprocessing: Sendable, Hashable {
    public var channels: Int
    /// Side of the images the user feeds (28 for Fashion-MNIST).
    public var imageSize: Int
    /// Zero padding on each side, in raw pixel value 0 (Fashion-MNIST: 2, to 32×32).
    public var padding: Int
    /// Per-channel mean and standard deviation in pixel/255 units.
    public var mean: [Float]
    public var std: [Float]

    public init(channels: Int, imageSize: Int, padding: Int, mean: [Float], std: [Float]) {
        self.channels = channels
        self.imageSize = imageSize
        self.padding = padding
        self.mean = mean
        self.std = std
    }

    /// The side after padding, before any resize to the network's resolution.
    public var paddedSize: Int { imageSize + 2 * padding }
}

/// Everything the export can refuse, as one line each.
public enum ONNXError: Error, CustomStringConvertible, Equatable, Sendable {
    case mismatch(String)
    /// A model folder that cannot be exported (unreadable, or missing what the graph needs).
    case modelFolder(String)

    public var description: String {
        switch self {
        case .mismatch(let detail): "onnx export: \(detail)"
        case .modelFolder(let message): message
        }
    }
}

/// A folded network as an ONNX model (opset 17): input `image` float32 [N, C, H, W] in [0, 1],
/// output `logits` [N, classes]. Batch norm is already folded into each Conv's bias;
/// depthwise convolutions are grouped Convs; swish is Sigmoid·Mul; ReLU6 is Clip(0, 6).
/// Docs/ONNX.md shows the graph and how to run it.
public enum ONNXExport {
    public static let opset: Int64 = 17
    /// The IR version that goes with opset 17 (ONNX 1.12).
    public static let irVersion: Int64 = 8
    public static let inputName = "image"
    public static let outputName = "logits"

    public static func model(
        _ network: FoldedNetwork, preprocessing: ONNXPreprocessing, name: String, metadata: [String: String] = [:]
    ) throws(ONNXError) -> Onnx_ModelProto {
        let p = preprocessing
        guard p.channels == network.inputChannels else {
            throw .mismatch("the images have \(p.channels) channels, the network takes \(network.inputChannels)")
        }
        guard p.mean.count == p.channels, p.std.count == p.channels, p.std.allSatisfy({ $0 > 0 }) else {
            throw .mismatch("mean and std need one value per channel (\(p.channels)), std > 0")
        }
        guard p.imageSize >= 1, p.padding >= 0 else { throw .mismatch("image size \(p.imageSize), padding \(p.padding)") }

        var graph = GraphBuilder()
        var x = inputName
        if p.padding > 0 {
            // Raw value 0 around the image, before normalization: what the dataset loader does.
            let pads = graph.constant(int64: Array(repeating: [0, 0, Int64(p.padding), Int64(p.padding)], count: 2).flatMap { $0 }, name: "pad.pads")
            x = graph.node("Pad", [x, pads], name: "pad", attributes: [.string("mode", "constant")])
        }
        if p.paddedSize != network.resolution {
            // Bilinear with half-pixel centres and no antialiasing, as the trainer resizes.
            let ratio = Float(network.resolution) / Float(p.paddedSize)
            let scales = graph.constant([1, 1, ratio, ratio], dims: [4], name: "resize.scales")
            x = graph.node("Resize", [x, "", scales], name: "resize", attributes: [
                .string("mode", "linear"), .string("coordinate_transformation_mode", "half_pixel"),
            ])
        }
        let mean = graph.constant(p.mean, dims: [1, Int64(p.channels), 1, 1], name: "normalize.mean")
        let std = graph.constant(p.std, dims: [1, Int64(p.channels), 1, 1], name: "normalize.std")
        x = graph.node("Sub", [x, mean], name: "normalize.sub")
        x = graph.node("Div", [x, std], name: "normalize.div")

        x = graph.conv(x, network.stem, name: "stem")
        for (index, block) in network.blocks.enumerated() {
            let input = x
            let prefix = "blocks.\(index)"
            for (i, conv) in block.convs.enumerated() {
                x = graph.conv(x, conv, name: "\(prefix).conv\(i)")
                if i == block.seAfter, let se = block.squeezeExcitation { x = graph.squeezeExcitation(x, se, name: "\(prefix).se") }
            }
            if block.residual { x = graph.node("Add", [x, input], name: "\(prefix).add") }
        }
        if let head = network.head { x = graph.conv(x, head, name: "head") }
        x = graph.node("GlobalAveragePool", [x], name: "pool")
        x = graph.node("Flatten", [x], name: "flatten", attributes: [.int("axis", 1)])
        let weight = graph.constant(network.classifierWeight, dims: [Int64(network.classes), Int64(network.features)], name: "classifier.weight")
        let bias = graph.constant(network.classifierBias, dims: [Int64(network.classes)], name: "classifier.bias")
        _ = graph.node("Gemm", [x, weight, bias], name: "classifier", output: outputName, attributes: [.int("transB", 1)])

        var g = Onnx_GraphProto()
        g.name = name
        g.node = graph.nodes
        g.initializer = graph.initializers
        g.input = [valueInfo(inputName, dims: [.symbol("N"), .fixed(p.channels), .fixed(p.imageSize), .fixed(p.imageSize)])]
        g.output = [valueInfo(outputName, dims: [.symbol("N"), .fixed(network.classes)])]

        var model = Onnx_ModelProto()
        model.irVersion = irVersion
        var opsetID = Onnx_OperatorSetIdProto()
        opsetID.domain = ""
        opsetID.version = opset
        model.opsetImport = [opsetID]
        model.producerName = "SwiftNAS"
        model.graph = g
        model.docString = "Input '\(inputName)': float32 [N, \(p.channels), \(p.imageSize), \(p.imageSize)], pixel values in [0, 1]. Output '\(outputName)': [N, \(network.classes)]."
        model.metadataProps = metadata.sorted { $0.key < $1.key }.map { key, value in
            var entry = Onnx_StringStringEntryProto()
            entry.key = key
            entry.value = value
            return entry
        }
        return model
    }

    /// The model's protobuf bytes (what a .onnx file holds).
    public static func serialized(_ model: Onnx_ModelProto) throws -> Data {
        try model.serializedData()
    }

    enum Dimension {
        case fixed(Int)
        case symbol(String)
    }

    static func valueInfo(_ name: String, dims: [Dimension]) -> Onnx_ValueInfoProto {
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            switch d {
            case .fixed(let value): dim.dimValue = Int64(value)
            case .symbol(let name): dim.dimParam = name
            }
            return dim
        }
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = Onnx_TensorProto.DataType.float.rawValue32
        tensor.shape = shape
        var type = Onnx_TypeProto()
        type.tensorType = tensor
        var info = Onnx_ValueInfoProto()
        info.name = name
        info.type = type
        return info
    }
}

extension Onnx_TensorProto.DataType {
    var rawValue32: Int32 { Int32(rawValue) }
}

/// Nodes and initializers in topological order, with unique value names.
struct GraphBuilder {
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []

    enum Attribute {
        case int(String, Int64)
        case ints(String, [Int64])
        case string(String, String)

        var proto: Onnx_AttributeProto {
            var a = Onnx_AttributeProto()
            switch self {
            case .int(let name, let value):
                a.name = name
                a.type = .int
                a.i = value
            case .ints(let name, let values):
                a.name = name
                a.type = .ints
                a.ints = values
            case .string(let name, let value):
                a.name = name
                a.type = .string
                a.s = Data(value.utf8)
            }
            return a
        }
    }

    /// Adds a node; its output is named `output` or after the node. Returns the output's name.
    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], name: String, output: String? = nil, attributes: [Attribute] = []) -> String {
        var n = Onnx_NodeProto()
        n.opType = op
        n.name = name
        n.input = inputs
        let out = output ?? name
        n.output = [out]
        n.attribute = attributes.map(\.proto)
        nodes.append(n)
        return out
    }

    /// A float32 initializer, little-endian raw data.
    mutating func constant(_ values: [Float], dims: [Int64], name: String) -> String {
        precondition(dims.reduce(1, *) == Int64(values.count), "\(name): \(values.count) values for dims \(dims)")
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = dims
        t.dataType = Onnx_TensorProto.DataType.float.rawValue32
        t.rawData = values.map(\.bitPattern.littleEndian).withUnsafeBytes { Data($0) }
        initializers.append(t)
        return name
    }

    /// An int64 vector initializer.
    mutating func constant(int64 values: [Int64], name: String) -> String {
        var t = Onnx_TensorProto()
        t.name = name
        t.dims = [Int64(values.count)]
        t.dataType = Onnx_TensorProto.DataType.int64.rawValue32
        t.rawData = values.map(\.littleEndian).withUnsafeBytes { Data($0) }
        initializers.append(t)
        return name
    }

    /// Conv (+ bias, batch norm already folded in) then its activation.
    mutating func conv(_ x: String, _ c: FoldedConv, name: String) -> String {
        let k = Int64(c.kernel), p = Int64(c.padding), s = Int64(c.stride)
        let weight = constant(c.weight, dims: [Int64(c.outChannels), Int64(c.inChannels / c.groups), k, k], name: "\(name).weight")
        let bias = constant(c.bias, dims: [Int64(c.outChannels)], name: "\(name).bias")
        let y = node("Conv", [x, weight, bias], name: name, attributes: [
            .ints("kernel_shape", [k, k]), .ints("strides", [s, s]), .ints("pads", [p, p, p, p]), .int("group", Int64(c.groups)),
        ])
        return activation(y, c.activation, name: name)
    }

    mutating func activation(_ x: String, _ activation: Activation?, name: String) -> String {
        switch activation {
        case nil:
            return x
        case .relu:
            return node("Relu", [x], name: "\(name).relu")
        case .relu6:
            let low = constant([0], dims: [], name: "\(name).clip.min")
            let high = constant([6], dims: [], name: "\(name).clip.max")
            return node("Clip", [x, low, high], name: "\(name).relu6")
        case .swish:
            let gate = node("Sigmoid", [x], name: "\(name).sigmoid")
            return node("Mul", [x, gate], name: "\(name).swish")
        }
    }

    /// GlobalAveragePool → 1×1 Conv → act → 1×1 Conv → Sigmoid → Mul (broadcast over H, W).
    mutating func squeezeExcitation(_ x: String, _ se: FoldedSqueezeExcitation, name: String) -> String {
        let (c, r) = (Int64(se.channels), Int64(se.reduced))
        let pooled = node("GlobalAveragePool", [x], name: "\(name).pool")
        let w1 = constant(se.reduceWeight, dims: [r, c, 1, 1], name: "\(name).reduce.weight")
        let b1 = constant(se.reduceBias, dims: [r], name: "\(name).reduce.bias")
        var h = node("Conv", [pooled, w1, b1], name: "\(name).reduce", attributes: [.ints("kernel_shape", [1, 1])])
        h = activation(h, se.activation, name: "\(name).reduce")
        let w2 = constant(se.expandWeight, dims: [c, r, 1, 1], name: "\(name).expand.weight")
        let b2 = constant(se.expandBias, dims: [c], name: "\(name).expand.bias")
        let z = node("Conv", [h, w2, b2], name: "\(name).expand", attributes: [.ints("kernel_shape", [1, 1])])
        let gate = node("Sigmoid", [z], name: "\(name).gate")
        return node("Mul", [x, gate], name: "\(name).scale")
    }
}
