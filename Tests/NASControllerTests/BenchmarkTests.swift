import Testing

@testable import NASController

/// Synthetic searches (Support.swift) with the default configuration, 5 seeds each.
let benchmarkSeeds: [UInt64] = [1, 2, 3, 4, 5]

/// MnasNet-sized space (7 blocks × 6 decisions = 42): REINFORCE finds the hidden optimum
/// within 1,600 samples (batches of 8) and beats random search's best at equal budget.
@Test(arguments: benchmarkSeeds) func reinforceFindsTheOptimum(seed: UInt64) throws {
    let task = SyntheticTask(.separable, seed: seed)
    let reinforce = try runSearch(ControllerConfig(), task, seed: seed, budget: 1600)
    let random = try runSearch(.with { $0.strategy = .random }, task, seed: seed, budget: 1600)
    #expect(reinforce.samplesToOptimum != nil, "best \(reinforce.best)")
    #expect(reinforce.mostLikely == 1)
    #expect(reinforce.best > random.best + 0.2)
}

/// Same on the interacting task, and on a small space (3 blocks × 4 decisions).
@Test(arguments: benchmarkSeeds) func reinforceBeatsRandom(seed: UInt64) throws {
    let interacting = SyntheticTask(.interacting, seed: seed)
    let small = SyntheticTask(.separable, block: [3, 2, 2, 3], blocks: 3, seed: seed)
    for (task, budget) in [(interacting, 1600), (small, 400)] {
        let reinforce = try runSearch(ControllerConfig(), task, seed: seed, budget: budget)
        let random = try runSearch(.with { $0.strategy = .random }, task, seed: seed, budget: budget)
        #expect(reinforce.best >= 0.95, "\(task): \(reinforce.best)")
        #expect(reinforce.best > random.best, "\(task): \(reinforce.best) vs \(random.best)")
    }
}

/// Every fifth trial failing (nil reward) slows the search but does not derail it.
@Test func reinforceToleratesFailures() throws {
    let task = SyntheticTask(.separable, seed: 9)
    let result = try runSearch(ControllerConfig(), task, seed: 9, budget: 1600, failEvery: 5)
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

/// The LSTM policy (the NASNet/MnasNet controller) also beats random at equal budget.
@Test func lstmBeatsRandom() throws {
    let task = SyntheticTask(.separable, seed: 3)
    let lstm = try runSearch(.with { $0.policy = .lstm; $0.hiddenSize = 32 }, task, seed: 3, budget: 800)
    let random = try runSearch(.with { $0.strategy = .random }, task, seed: 3, budget: 800)
    #expect(lstm.best > random.best + 0.1, "\(lstm.best) vs \(random.best)")
}
