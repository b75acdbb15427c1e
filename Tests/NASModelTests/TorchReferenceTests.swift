import Foundation
import NASArchitecture
import NASKernels
import Testing

@testable import NASModel
import NASRandom

/// Outputs and gradients of a small network against PyTorch on fixed inputs
/// (Fixtures/torch_reference.json, made by make_torch_reference.py with torch 2.13).
@Suite(.serialized) struct TorchReferenceTests {
    struct Fixture: Decodable {
        let arch: String
        let batch: Int
        let images_nhwc: [Float]
        let labels: [Int32]
        let label_smoothing: Float
        let logits: [Float]
        let loss: Float
        let params: [String: [Float]]
        let grads: [String: [Float]]
        let running_mean_stem: [Float]
        let running_var_stem: [Float]
    }

    @Test func matchesPyTorch() throws {
        configureThreads(1)
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/torch_reference.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        let network = try ArchitectureFile.decode(fixture.arch, name: "fixture")
        var generator = SeededGenerator(seed: 0)
        let model = Model(network.resolved(), maxBatch: fixture.batch, generator: &generator)
        #expect(Set(model.parameters.tensors.map(\.name)) == Set(fixture.params.keys))
        for tensor in model.parameters.tensors {
            let values = try #require(fixture.params[tensor.name])
            #expect(values.count == tensor.count, "\(tensor.name)")
            model.parameters[tensor.offset].update(from: values, count: tensor.count)
        }
        let images = fixture.images_nhwc + Array(repeating: 0, count: 16)
        let loss = images.withUnsafeBufferPointer { x in
            fixture.labels.withUnsafeBufferPointer { y in
                model.trainStep(images: x.baseAddress!, labels: y.baseAddress!, batch: fixture.batch,
                                labelSmoothing: fixture.label_smoothing, generator: &generator).loss
            }
        }
        #expect(abs(loss - fixture.loss) < 1e-5 * max(1, abs(fixture.loss)), "loss \(loss) vs \(fixture.loss)")
        for (i, expected) in fixture.logits.enumerated() {
            #expect(abs(model.logits.pointer[i] - expected) < 1e-4, "logit \(i)")
        }
        // Gradients: within 0.1% of the tensor's largest gradient, or 1e-6 absolute — the bias of
        // a projection BN that feeds only a conv + BN has a true gradient of 0 (the next BN
        // removes any shift), which both sides compute as float noise.
        for tensor in model.gradients.tensors {
            let expected = try #require(fixture.grads[tensor.name])
            let scale = expected.map(abs).max()!
            var worst: Float = 0
            for i in 0..<tensor.count { worst = max(worst, abs(model.gradients[tensor.offset][i] - expected[i])) }
            #expect(worst <= max(1e-3 * scale, 1e-6), "\(tensor.name): largest difference \(worst), largest gradient \(scale)")
        }
        // BN running statistics follow PyTorch's update (momentum 0.01, unbiased variance).
        let stem = model.state.tensors.first { $0.name == "stem.bn.running_mean" }!
        let stemVar = model.state.tensors.first { $0.name == "stem.bn.running_var" }!
        for c in 0..<stem.count {
            #expect(abs(model.state[stem.offset][c] - fixture.running_mean_stem[c]) < 1e-5)
            #expect(abs(model.state[stemVar.offset][c] - fixture.running_var_stem[c]) < 1e-5)
        }
    }
}
