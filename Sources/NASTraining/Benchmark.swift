import Foundation
import NASArchitecture
import NASKernels
import NASModel
import NASRandom
import NASRecipe

/// Training throughput on synthetic inputs: the trainer's speed without the data path.
public struct TrainingBenchmark: Codable, Sendable {
    public var imagesPerSecond: Double
    /// 3 × forward MACs × 2 FLOPs per image (forward + two backward GEMMs), per second.
    public var gflopsPerSecond: Double
    public var millisecondsPerStep: Double
    public var peakMemoryBytes: Int
    public var seconds: Double
    public var params: Int
    public var macs: Int
    public var batch: Int
    public var steps: Int
    public var threads: Int

    enum CodingKeys: String, CodingKey {
        case imagesPerSecond = "images_per_second", gflopsPerSecond = "gflops_per_second"
        case millisecondsPerStep = "ms_per_step", peakMemoryBytes = "peak_memory_bytes"
        case seconds, params, macs, batch, steps, threads
    }

    public static func run(network: Network, resolution: Int, batch: Int, steps: Int, threads: Int, warmup: Int = 3) -> TrainingBenchmark {
        configureThreads(threads)
        let resolved = network.resolved(resolution: resolution)
        var generator = SeededGenerator(seed: 1)
        let model = Model(resolved, maxBatch: batch, generator: &generator)
        let optimizer = Optimizer(model: model, config: OptimizerConfig())
        let images = FloatBuffer(batch * resolution * resolution * network.inputChannels)
        for i in 0..<images.count { images.pointer[i] = generator.nextNormal() }
        let labels = (0..<batch).map { Int32($0 % network.classes) }
        func run(_ count: Int) {
            labels.withUnsafeBufferPointer { y in
                for _ in 0..<count {
                    _ = model.trainStep(images: images.pointer, labels: y.baseAddress!, batch: batch, labelSmoothing: 0.1, generator: &generator)
                    optimizer.step(learningRate: 0.01)
                }
            }
        }
        run(warmup)
        let start = Date()
        run(steps)
        let seconds = Date().timeIntervalSince(start)
        let imagesPerSecond = Double(steps * batch) / seconds
        let macs = resolved.cost.macs
        return TrainingBenchmark(
            imagesPerSecond: imagesPerSecond, gflopsPerSecond: 6 * Double(macs) * imagesPerSecond / 1e9,
            millisecondsPerStep: seconds / Double(steps) * 1000, peakMemoryBytes: peakResidentBytes(), seconds: seconds,
            params: model.parameterCount, macs: macs, batch: batch, steps: steps, threads: threads)
    }

    /// VmHWM from /proc/self/status: the process's peak resident memory.
    public static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}

/// Inference speed of a network with SwiftNAS's own kernels, on the folded network
/// (`InferenceModel`: what an ONNX export holds): throughput at a batch and the latency of one
/// image. Weights are random (speed does not depend on them).
public struct InferenceBenchmark: Codable, Sendable {
    public var imagesPerSecond: Double
    /// Median milliseconds of one batch-`batch` forward pass.
    public var millisecondsPerBatch: Double
    /// Median milliseconds of a batch-1 forward pass.
    public var latencyMilliseconds: Double
    /// 2 × forward MACs × images per second.
    public var gflopsPerSecond: Double
    public var peakMemoryBytes: Int
    public var params: Int
    public var macs: Int
    public var batch: Int
    public var runs: Int
    public var threads: Int

    enum CodingKeys: String, CodingKey {
        case imagesPerSecond = "images_per_second", millisecondsPerBatch = "ms_per_batch", latencyMilliseconds = "latency_ms"
        case gflopsPerSecond = "gflops_per_second", peakMemoryBytes = "peak_memory_bytes"
        case params, macs, batch, runs, threads
    }

    /// The folded network of `network` with random weights (what `run` times and
    /// `nas bench infer --onnx` writes).
    public static func folded(network: Network, resolution: Int, seed: UInt64 = 1) -> FoldedNetwork {
        var generator = SeededGenerator(seed: seed)
        return Model(network.resolved(resolution: resolution), maxBatch: 1, generator: &generator).folded()
    }

    /// `runs` timed passes at `batch` and at batch 1, after `warmup` each.
    public static func run(network: Network, resolution: Int, batch: Int, runs: Int, threads: Int, warmup: Int = 3) -> InferenceBenchmark {
        configureThreads(threads)
        let folded = folded(network: network, resolution: resolution)
        let model = InferenceModel(folded, maxBatch: batch)
        let images = randomImages(batch: batch, network: network, resolution: resolution)
        let batchMilliseconds = medianMilliseconds(runs: runs, warmup: warmup) { _ = model.forward(images.pointer, batch: batch) }
        let latency = medianMilliseconds(runs: runs, warmup: warmup) { _ = model.forward(images.pointer, batch: 1) }
        let macs = network.resolved(resolution: resolution).cost.macs
        let imagesPerSecond = Double(batch) / batchMilliseconds * 1000
        return InferenceBenchmark(
            imagesPerSecond: imagesPerSecond, millisecondsPerBatch: batchMilliseconds, latencyMilliseconds: latency,
            gflopsPerSecond: 2 * Double(macs) * imagesPerSecond / 1e9, peakMemoryBytes: TrainingBenchmark.peakResidentBytes(),
            params: folded.parameterCount, macs: macs, batch: batch, runs: runs, threads: threads)
    }

    /// Median milliseconds of a batch-`batch` forward pass over `runs` runs, after `warmup`
    /// unmeasured ones: the MnasNet reward's latency when the space asks for measured latency.
    public static func latency(network: Network, resolution: Int, batch: Int = 1, runs: Int = 10, warmup: Int = 2,
                               threads: Int = 1) -> Double {
        configureThreads(threads)
        let model = InferenceModel(folded(network: network, resolution: resolution), maxBatch: batch)
        let images = randomImages(batch: batch, network: network, resolution: resolution)
        return medianMilliseconds(runs: runs, warmup: warmup) { _ = model.forward(images.pointer, batch: batch) }
    }

    static func randomImages(batch: Int, network: Network, resolution: Int) -> FloatBuffer {
        var generator = SeededGenerator(seed: 2)
        let images = FloatBuffer(batch * resolution * resolution * network.inputChannels)
        for i in 0..<images.count { images.pointer[i] = generator.nextNormal() }
        return images
    }

    static func medianMilliseconds(runs: Int, warmup: Int, _ body: () -> Void) -> Double {
        var times: [Double] = []
        for run in 0..<(warmup + max(1, runs)) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if run >= warmup { times.append(elapsed) }
        }
        times.sort()
        return times[times.count / 2]
    }
}
