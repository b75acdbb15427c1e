import NASRandom
import Testing

import SyntheticSearch

@testable import NASController

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

@Test func uniformIndexIsInRangeAndUnbiased() {
    var generator = SeededGenerator(seed: 3)
    var counts = [Int](repeating: 0, count: 3)
    let n = 30000
    for _ in 0..<n { counts[generator.nextIndex(3)] += 1 }
    for c in counts { #expect(abs(Double(c) / Double(n) - 1.0 / 3) < 0.012) }
    #expect((0..<100).allSatisfy { _ in generator.nextIndex(1) == 0 })
}

@Test func randomSearchIsUniformAndKeepsTheBest() throws {
    var c = try Controller(config: .with { $0.strategy = .random }, decisionSizes: [2, 3, 1], seed: 8)
    let batch = c.propose(count: 3000)
    for t in 0..<3 {
        let n = [2, 3, 1][t]
        for k in 0..<n {
            let share = Double(batch.filter { $0[t] == k }.count) / Double(batch.count)
            #expect(abs(share - 1 / Double(n)) < 0.03)
        }
    }
    #expect(c.mostLikely() == [0, 0, 0])
    c.update(decisions: [[1, 2, 0], [0, 1, 0], [1, 1, 0]], rewards: [0.5, nil, 0.5])
    #expect(c.mostLikely() == [1, 2, 0])  // the first of equals
    let s = c.statistics
    #expect(s.updates == 1 && s.trials == 3 && s.failures == 1 && s.bestReward == 0.5 && s.meanReward == 0.5)
    #expect(s.baseline == nil && s.populationSize == nil)
    #expect(abs(s.entropy! - (log(2.0) + log(3.0)) / 3) < 1e-12)
}

/// Batch-synchronous aging evolution: random until the population is full, then
/// tournament-and-mutate; failed children never join; the oldest leave first.
@Test func evolutionAgesAndMutates() throws {
    let sizes = [3, 2, 1, 3]
    var c = try Controller(config: .with { $0.strategy = .evolution; $0.population = 4; $0.tournament = 2 },
                           decisionSizes: sizes, seed: 11)
    #expect(c.statistics.entropy == nil && c.statistics.populationSize == 0)
    var evaluated: [Member] = []
    var round = 0
    while c.members.count < 4 {
        let batch = c.propose(count: 3)
        let rewards: [Double?] = batch.indices.map { $0 == 1 ? nil : Double(round * 3 + $0) }
        c.update(decisions: batch, rewards: rewards)
        for (a, r) in zip(batch, rewards) { if let r { evaluated.append(Member(decisions: a, reward: r)) } }
        round += 1
    }
    #expect(c.members == Array(evaluated.suffix(4)))   // FIFO by age, failures dropped
    for _ in 0..<5 {
        let parents = c.members
        let children = c.propose(count: 6)
        for child in children {
            // One decision changed, never the single-option one.
            #expect(parents.contains { p in zip(p.decisions, child).filter { $0 != $1 }.count == 1 })
            #expect(child[2] == 0)
        }
        c.update(decisions: children, rewards: children.map { Double($0.reduce(0, +)) })
        #expect(c.members.count == 4)
        #expect(Array(c.members.map(\.decisions)) == Array(children.suffix(4)))
    }
    #expect(c.statistics.entropy != nil && c.statistics.populationSize == 4)
    #expect(c.mostLikely() == c.members.max { $0.reward < $1.reward }.map(\.decisions) ?? [] || c.statistics.bestReward! >= 5)
}

@Test func tournamentsPreferBetterParents() throws {
    // Population of one good and many bad members: with S = population most children come from the good one.
    var c = try Controller(config: .with { $0.strategy = .evolution; $0.population = 8; $0.tournament = 8 },
                           decisionSizes: [4, 4, 4, 4], seed: 2)
    let good = [3, 3, 3, 3]
    let batch = (0..<7).map { _ in [0, 0, 0, 0] } + [good]
    c.update(decisions: batch, rewards: (0..<7).map { _ in 0.0 } + [1.0])
    let children = c.propose(count: 200)
    let fromGood = children.filter { zip($0, good).filter { $0 != $1 }.count == 1 }.count
    #expect(fromGood > 100)  // P(good among 8 draws of 8) = 1 − (7/8)⁸ ≈ 0.66: about 131
}

@Test func reinforceSkipsFailedTrials() throws {
    var c = try Controller(config: .with { $0.policy = .lstm; $0.hiddenSize = 8 }, decisionSizes: [2, 3], seed: 4)
    let before = c.reinforce.parameters
    c.update(decisions: c.propose(count: 3), rewards: [nil, nil, .nan])
    #expect(c.reinforce.parameters == before)
    #expect(c.reinforce.adam.steps == 0)
    var s = c.statistics
    #expect(s.updates == 1 && s.trials == 3 && s.failures == 3 && s.baseline == nil && s.meanReward == nil)
    c.update(decisions: [[0, 1], [1, 2], [1, 0]], rewards: [0.2, nil, 0.6])
    s = c.statistics
    #expect(c.reinforce.parameters != before)
    #expect(c.reinforce.adam.steps == 1)
    #expect(s.baseline == 0.4 && s.meanReward == 0.4 && s.failures == 4 && s.bestReward == 0.6)
}

/// b starts at the first batch's mean and then moves as an exponential average; advantages
/// use the baseline from before the batch and are divided by the running RMS advantage.
@Test func baselineAndAdvantages() throws {
    var generator = SeededGenerator(seed: 0)
    var c = ReinforceStrategy(config: .with { $0.baselineDecay = 0.5; $0.normalizeAdvantage = true }, decisionSizes: [2], generator: &generator)
    let first = c.advantages([1, 3])
    #expect(c.baseline == 2)
    #expect(first == [-1, 1])  // (±1) / √1
    let second = c.advantages([4, 4])
    #expect(c.baseline == 3)
    // raw advantages 2, 2; running mean square 0.5·1 + 0.5·4 = 2.5
    #expect(abs(second[0] - 2 / 2.5.squareRoot()) < 1e-15)
    var raw = ReinforceStrategy(config: .with { $0.baselineDecay = 0.5; $0.normalizeAdvantage = false }, decisionSizes: [2], generator: &generator)
    _ = raw.advantages([1, 3])
    #expect(raw.advantages([4, 4]) == [2, 2])
}

@Test func freshPolicyStatistics() throws {
    let sizes = [2, 3, 4]
    let uniform = (log(2.0) + log(3.0) + log(4.0)) / 3
    let softmax = try Controller(config: .with { $0.policy = .softmax }, decisionSizes: sizes, seed: 0)
    #expect(abs(softmax.statistics.entropy! - uniform) < 1e-12)
    #expect(softmax.mostLikely() == [0, 0, 0])
    let lstm = try Controller(config: .with { $0.policy = .lstm; $0.hiddenSize = 8 }, decisionSizes: sizes, seed: 0)
    // ±0.1 initialization: close to uniform, but not exactly.
    #expect(abs(lstm.statistics.entropy! - uniform) < 0.01)
    #expect(lstm.mostLikely().count == 3)
}

/// Rewarding one architecture makes it the policy's most likely one.
@Test(arguments: PolicyKind.allCases) func reinforceLearnsAFixedTarget(_ policy: PolicyKind) throws {
    let sizes = [3, 2, 4, 3]
    let target = [2, 0, 3, 1]
    var config = ControllerConfig.recommended(policy: policy)
    config.hiddenSize = 16
    var c = try Controller(config: config, decisionSizes: sizes, seed: 9)
    for _ in 0..<60 {
        let batch = c.propose(count: 8)
        c.update(decisions: batch, rewards: batch.map { a in Double(zip(a, target).filter { $0 == $1 }.count) })
    }
    #expect(c.mostLikely() == target)
    #expect(c.statistics.entropy! < 0.5)
}

/// `biasLearningRate` moves the LSTM's output biases at their own step and nothing else.
@Test func biasLearningRateStepsOnlyTheOutputBiases() {
    var generator = SeededGenerator(seed: 5)
    let config = ControllerConfig.with { $0.biasLearningRate = 0.2 }
    var strategy = ReinforceStrategy(config: config, decisionSizes: [3, 2, 4], generator: &generator)
    let before = strategy.parameters
    let batch = strategy.propose(count: 8, generator: &generator)
    strategy.update(evaluated: batch.enumerated().map { Member(decisions: $0.element, reward: Double($0.offset) / 8) })
    let biases = Set(strategy.policy.outputBiases.flatMap { Array($0) })
    #expect(biases.count == 9)
    for i in before.indices {
        let moved = abs(strategy.parameters[i] - before[i])
        // Adam's first step moves every parameter with a gradient by about its step size.
        #expect(moved <= (biases.contains(i) ? 0.2 : 0.003) * 1.01, "parameter \(i) moved \(moved)")
    }
    #expect(biases.contains { abs(strategy.parameters[$0] - before[$0]) > 0.1 })
}

/// PPO passes push further along the batch's advantages than one REINFORCE step, and one
/// pass is exactly the plain update.
@Test func ppoPassesMoveFurtherAndOnePassIsPlainReinforce() {
    func trained(_ change: (inout ControllerConfig) -> Void) -> (ReinforceStrategy, [Member]) {
        var generator = SeededGenerator(seed: 11)
        var strategy = ReinforceStrategy(config: .with(change), decisionSizes: [3, 3, 2], generator: &generator)
        let batch = strategy.propose(count: 8, generator: &generator)
        let members = batch.enumerated().map { Member(decisions: $0.element, reward: Double($0.offset)) }
        strategy.update(evaluated: members)
        return (strategy, members)
    }
    let plain = trained { _ in }.0, one = trained { $0.ppoEpochs = 1 }.0
    #expect(plain.parameters == one.parameters)
    let (ppo, members) = trained { $0.ppoEpochs = 4 }
    let best = members.last!.decisions
    func logProbability(_ strategy: ReinforceStrategy) -> Double {
        var scratch = [Double](repeating: 0, count: strategy.parameters.count)
        return strategy.policy.accumulateGradient(strategy.parameters, actions: best, advantage: 0, entropyWeight: 0,
                                                  into: &scratch).logProb
    }
    #expect(logProbability(ppo) > logProbability(plain))
}
