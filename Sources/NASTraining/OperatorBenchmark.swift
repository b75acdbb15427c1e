import Foundation
import NASArchitecture
import NASKernels
import NASModel
import NASRandom
import NASRecipe

/// EfficientNetV2's drawback of MBConv, measured here: "depthwise convolutions are slow in
/// early layers". A network's first stages are built twice, every block as MBConv and as
/// Fused-MBConv with the same kernel, stride, expansion, SE, filters and repeats (stem, those
/// stages, pooling and the classifier; no head conv), and a training step (forward, backward,
/// optimizer) of each is timed, the two alternating step by step so machine load hits both
/// alike.
public struct FusedMBConvBenchmark: Codable, Sendable {
    /// One of the two networks.
    public struct Side: Codable, Sendable {
        /// Median milliseconds of a training step.
        public var millisecondsPerStep: Double
        public var imagesPerSecond: Double
        public var params: Int
        /// Multiply-adds per image at the benchmark's resolution.
        public var macs: Int
        /// The stages as timm arch-def strings.
        public var arch: [String]

        enum CodingKeys: String, CodingKey {
            case millisecondsPerStep = "ms_per_step", imagesPerSecond = "images_per_second", params, macs, arch
        }
    }

    public var stages: Int
    public var resolution: Int
    public var batch: Int
    public var steps: Int
    public var threads: Int
    public var mbconv: Side
    public var fused: Side
    /// Fused-MBConv's step time over MBConv's (below 1: Fused-MBConv trains faster).
    public var ratio: Double

    /// The first `stages` stages of `network` with every block as `op` (and the network's stem,
    /// classes and channels; no head conv).
    public static func earlyStages(of network: Network, stages: Int, as op: Operator) -> Network {
        var early = network
        early.stages = network.stages.prefix(stages).map { stage in
            stage.map { block in
                Block(
                    op: op, kernel: block.kernel, stride: block.stride, expansion: block.expansion, seRatio: block.seRatio,
                    outFilters: block.outFilters, repeats: block.repeats, skip: block.skip, activation: block.activation)
            }
        }
        early.headFilters = 0
        early.name = "\(network.name)-\(stages)-\(op.rawValue)"
        return early
    }

    /// `steps` timed steps of each network (medians), after `warmup` untimed ones of each.
    public static func run(
        network: Network, stages: Int, resolution: Int, batch: Int, steps: Int, threads: Int, warmup: Int = 2
    ) -> FusedMBConvBenchmark {
        configureThreads(threads)
        var generator = SeededGenerator(seed: 1)
        let networks = [Operator.mbconv, .fusedMBConv].map { earlyStages(of: network, stages: stages, as: $0) }
        let models = networks.map { Model($0.resolved(resolution: resolution), maxBatch: batch, generator: &generator) }
        let optimizers = models.map { Optimizer(model: $0, config: OptimizerConfig()) }
        let images = InferenceBenchmark.randomImages(batch: batch, network: network, resolution: resolution)
        let labels = (0..<batch).map { Int32($0 % network.classes) }
        var times: [[Double]] = [[], []]
        labels.withUnsafeBufferPointer { y in
            for step in 0..<(warmup + max(1, steps)) {
                for side in 0..<2 {
                    let start = DispatchTime.now().uptimeNanoseconds
                    _ = models[side].trainStep(images: images.pointer, labels: y.baseAddress!, batch: batch, labelSmoothing: 0.1, generator: &generator)
                    optimizers[side].step(learningRate: 0.01)
                    if step >= warmup { times[side].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
                }
            }
        }
        let sides = (0..<2).map { side in
            let milliseconds = times[side].sorted()[times[side].count / 2]
            return Side(
                millisecondsPerStep: milliseconds, imagesPerSecond: Double(batch) / milliseconds * 1000,
                params: models[side].parameterCount, macs: models[side].architecture.cost.macs,
                arch: networks[side].stages.map { $0.map(TimmCodec.encode).joined(separator: " ") })
        }
        return FusedMBConvBenchmark(
            stages: stages, resolution: resolution, batch: batch, steps: steps, threads: threads, mbconv: sides[0], fused: sides[1],
            ratio: sides[1].millisecondsPerStep / sides[0].millisecondsPerStep)
    }
}
