import Foundation
import NASArchitecture
import NASKernels
import NASModel
import SwiftProtobuf
import Testing

@testable import NASONNX
import NASRandom

/// The exported graph's structure, decoded back from its bytes (onnxruntime's numbers are
/// checked end to end in CommandTests/ExportCommandTests.swift).
@Suite struct ONNXGraphTests {
    static let architecture = """
        stem: 8
        head: 16
        ds_r1_k3_s1_e1_c8_se0.25
        ir_r2_k3_s2_e3_c16_se0.25
        er_r1_k3_s1_e2_c16_nre
        cn_r1_k3_s2_c24_skip ir_r1_k5_s1_e2_c24_nr6
        """

    static func folded(resolution: Int = 32, stemStride: Int = 2) throws -> FoldedNetwork {
        var network = try ArchitectureFile.decode(architecture, name: "t")
        network.stemStride = stemStride
        network.classes = 10
        network.inputChannels = 1
        var generator = SeededGenerator(seed: 3)
        return Model(network.resolved(resolution: resolution), maxBatch: 1, generator: &generator).folded()
    }

    static let fashionMNIST = ONNXPreprocessing(channels: 1, imageSize: 28, padding: 2, mean: [0.286], std: [0.353])

    @Test func graphIsWellFormedAfterARoundTrip() throws {
        let folded = try Self.folded()
        let model = try ONNXExport.model(folded, preprocessing: Self.fashionMNIST, name: "t", metadata: ["dataset": "fashion-mnist"])
        let decoded = try Onnx_ModelProto(serializedBytes: try ONNXExport.serialized(model))
        #expect(decoded == model)
        #expect(decoded.irVersion == 8 && decoded.opsetImport.map(\.version) == [17])
        #expect(decoded.metadataProps.map(\.key) == ["dataset"])
        let graph = decoded.graph
        #expect(graph.input.map(\.name) == ["image"] && graph.output.map(\.name) == ["logits"])
        #expect(graph.input[0].type.tensorType.shape.dim.map(\.dimValue) == [0, 1, 28, 28])
        #expect(graph.input[0].type.tensorType.shape.dim[0].dimParam == "N")
        // Topological order: every input is the graph's, an initializer or an earlier output.
        var defined = Set(graph.initializer.map(\.name) + ["image", ""])
        for node in graph.node {
            for input in node.input { #expect(defined.contains(input), "\(node.name) reads undefined \(input)") }
            defined.formUnion(node.output)
        }
        #expect(defined.contains("logits"))
        // Names are unique; float initializers hold exactly their dims' elements.
        #expect(Set(graph.initializer.map(\.name)).count == graph.initializer.count)
        #expect(Set(graph.node.flatMap(\.output)).count == graph.node.count)
        for tensor in graph.initializer {
            let elements = Int(tensor.dims.reduce(1, *))
            #expect(tensor.rawData.count == elements * (tensor.dataType == 7 ? 8 : 4), "\(tensor.name)")
        }
        // Batch norm is folded: one Conv per conv layer, no BatchNormalization.
        let ops = graph.node.map(\.opType)
        #expect(!ops.contains("BatchNormalization"))
        let convLayers = 1 + folded.blocks.reduce(0) { $0 + $1.convs.count + ($1.squeezeExcitation == nil ? 0 : 2) } + 1
        #expect(ops.filter { $0 == "Conv" }.count == convLayers)
        // Depthwise convolutions are grouped Convs.
        let groups = graph.node.filter { $0.opType == "Conv" }.compactMap { $0.attribute.first { $0.name == "group" }?.i }
        #expect(groups.contains { $0 > 1 })
        // Every parameter is exported once (BN's four per channel become one bias).
        let parameters = graph.initializer.filter { $0.dataType == 1 && !$0.name.hasPrefix("normalize.") && !$0.name.contains(".clip.") }
            .reduce(0) { $0 + Int($1.dims.reduce(1, *)) }
        let convBiases = ([folded.stem] + folded.blocks.flatMap(\.convs) + [folded.head!]).reduce(0) { $0 + $1.outChannels }
        let convWeights = ([folded.stem] + folded.blocks.flatMap(\.convs) + [folded.head!]).reduce(0) { $0 + $1.weight.count }
        let se = folded.blocks.compactMap(\.squeezeExcitation).reduce(0) { $0 + 2 * $1.channels * $1.reduced + $1.channels + $1.reduced }
        #expect(parameters == convWeights + convBiases + se + folded.features * 10 + 10)
        #expect(folded.parameterCount == parameters)
    }

    @Test func resizeOnlyWhenTheResolutionDiffers() throws {
        let at32 = try ONNXExport.model(try Self.folded(), preprocessing: Self.fashionMNIST, name: "t")
        #expect(!at32.graph.node.contains { $0.opType == "Resize" })
        let at48 = try ONNXExport.model(try Self.folded(resolution: 48), preprocessing: Self.fashionMNIST, name: "t")
        let resize = try #require(at48.graph.node.first { $0.opType == "Resize" })
        #expect(resize.attribute.first { $0.name == "coordinate_transformation_mode" }?.s == Data("half_pixel".utf8))
        let unpadded = ONNXPreprocessing(channels: 1, imageSize: 32, padding: 0, mean: [0.5], std: [0.5])
        let plain = try ONNXExport.model(try Self.folded(), preprocessing: unpadded, name: "t")
        #expect(!plain.graph.node.contains { $0.opType == "Pad" || $0.opType == "Resize" })
    }

    @Test(arguments: [1, 2]) func stemConvStridesFollowTheNetwork(stride: Int) throws {
        let model = try ONNXExport.model(try Self.folded(stemStride: stride), preprocessing: Self.fashionMNIST, name: "t")
        let stem = try #require(model.graph.node.first { $0.opType == "Conv" })
        #expect(stem.name == "stem")
        #expect(stem.attribute.first { $0.name == "strides" }?.ints == [Int64(stride), Int64(stride)])
    }

    @Test func mismatchedPreprocessingIsRefused() throws {
        let folded = try Self.folded()
        let rgb = ONNXPreprocessing(channels: 3, imageSize: 32, padding: 0, mean: [0, 0, 0], std: [1, 1, 1])
        #expect(throws: ONNXError.mismatch("the images have 3 channels, the network takes 1")) {
            try ONNXExport.model(folded, preprocessing: rgb, name: "t")
        }
        let noStd = ONNXPreprocessing(channels: 1, imageSize: 28, padding: 2, mean: [0], std: [])
        #expect(throws: ONNXError.self) { try ONNXExport.model(folded, preprocessing: noStd, name: "t") }
    }
}
