import Foundation
import NASArchitecture
import NASKernels
import Testing

@testable import NASModel
import NASRandom

/// `Model.folded()` against the model itself: a naive NCHW forward pass of the folded network
/// (written here from the definitions, no kernels) must give the model's inference logits.
@Suite(.serialized) struct FoldedNetworkTests {
    init() {
        configureThreads(1)
    }

    /// Every operator, SE, residuals, each activation, with and without a head conv.
    static let architectures = [
        """
        stem: 8
        head: 16
        dropout: 0.2
        drop-connect: 0.2
        ds_r1_k3_s1_e1_c8_se0.25
        ir_r2_k3_s2_e3_c16_se0.25
        er_r2_k3_s1_e2_c16_nre
        cn_r1_k3_s2_c24_skip ir_r1_k5_s1_e2_c24_nr6
        """,
        """
        stem: 8
        head: 0
        activation: relu
        er_r1_k3_s2_e4_c16_se0.5 ds_r2_k5_s1_e1_c16
        """,
    ]

    @Test(arguments: architectures.indices)
    func foldedNetworkComputesTheModelsLogits(index: Int) throws {
        var network = try ArchitectureFile.decode(Self.architectures[index], name: "t")
        network.classes = 5
        network.inputChannels = 2
        let (batch, side, channels) = (3, 12, 2)
        let resolved = network.resolved(resolution: side)
        var generator = SeededGenerator(seed: 5)
        let model = Model(resolved, maxBatch: batch, generator: &generator)
        // Batch norm statistics and affine parameters away from their identity start.
        for tensor in model.state.tensors {
            for i in 0..<tensor.count {
                model.state[tensor.offset][i] = tensor.name.hasSuffix("running_var")
                    ? 0.5 + generator.nextFloat() : 0.3 * generator.nextNormal()
            }
        }
        for tensor in model.parameters.tensors where tensor.name.contains(".bn.") {
            for i in 0..<tensor.count { model.parameters[tensor.offset][i] += 0.3 * generator.nextNormal() }
        }
        let nhwc = (0..<(batch * side * side * channels)).map { _ in generator.nextNormal() } + Array(repeating: 0, count: 16)
        let expected = nhwc.withUnsafeBufferPointer { x in
            var g = SeededGenerator(seed: 1)
            let logits = model.forward(x.baseAddress!, batch: batch, training: false, generator: &g)
            return Array(UnsafeBufferPointer(start: logits, count: batch * 5))
        }
        var nchw = [Float](repeating: 0, count: batch * channels * side * side)
        for n in 0..<batch { for y in 0..<side { for x in 0..<side { for c in 0..<channels {
            nchw[((n * channels + c) * side + y) * side + x] = nhwc[((n * side + y) * side + x) * channels + c]
        } } } }
        let folded = model.folded()
        #expect(folded.resolution == side && folded.inputChannels == channels && folded.classes == 5)
        let actual = Reference.logits(folded, images: nchw, batch: batch)
        let scale = expected.map { abs($0) }.max()!
        for (a, e) in zip(actual, expected) {
            #expect(abs(a - e) <= 1e-4 * max(1, scale), "folded \(a), model \(e)")
        }
        // The kernels' run of the folded network (evaluation, latency, `nas bench infer`), on one
        // and two threads, at the batch and below it.
        for threads in [1, 2] {
            configureThreads(threads)
            defer { configureThreads(1) }
            let inference = InferenceModel(folded, maxBatch: batch + 1)
            for count in [batch, 1] {
                let logits = nhwc.withUnsafeBufferPointer { Array(UnsafeBufferPointer(start: inference.forward($0.baseAddress!, batch: count), count: count * 5)) }
                for (a, e) in zip(logits, expected) {
                    #expect(abs(a - e) <= 1e-4 * max(1, scale), "inference \(a), model \(e), \(threads) threads, batch \(count)")
                }
            }
        }
    }
}

/// A plain NCHW forward pass of a folded network, straight from the definitions.
enum Reference {
    struct Tensor {
        var channels: Int, side: Int
        var data: [Float]  // [C, H, W] for one image
    }

    static func logits(_ net: FoldedNetwork, images: [Float], batch: Int) -> [Float] {
        let size = net.inputChannels * net.resolution * net.resolution
        var out: [Float] = []
        for n in 0..<batch {
            var x = Tensor(channels: net.inputChannels, side: net.resolution, data: Array(images[(n * size)..<((n + 1) * size)]))
            x = conv(x, net.stem)
            for block in net.blocks {
                let input = x
                for (i, layer) in block.convs.enumerated() {
                    x = conv(x, layer)
                    if i == block.seAfter, let se = block.squeezeExcitation { x = squeezeExcite(x, se) }
                }
                if block.residual { x.data = zip(x.data, input.data).map(+) }
            }
            if let head = net.head { x = conv(x, head) }
            let pooled = (0..<x.channels).map { c in
                x.data[(c * x.side * x.side)..<((c + 1) * x.side * x.side)].reduce(0, +) / Float(x.side * x.side)
            }
            for k in 0..<net.classes {
                var s = net.classifierBias[k]
                for f in 0..<net.features { s += net.classifierWeight[k * net.features + f] * pooled[f] }
                out.append(s)
            }
        }
        return out
    }

    static func activate(_ v: Float, _ activation: Activation?) -> Float {
        switch activation {
        case nil: v
        case .relu: max(v, 0)
        case .relu6: min(max(v, 0), 6)
        case .swish: v / (1 + exp(-v))
        }
    }

    static func conv(_ x: Tensor, _ c: FoldedConv) -> Tensor {
        let out = (x.side + 2 * c.padding - c.kernel) / c.stride + 1
        let perGroupIn = c.inChannels / c.groups, perGroupOut = c.outChannels / c.groups
        var y = [Float](repeating: 0, count: c.outChannels * out * out)
        for o in 0..<c.outChannels {
            let group = o / perGroupOut
            for oy in 0..<out { for ox in 0..<out {
                var s = c.bias[o]
                for ci in 0..<perGroupIn {
                    let input = group * perGroupIn + ci
                    for i in 0..<c.kernel { for j in 0..<c.kernel {
                        let iy = oy * c.stride - c.padding + i, ix = ox * c.stride - c.padding + j
                        guard iy >= 0, iy < x.side, ix >= 0, ix < x.side else { continue }
                        s += c.weight[((o * perGroupIn + ci) * c.kernel + i) * c.kernel + j] * x.data[(input * x.side + iy) * x.side + ix]
                    } }
                }
                y[(o * out + oy) * out + ox] = activate(s, c.activation)
            } }
        }
        return Tensor(channels: c.outChannels, side: out, data: y)
    }

    static func squeezeExcite(_ x: Tensor, _ se: FoldedSqueezeExcitation) -> Tensor {
        let pixels = x.side * x.side
        let pooled = (0..<se.channels).map { c in x.data[(c * pixels)..<((c + 1) * pixels)].reduce(0, +) / Float(pixels) }
        let hidden = (0..<se.reduced).map { r in
            activate(se.reduceBias[r] + (0..<se.channels).reduce(0) { $0 + se.reduceWeight[r * se.channels + $1] * pooled[$1] }, se.activation)
        }
        var y = x
        for c in 0..<se.channels {
            let z = se.expandBias[c] + (0..<se.reduced).reduce(0) { $0 + se.expandWeight[c * se.reduced + $1] * hidden[$1] }
            let gate = 1 / (1 + exp(-z))
            for p in 0..<pixels { y.data[c * pixels + p] *= gate }
        }
        return y
    }
}
