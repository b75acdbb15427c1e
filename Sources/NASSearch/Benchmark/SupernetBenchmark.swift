import Foundation
import NASArchitecture
import NASKernels
import NASModel
import NASRandom
import NASRecipe
import NASSearchSpace
import NASSupernet

/// What weight sharing costs per step: architectures drawn uniformly from a space, each
/// trained for a few steps both on the supernet (building its path, loading and storing its
/// slices included) and as a stand-alone model built once, the two alternating step by step
/// so machine load hits both alike; and what scoring one candidate on a batch costs.
public struct SupernetBenchmark: Codable, Sendable {
    public var architectures: Int
    public var steps: Int
    public var batch: Int
    public var threads: Int
    public var sharedParameters: Int
    /// Medians over every timed step, in milliseconds.
    public var supernetStepMilliseconds: Double
    public var aloneStepMilliseconds: Double
    /// Median over architectures of (supernet step / stand-alone step).
    public var ratio: Double
    /// Building a path and loading its slices (part of a supernet step).
    public var pathMilliseconds: Double
    /// Building a path and one inference forward pass on a batch.
    public var scoreMilliseconds: Double

    enum CodingKeys: String, CodingKey {
        case architectures, steps, batch, threads, ratio
        case sharedParameters = "shared_parameters", supernetStepMilliseconds = "supernet_step_ms"
        case aloneStepMilliseconds = "alone_step_ms", pathMilliseconds = "path_ms", scoreMilliseconds = "score_ms"
    }

    /// `prepare` turns a point of the space into the network as trained (width, stem,
    /// classes, channels), as the proxy does.
    public static func run(
        space: SearchSpace, prepare: (Network) throws -> Network, resolution: Int, batch: Int, threads: Int,
        architectures: Int, steps: Int, seed: UInt64 = 1
    ) throws -> SupernetBenchmark {
        configureThreads(threads)
        var generator = SeededGenerator(seed: seed)
        let largest = try prepare(try space.largestNetwork()).resolved(resolution: resolution)
        let supernet = Supernet(largest: largest, maxBatch: batch, optimizer: OptimizerConfig(), generator: &generator)
        let images = FloatBuffer(batch * resolution * resolution * largest.network.inputChannels)
        for i in 0..<images.count { images.pointer[i] = generator.nextNormal() }
        let labels = (0..<batch).map { Int32($0 % largest.network.classes) }
        var shared: [Double] = [], alone: [Double] = [], paths: [Double] = [], scores: [Double] = [], ratios: [Double] = []
        for _ in 0..<architectures {
            let choices = space.decisionSizes.map { Int(generator.next() % UInt64($0)) }
            let resolved = try prepare(try space.architecture(for: choices)).resolved(resolution: resolution)
            let model = Model(resolved, maxBatch: batch, generator: &generator)
            let optimizer = Optimizer(model: model, config: OptimizerConfig())
            var own: [Double] = [], onSupernet: [Double] = []
            try labels.withUnsafeBufferPointer { y in
                for step in 0...steps {
                    let aloneTime = time {
                        _ = model.trainStep(images: images.pointer, labels: y.baseAddress!, batch: batch, labelSmoothing: 0.1, generator: &generator)
                        optimizer.step(learningRate: 0.01)
                    }
                    var path: SupernetPath?
                    let pathTime = try time { path = try supernet.path(resolved) }
                    let stepTime = time {
                        _ = path!.model.trainStep(images: images.pointer, labels: y.baseAddress!, batch: batch, labelSmoothing: 0.1, generator: &generator)
                        path!.optimizer.step(learningRate: 0.01)
                        path!.store()
                    }
                    guard step > 0 else { continue }
                    own.append(aloneTime)
                    onSupernet.append(pathTime + stepTime)
                    paths.append(pathTime)
                }
            }
            let score = try time {
                let path = try supernet.path(resolved)
                _ = path.model.forward(images.pointer, batch: batch, training: false, generator: &generator)
            }
            shared += onSupernet
            alone += own
            scores.append(score)
            ratios.append(median(onSupernet) / median(own))
        }
        return SupernetBenchmark(
            architectures: architectures, steps: steps, batch: batch, threads: threads, sharedParameters: supernet.storage.parameterCount,
            supernetStepMilliseconds: median(shared), aloneStepMilliseconds: median(alone), ratio: median(ratios),
            pathMilliseconds: median(paths), scoreMilliseconds: median(scores))
    }
}

private func time(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}
