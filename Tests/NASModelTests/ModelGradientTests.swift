import NASArchitecture
import NASKernels
import Testing

@testable import NASModel
import NASRandom

@Suite(.serialized) struct ModelGradientTests {
    init() {
        configureThreads(1)
    }

    /// Networks with every operator, SE on and off, residuals, with and without a head conv.
    /// Swish only: at these tiny sizes a ReLU kink always sits within a finite-difference
    /// step somewhere (ReLU and ReLU6 backward are checked kernel by kernel instead).
    static let architectures = [
        """
        stem: 8
        head: 16
        dropout: 0
        drop-connect: 0
        ds_r1_k3_s1_e1_c8_se0.25
        ir_r2_k3_s2_e3_c16_se0.25
        er_r2_k3_s1_e2_c16
        cn_r1_k3_s2_c24_skip ir_r1_k5_s1_e2_c24
        """,
        """
        stem: 8
        head: 0
        dropout: 0
        drop-connect: 0
        er_r1_k3_s2_e4_c16_se0.5 ds_r2_k5_s1_e1_c16
        """,
        // A stride-1 stem keeps the input's size through the stem.
        """
        stem: 8
        stem-stride: 1
        head: 0
        dropout: 0
        drop-connect: 0
        ir_r1_k3_s2_e2_c8_se0.25
        """,
    ]

    @Test(arguments: architectures.indices)
    func gradientsMatchFiniteDifferences(index: Int) throws {
        var network = try ArchitectureFile.decode(Self.architectures[index], name: "t")
        network.classes = 5
        network.inputChannels = 2
        let resolved = network.resolved(resolution: 8)
        var generator = SeededGenerator(seed: 11)
        let model = Model(resolved, maxBatch: 4, generator: &generator)
        let images = (0..<(4 * 8 * 8 * 2)).map { _ in generator.nextNormal() } + Array(repeating: 0, count: 16)
        let labels: [Int32] = [0, 3, 4, 1]
        func step() -> Double {
            images.withUnsafeBufferPointer { x in
                labels.withUnsafeBufferPointer { y in
                    var g = SeededGenerator(seed: 1)
                    return Double(model.trainStep(images: x.baseAddress!, labels: y.baseAddress!, batch: 4, labelSmoothing: 0.1, generator: &g).loss)
                }
            }
        }
        _ = step()
        let analytic = Array(model.gradients.buffer)
        func numeric(_ i: Int, _ epsilon: Float) -> Double {
            let saved = model.parameters.buffer[i]
            model.parameters.buffer[i] = saved + epsilon
            let plus = step()
            model.parameters.buffer[i] = saved - epsilon
            let minus = step()
            model.parameters.buffer[i] = saved
            return (plus - minus) / Double(2 * epsilon)
        }
        var checked = 0
        for tensor in model.parameters.tensors {
            // A few entries of every tensor.
            for j in Set([0, tensor.count / 2, tensor.count - 1]) {
                let i = tensor.offset + j
                let estimate = numeric(i, 3e-3)
                let error = abs(estimate - Double(analytic[i])) / max(1e-2, abs(estimate) + abs(Double(analytic[i])))
                #expect(error < 0.02, "\(tensor.name)[\(j)]: numeric \(estimate) analytic \(analytic[i])")
                checked += 1
            }
        }
        #expect(checked > 30)
        #expect(model.parameters.count == resolved.cost.params)
    }
}

@Suite struct StemStrideModelTests {
    @Test(arguments: [1, 2]) func stemOutputFollowsItsStride(stride: Int) throws {
        var network = try ArchitectureFile.decode(ModelGradientTests.architectures[2], name: "t")
        network.stemStride = stride
        let resolved = network.resolved(resolution: 16)
        var generator = SeededGenerator(seed: 5)
        let model = Model(resolved, maxBatch: 2, generator: &generator)
        #expect(model.stem.stride == stride && model.stem.outSize == 16 / stride)
        #expect(model.stem.outSize == resolved.stemOutputSize && model.folded().stem.stride == stride)
        #expect(model.parameters.count == resolved.cost.params)
    }
}
