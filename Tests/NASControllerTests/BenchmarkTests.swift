import Testing

import SyntheticSearch

@testable import NASController

/// Synthetic searches (Support.swift), 5 seeds each.
let benchmarkSeeds: [UInt64] = [1, 2, 3, 4, 5]

/// The default configuration (LSTM) with 16 hidden units instead of 100, to keep test runs
/// short; debug builds run two of the seeds (the LSTM is ~50× slower there).
let defaultForTests: ControllerConfig = {
    var config = ControllerConfig()
    config.hiddenSize = 16
    return config
}()
#if DEBUG
    let lstmSeeds: [UInt64] = [1, 2]
#else
    let lstmSeeds = benchmarkSeeds
#endif

/// MnasNet-sized space (7 blocks × 6 decisions = 42): REINFORCE with the default LSTM samples
/// the hidden optimum within 1,600 samples (batches of 8) and beats random search's best at
/// equal budget by a wide margin.
@Test(arguments: lstmSeeds) func lstmFindsTheOptimum(seed: UInt64) throws {
    let task = SyntheticTask(.separable, seed: seed)
    let reinforce = try runSearch(defaultForTests, task, seed: seed, budget: 1600)
    let random = try runSearch(.with { $0.strategy = .random }, task, seed: seed, budget: 1600)
    #expect(reinforce.samplesToOptimum != nil, "best \(reinforce.best)")
    #expect(reinforce.mostLikely == 1)
    #expect(reinforce.best > random.best + 0.2)
}

/// The softmax policy: the optimum of the 42-decision space, ≥ 0.95 on the interacting task,
/// and better than random on those and on a small space (3 blocks × 4 decisions).
@Test(arguments: benchmarkSeeds) func softmaxFindsTheOptimum(seed: UInt64) throws {
    let softmax = ControllerConfig.recommended(policy: .softmax)
    let separable = SyntheticTask(.separable, seed: seed)
    let result = try runSearch(softmax, separable, seed: seed, budget: 1600)
    #expect(result.samplesToOptimum != nil && result.mostLikely == 1, "best \(result.best)")
    let interacting = SyntheticTask(.interacting, seed: seed)
    let small = SyntheticTask(.separable, block: [3, 2, 2, 3], blocks: 3, seed: seed)
    for (task, budget) in [(separable, 1600), (interacting, 1600), (small, 400)] {
        let reinforce = try runSearch(softmax, task, seed: seed, budget: budget)
        let random = try runSearch(.with { $0.strategy = .random }, task, seed: seed, budget: budget)
        #expect(reinforce.best >= 0.95, "\(task): \(reinforce.best)")
        #expect(reinforce.best > random.best, "\(task): \(reinforce.best) vs \(random.best)")
    }
}

/// The default LSTM beats random on the small space and on the interacting task.
@Test func lstmBeatsRandom() throws {
    for (task, budget) in [(SyntheticTask(.separable, block: [3, 2, 2, 3], blocks: 3, seed: 3), 400),
                           (SyntheticTask(.interacting, seed: 3), 800)] {
        let lstm = try runSearch(defaultForTests, task, seed: 3, budget: budget)
        let random = try runSearch(.with { $0.strategy = .random }, task, seed: 3, budget: budget)
        #expect(lstm.best >= 0.9 && lstm.best > random.best, "\(task): \(lstm.best) vs \(random.best)")
    }
}

/// Every fifth trial failing (nil reward) slows the search but does not derail it.
@Test func reinforceToleratesFailures() throws {
    let task = SyntheticTask(.separable, seed: 9)
    let result = try runSearch(.recommended(policy: .softmax), task, seed: 9, budget: 1600, failEvery: 5)
    #expect(result.best >= 0.95)
}

/// Regularized evolution beats random search on average over the seeds.
@Test func evolutionBeatsRandom() throws {
    var evolution = 0.0, random = 0.0
    for seed in benchmarkSeeds {
        let task = SyntheticTask(.separable, seed: seed)
        evolution += try runSearch(.with { $0.strategy = .evolution }, task, seed: seed, budget: 800).best
        random += try runSearch(.with { $0.strategy = .random }, task, seed: seed, budget: 800).best
    }
    #expect(evolution > random + 0.5)  // summed over 5 seeds: about 0.1 per seed
}
