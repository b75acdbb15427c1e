import Foundation
import NASArchitecture
import NASData
import NASKernels
import NASModel
import NASRandom
import NASRecipe
import Testing

@testable import NASTraining

/// EfficientNetV2's progressive learning (in the serialized `TrainerTests` suite: trainers set
/// the process's thread count).
extension TrainerTests {
    func progressiveConfig(steps: Int = 60, stages: Int = 4, start: Int? = 8, startDropout: Double = 0) -> TrainingConfig {
        var config = config(steps: steps)
        config.resolution = 16
        config.dropout = 0.3
        config.progressive = ProgressiveLearning(stages: stages, startResolution: start, startDropout: startDropout)
        return config
    }

    @Test func stagesGrowLinearlyToTheRecipe() {
        let learning = ProgressiveLearning(stages: 4, startResolution: 128, startDropout: 0.1)
        let stages = learning.plan(totalSteps: 10, finalResolution: 300, finalDropout: 0.3, cropPadding: 4)
        #expect(stages.map(\.resolution) == [128, 185, 243, 300])  // 128 + 172·i/3, rounded
        #expect(stages.map(\.steps) == [0..<2, 2..<5, 5..<7, 7..<10])
        #expect(zip(stages.map(\.dropout), [0.1, 0.1 + 0.2 / 3, 0.1 + 0.4 / 3, 0.3]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(stages.last!.dropout == 0.3)
        #expect(stages.map(\.cropPadding) == [0, 1, 3, 4])
        #expect(stages.map(\.index) == [0, 1, 2, 3])
        // Defaults: half the final size (at least 8), dropout from 0, no padding without augmentation.
        let defaults = ProgressiveLearning().plan(totalSteps: 7, finalResolution: 32, finalDropout: 0.1)
        #expect(defaults.map(\.resolution) == [16, 21, 27, 32] && defaults.first!.dropout == 0)
        #expect(defaults.map(\.steps.count).reduce(0, +) == 7 && defaults.allSatisfy { $0.cropPadding == 0 })
        #expect(ProgressiveLearning().start(final: 12) == 8 && ProgressiveLearning(stages: 2).plan(
            totalSteps: 2, finalResolution: 8, finalDropout: 0).map(\.resolution) == [8, 8])
    }

    @Test func progressiveBoundsAreOneLine() {
        let cases: [(ProgressiveLearning, Int?, String)] = [
            (ProgressiveLearning(stages: 1), nil, "--progressive-stages must be from 2 to 100, got 1"),
            (ProgressiveLearning(stages: 101), nil, "--progressive-stages must be from 2 to 100, got 101"),
            (ProgressiveLearning(startResolution: 4), 32, "--progressive-start-size must be from 8 to the training resolution (32), got 4"),
            (ProgressiveLearning(startResolution: 40), 32, "--progressive-start-size must be from 8 to the training resolution (32), got 40"),
            (ProgressiveLearning(startDropout: 1), nil, "--progressive-start-dropout must be in [0, 1), got 1.0"),
        ]
        for (learning, final, message) in cases {
            #expect(throws: RecipeError(message)) { try learning.validate(finalResolution: final) }
        }
        // The trainer knows the final size when the recipe leaves it to the data (8×8 here).
        var config = config()
        config.progressive = ProgressiveLearning(startResolution: 12)
        #expect(throws: TrainingError.invalidConfig("--progressive-start-size must be from 8 to the training resolution (8), got 12")) {
            try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: config)
        }
        #expect(throws: TrainingError.invalidConfig("progressive learning needs a step per stage: 3 steps for 4 stages")) {
            try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: progressiveConfig(steps: 3))
        }
    }

    /// A stage change loses nothing: a model trained at 16 px, its weights, BN statistics and
    /// momentum carried to a model built for 8 px and back to a new 16-px one, takes the next
    /// step exactly as the original does.
    @Test func aStageChangeCarriesEveryTensorExactly() {
        configureThreads(1)
        var generator = SeededGenerator(seed: 3)
        var network = tinyNetwork
        (network.classes, network.inputChannels) = (4, 1)
        let at16 = network.resolved(resolution: 16)
        let original = Model(at16, maxBatch: 8, generator: &generator)
        let optimizer = Optimizer(model: original, config: OptimizerConfig())
        let images = FloatBuffer(8 * 16 * 16)
        for i in 0..<images.count { images.pointer[i] = generator.nextNormal() }
        let labels: [Int32] = [0, 1, 2, 3, 0, 1, 2, 3]
        func step(_ model: Model, _ optimizer: Optimizer, seed: UInt64) -> Float {
            var dropout = SeededGenerator(seed: seed)
            let loss = labels.withUnsafeBufferPointer {
                model.trainStep(images: images.pointer, labels: $0.baseAddress!, batch: 8, labelSmoothing: 0.1, generator: &dropout).loss
            }
            optimizer.step(learningRate: 0.05)
            return loss
        }
        for k in 0..<3 { _ = step(original, optimizer, seed: UInt64(k)) }
        let small = Model(network.resolved(resolution: 8), maxBatch: 8, pool: nil)
        let smallOptimizer = Optimizer(model: small, config: OptimizerConfig())
        small.copyWeights(from: original)
        smallOptimizer.copyState(from: optimizer)
        #expect(Array(small.parameters.buffer) == Array(original.parameters.buffer))
        #expect(Array(small.state.buffer) == Array(original.state.buffer))
        let back = Model(at16, maxBatch: 8, pool: nil)
        let backOptimizer = Optimizer(model: back, config: OptimizerConfig())
        back.copyWeights(from: small)
        backOptimizer.copyState(from: smallOptimizer)
        #expect(step(back, backOptimizer, seed: 9) == step(original, optimizer, seed: 9))
        #expect(Array(back.parameters.buffer) == Array(original.parameters.buffer))
        #expect(Array(back.state.buffer) == Array(original.state.buffer))
    }

    /// Inside a run: each stage's model starts from the previous one's weights and optimizer
    /// state, at its own size and dropout, and the last stage trains the trainer's own model.
    @Test func stagesHandTheirWeightsOn() throws {
        let trainer = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: progressiveConfig(steps: 8))
        let initial = Array(trainer.model.parameters.buffer)
        var loop = StepLoop(trainer: trainer, total: 8)
        var current = StageRun(model: trainer.model, optimizer: trainer.optimizer, assembler: trainer.assembler)
        for stage in trainer.stages {
            let previous = current
            current = trainer.prepare(stage, after: previous)
            #expect(current.model.architecture.resolution == stage.resolution && current.assembler.outputSize == stage.resolution)
            #expect(current.model.dropout == Float(stage.dropout))
            #expect(Array(current.model.parameters.buffer) == Array(previous.model.parameters.buffer))
            #expect(Array(current.model.state.buffer) == Array(previous.model.state.buffer))
            #expect(zip(current.optimizer.state, previous.optimizer.state).allSatisfy { mine, theirs in
                (0..<trainer.model.parameters.count).allSatisfy { mine[$0] == theirs[$0] }
            })
            if stage.index == 0 { #expect(Array(current.model.parameters.buffer) == initial) }
            try trainer.run(stage, on: current, loop: &loop, progress: nil)
        }
        #expect(current.model === trainer.model && trainer.model.dropout == 0.3)
        #expect(Array(trainer.model.parameters.buffer) != initial)
    }

    @Test func progressiveLearningTrainsAndIsDeterministic() throws {
        let trainer = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: progressiveConfig())
        let a = try trainer.train()
        let b = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: progressiveConfig()).train()
        #expect(a.valAccuracy > 0.9, "val accuracy \(a.valAccuracy)")
        #expect(a.finalLoss == b.finalLoss && a.valAccuracy == b.valAccuracy)
        let stages = try #require(a.stages)
        #expect(stages.map(\.resolution) == [8, 11, 13, 16] && stages.map(\.steps) == [15, 15, 15, 15])
        #expect(stages.first!.dropout == 0 && stages.last!.dropout == 0.3)
        #expect(trainer.resolved.resolution == 16 && a.macs == trainer.resolved.cost.macs)
        // Without progression (every stage at the recipe's size and dropout) the run is the
        // plain one, step for step.
        let flat = try Trainer(
            architecture: tinyNetwork, data: quadrantSplits(), config: progressiveConfig(start: 16, startDropout: 0.3)).train()
        var plainConfig = progressiveConfig()
        plainConfig.progressive = nil
        let plain = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: plainConfig).train()
        #expect(flat.finalLoss == plain.finalLoss && flat.valAccuracy == plain.valAccuracy)
        #expect(plain.stages == nil && flat.stages?.count == 4)
    }
}
