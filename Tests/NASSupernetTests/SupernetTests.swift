import NASArchitecture
import NASKernels
import NASModel
import NASRandom
import NASRecipe
import Testing

@testable import NASSupernet

@Suite(.serialized) struct SupernetTests {
    init() { configureThreads(1) }

    static let largest = """
        stem: 8
        head: 16
        dropout: 0
        drop-connect: 0
        ds_r1_k5_s1_e1_c8_se0.25
        ir_r2_k5_s2_e6_c24_se0.25
        ir_r2_k5_s1_e6_c32_se0.25
        """
    /// Smaller kernels, expansions, filters and one layer fewer; SE where the largest has it.
    static let smaller = """
        stem: 8
        head: 16
        dropout: 0
        drop-connect: 0
        ds_r1_k3_s1_e1_c8_se0.25
        ir_r1_k3_s2_e3_c16_se0.25
        ir_r2_k5_s1_e3_c24_se0.25
        """
    /// Without SE in two blocks.
    static let withoutSE = """
        stem: 8
        head: 16
        dropout: 0
        drop-connect: 0
        ds_r1_k5_s1_e1_c8
        ir_r2_k3_s2_e6_c16_se0.25
        ir_r1_k3_s1_e3_c32
        """

    static func resolved(_ text: String) throws -> ResolvedNetwork {
        var network = try ArchitectureFile.decode(text, name: "t")
        network.classes = 5
        network.inputChannels = 2
        return network.resolved(resolution: 8)
    }

    static func supernet(seed: UInt64 = 3) throws -> Supernet {
        var generator = SeededGenerator(seed: seed)
        return Supernet(largest: try resolved(largest), maxBatch: 4, optimizer: OptimizerConfig(), generator: &generator)
    }

    static let images: [Float] = {
        var generator = SeededGenerator(seed: 5)
        return (0..<(4 * 8 * 8 * 2)).map { _ in generator.nextNormal() } + Array(repeating: 0, count: 32)
    }()
    static let labels: [Int32] = [0, 3, 4, 1]

    static func trainStep(_ model: Model) -> Float {
        images.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { y in
                var g = SeededGenerator(seed: 1)
                return model.trainStep(images: x.baseAddress!, labels: y.baseAddress!, batch: 4, labelSmoothing: 0.1, generator: &g).loss
            }
        }
    }

    @Test func theLargestPathIsTheSharedWeights() throws {
        let supernet = try Self.supernet()
        let path = try supernet.path(supernet.largest)
        #expect(Array(path.model.parameters.buffer) == Array(supernet.storage.parameters.buffer))
        #expect(path.parameters.count == 1)
    }

    @Test func kernelsAreCentredAndChannelsLeading() throws {
        let small = TensorInfo(name: "x.conv.weight", shape: [3, 3, 2], offset: 0)
        let large = TensorInfo(name: "x.conv.weight", shape: [5, 5, 4], offset: 100)
        let runs = try #require(CopyRun.runs(from: small, in: large, centred: 2))
        #expect(runs.count == 9)
        #expect(runs[0] == CopyRun(path: 0, shared: 100 + (1 * 5 + 1) * 4, count: 2))
        #expect(runs[8] == CopyRun(path: 16, shared: 100 + (3 * 5 + 3) * 4, count: 2))
        #expect(CopyRun.runs(from: TensorInfo(name: "w", shape: [4, 2], offset: 0), in: TensorInfo(name: "w", shape: [3, 8], offset: 0), centred: 0) == nil)
        #expect(CopyRun.runs(from: small, in: TensorInfo(name: "x", shape: [4, 4, 4], offset: 0), centred: 2) == nil)
    }

    /// A path computes what the largest network computes with every weight outside the path
    /// set to zero (a dense mask): forward, and the gradients of the path's weights.
    @Test func aPathIsTheLargestNetworkMasked() throws {
        let supernet = try Self.supernet()
        let path = try supernet.path(try Self.resolved(Self.smaller))
        var generator = SeededGenerator(seed: 9)
        let masked = Model(supernet.largest, maxBatch: 4, generator: &generator)
        masked.parameters.buffer.update(repeating: 0)
        CopyRun.scatter(path.parameters, from: path.model.parameters.base!, into: masked.parameters.base!)
        let pathLoss = Self.trainStep(path.model)
        let maskedLoss = Self.trainStep(masked)
        #expect(abs(pathLoss - maskedLoss) <= 1e-5 * abs(maskedLoss))
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: path.model.parameters.count)
        defer { gathered.deallocate() }
        CopyRun.gather(path.parameters, from: masked.gradients.base!, into: gathered)
        let own = path.model.gradients.buffer
        let scale = own.map(abs).max()!
        let worst = (0..<own.count).map { abs(own[$0] - gathered[$0]) }.max()!
        #expect(scale > 0 && worst <= 1e-4 * scale, "largest gradient difference \(worst) of \(scale)")
    }

    /// Training a path on the shared weights is training that architecture alone, bit for bit:
    /// its slices after two steps (each on a freshly built path, another path built between
    /// them over the same pooled memory) equal a stand-alone model's after two steps.
    @Test func trainingAPathIsStandAloneTraining() throws {
        let supernet = try Self.supernet()
        let architecture = try Self.resolved(Self.withoutSE)
        let first = try supernet.path(architecture)
        let alone = Model(architecture, maxBatch: 4, pool: nil)
        alone.parameters.copy(from: first.model.parameters)
        alone.state.copy(from: first.model.state)
        let optimizer = Optimizer(model: alone, config: supernet.optimizer)
        let before = Array(supernet.storage.parameters.buffer)
        for round in 0..<2 {
            if round == 1 {
                let other = try supernet.path(try Self.resolved(Self.smaller))
                var unused = SeededGenerator(seed: 0)
                _ = Self.images.withUnsafeBufferPointer {
                    other.model.forward($0.baseAddress!, batch: 4, training: true, generator: &unused)
                }
            }
            let path = try supernet.path(architecture)
            _ = Self.images.withUnsafeBufferPointer { x in
                Self.labels.withUnsafeBufferPointer { y in
                    var g = SeededGenerator(seed: 1)
                    return path.trainStep(images: x.baseAddress!, labels: y.baseAddress!, batch: 4, labelSmoothing: 0.1, learningRate: 0.05, generator: &g)
                }
            }
            _ = Self.trainStep(alone)
            optimizer.step(learningRate: 0.05)
        }
        let path = try supernet.path(architecture)
        #expect(Array(path.model.parameters.buffer) == Array(alone.parameters.buffer))
        #expect(Array(path.model.state.buffer) == Array(alone.state.buffer))
        // Weights outside the path are untouched.
        let after = Array(supernet.storage.parameters.buffer)
        let inside = Set(path.parameters.flatMap { $0.shared..<($0.shared + $0.count) })
        #expect(after.indices.allSatisfy { inside.contains($0) || after[$0] == before[$0] })
        #expect(after.indices.contains { inside.contains($0) && after[$0] != before[$0] })
    }

    @Test func anArchitectureOutsideTheSupernetIsRefused() throws {
        let supernet = try Self.supernet()
        let wider = try Self.resolved(Self.largest.replacingOccurrences(of: "c32", with: "c40"))
        #expect(throws: SupernetError.self) { try supernet.path(wider) }
        let otherOperator = try Self.resolved(Self.largest.replacingOccurrences(of: "ir_r2_k5_s1_e6_c32", with: "er_r2_k5_s1_e6_c32"))
        do {
            _ = try supernet.path(otherOperator)
            Issue.record("a fused block was accepted")
        } catch {
            #expect(error.description.contains("no counterpart"))
        }
    }
}
