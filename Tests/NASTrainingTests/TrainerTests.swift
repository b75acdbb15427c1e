import Foundation
import NASArchitecture
import NASData
import NASKernels
import NASModel
import NASRecipe
import Testing

@testable import NASTraining
import NASRandom

/// A small learnable task: class k is a bright square in quadrant k of an 8×8 image, on noise.
func quadrantData(count: Int, seed: UInt64) -> ImageSet {
    var g = SeededGenerator(seed: seed)
    var pixels = [UInt8](repeating: 0, count: count * 64)
    var labels = [Int32](repeating: 0, count: count)
    for i in 0..<count {
        let label = Int(g.next() % 4)
        labels[i] = Int32(label)
        for y in 0..<8 {
            for x in 0..<8 {
                let inside = (y / 4) * 2 + (x / 4) == label
                pixels[i * 64 + y * 8 + x] = UInt8(min(255, (inside ? 160 : 40) + Int(g.next() % 60)))
            }
        }
    }
    return ImageSet(height: 8, width: 8, channels: 1, pixels: pixels, labels: labels, classNames: ["a", "b", "c", "d"])
}

func quadrantSplits() -> DatasetSplits {
    let train = quadrantData(count: 512, seed: 1)
    let stats = DatasetLoader.statistics(train)
    return DatasetSplits(
        name: "quadrants", train: train, validation: quadrantData(count: 128, seed: 2), test: quadrantData(count: 128, seed: 3),
        mean: stats.mean, std: stats.std, augmentation: Augmentation(cropPadding: 1, horizontalFlip: false))
}

let tinyNetwork = try! ArchitectureFile.decode(
    """
    stem: 8
    head: 32
    ds_r1_k3_s1_e1_c8_se0.25
    ir_r1_k3_s2_e3_c16_se0.25 er_r1_k3_s1_e2_c16
    """, name: "tiny")

@Suite(.serialized) struct TrainerTests {
    func config(steps: Int = 60, seed: UInt64 = 1) -> TrainingConfig {
        var config = TrainingConfig()
        config.steps = steps
        config.batchSize = 32
        config.learningRate = 0.1
        config.seed = seed
        return config
    }

    @Test func learnsASimpleTask() throws {
        let trainer = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: config())
        let summary = try trainer.train(measureTest: true)
        #expect(summary.valAccuracy > 0.9, "val accuracy \(summary.valAccuracy)")
        #expect((summary.testAccuracy ?? 0) > 0.9)
        #expect(summary.params == trainer.resolved.cost.params)
        #expect(summary.steps == 60)
        #expect(trainer.network.classes == 4 && trainer.network.inputChannels == 1)
    }

    @Test func sameSeedSameRun() throws {
        let a = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: config(steps: 15)).train()
        let b = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: config(steps: 15)).train()
        let c = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: config(steps: 15, seed: 2)).train()
        #expect(a.finalLoss == b.finalLoss && a.valAccuracy == b.valAccuracy)
        #expect(a.finalLoss != c.finalLoss)
    }

    @Test func divergenceIsAnErrorNotANaN() throws {
        var config = config(steps: 40)
        config.learningRate = 1e9
        config.optimizer.kind = .sgd
        let trainer = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: config)
        #expect {
            _ = try trainer.train()
        } throws: { error in
            guard case .nonFiniteLoss = error as? TrainingError else { return false }
            return true
        }
    }

    @Test func badConfigsAreRefused() {
        var config = config()
        config.batchSize = 1
        #expect(throws: TrainingError.invalidConfig("--batch must be from 2 to 4096 (batch norm needs 2)")) {
            try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: config)
        }
    }

    @Test func rmspropAndEMAAlsoTrain() throws {
        var config = config(steps: 80)
        config.optimizer.kind = .rmsprop
        config.learningRate = 0.01
        config.emaDecay = 0.9
        config.schedule = .exponential
        let summary = try Trainer(architecture: tinyNetwork, data: quadrantSplits(), config: config).train()
        #expect(summary.valAccuracy > 0.8, "val accuracy \(summary.valAccuracy)")
    }

    @Test func savedFolderReloadsToTheSameAccuracy() throws {
        let data = quadrantSplits()
        let trainer = try Trainer(architecture: tinyNetwork, data: data, config: config(steps: 30))
        let summary = try trainer.train()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftnas-folder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try ModelFolder.save(trainer, summary: summary, dataset: .folder, dataPath: nil, to: folder)
        let loaded = try ModelFolder.load(folder, maxBatch: 32)
        #expect(loaded.network == trainer.network)
        #expect(Array(loaded.model.parameters.buffer) == Array(trainer.model.parameters.buffer))
        #expect(Array(loaded.model.state.buffer) == Array(trainer.model.state.buffer))
        let assembler = BatchAssembler(mean: loaded.record.mean, std: loaded.record.std, augmentation: data.augmentation, outputSize: 8)
        let accuracy = Inference.accuracy(model: loaded.model, set: data.validation, assembler: assembler, images: FloatBuffer(32 * 64), batchSize: 32)
        #expect(accuracy == summary.valAccuracy)
    }

    /// `evaluationImages`: a fixed, class-stratified subset of the validation split is scored;
    /// unset (or above the split's size) scores the whole split, as before.
    @Test func aRecipeScoresAStratifiedFixedSubsetOfTheSplit() throws {
        let labels = (0..<1000).map { Int32($0 % 7 == 0 ? 3 : $0 % 3) }  // uneven classes
        let set = ImageSet(height: 1, width: 1, channels: 1, pixels: [UInt8](repeating: 0, count: 1000), labels: labels,
                           classNames: ["a", "b", "c", "d"])
        let picked = try #require(Trainer.scoredImages(of: set, count: 200))
        #expect(picked.count == 200 && Set(picked).count == 200 && picked == picked.sorted() && picked.last! > 900)
        #expect(Trainer.scoredImages(of: set, count: 200) == picked)
        for c in 0..<4 {
            let share = Double(labels.filter { $0 == c }.count) * 0.2
            #expect(abs(Double(picked.filter { labels[$0] == c }.count) - share) <= 1)
        }
        #expect(Trainer.scoredImages(of: set, count: nil) == nil && Trainer.scoredImages(of: set, count: 1000) == nil)
        #expect(Trainer.scoredImages(of: set, count: 5000) == nil)

        let data = quadrantSplits()
        var subset = config(steps: 10)
        subset.evaluationImages = 50
        let trainer = try Trainer(architecture: tinyNetwork, data: data, config: subset)
        let summary = try trainer.train()
        let scored = try #require(trainer.scored)
        #expect(summary.evaluationImages == 50 && scored == Trainer.scoredImages(of: data.validation, count: 50))
        #expect(summary.valAccuracy == trainer.accuracy(on: data.validation.subset(scored)))
        // The same training scored on the whole split: the same weights, only the scoring differs.
        let whole = try Trainer(architecture: tinyNetwork, data: data, config: config(steps: 10))
        let wholeSummary = try whole.train()
        #expect(whole.scored == nil && wholeSummary.evaluationImages == 128 && wholeSummary.finalLoss == summary.finalLoss)
        #expect(wholeSummary.valAccuracy == trainer.accuracy(on: data.validation))
        subset.evaluationImages = 0
        #expect(throws: TrainingError.invalidConfig("--evaluation-images must be from 1 to 10000000 images")) {
            try Trainer(architecture: tinyNetwork, data: data, config: subset)
        }
    }

    /// Recipes stored before `evaluationImages` existed decode unchanged (the whole split).
    @Test func aRecipeWithoutEvaluationImagesDecodes() throws {
        let stored = try JSONEncoder().encode(TrainingConfig())
        #expect(!String(decoding: stored, as: UTF8.self).contains("evaluationImages"))
        let decoded = try JSONDecoder().decode(TrainingConfig.self, from: stored)
        #expect(decoded == TrainingConfig() && decoded.evaluationImages == nil)
    }

    @Test func scheduleShapes() {
        let cosine = LearningRateSchedule(kind: .cosine, peak: 1, warmupSteps: 10, totalSteps: 110)
        #expect(cosine.rate(at: 0) == 0.1)
        #expect(cosine.rate(at: 9) == 1)
        #expect(abs(cosine.rate(at: 60) - 0.5) < 1e-6)
        #expect(cosine.rate(at: 110) < 1e-6)
        let exponential = LearningRateSchedule(kind: .exponential, peak: 1, warmupSteps: 0, totalSteps: 100, decayRate: 0.5, decaySteps: 10)
        #expect(exponential.rate(at: 25) == 0.25)
    }
}
