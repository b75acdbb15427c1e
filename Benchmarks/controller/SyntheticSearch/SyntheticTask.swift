
import NASController
import NASRandom

// Shared by NASControllerTests and the controller-benchmark executable (Benchmarks/controller).

/// A synthetic search problem with a hidden optimum (value 1 exactly there).
public struct SyntheticTask: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Fraction of decisions equal to the optimum.
        case separable
        /// Mean over blocks of (fraction of the block's decisions equal to the optimum)²: a
        /// decision is worth more when the rest of its block is right.
        case interacting
    }

    public let kind: Kind
    public let block: [Int]
    public let blocks: Int
    public let optimum: [Int]
    /// Half-width of the uniform evaluation noise added to the value (a function of the
    /// architecture and the trial number, so repeated evaluations differ like retrainings).
    public let noise: Double

    public var sizes: [Int] { Array((0..<blocks).map { _ in block }.joined()) }
    public var description: String { "\(kind.rawValue) \(blocks)x\(block.count)" }

    /// MnasNet's per-block decisions: op, kernel, SE, skip, filters, layers.
    public static let mnasBlock = [3, 2, 2, 3, 3, 3]

    public init(_ kind: Kind, block: [Int] = mnasBlock, blocks: Int = 7, seed: UInt64, noise: Double = 0.01) {
        self.kind = kind
        self.block = block
        self.blocks = blocks
        self.noise = noise
        var generator = SeededGenerator(seed: seed ^ 0x5EED)
        optimum = Array((0..<blocks).map { _ in block }.joined()).map { generator.nextIndex($0) }
    }

    /// The noiseless value in [0, 1].
    public func value(_ a: [Int]) -> Double {
        switch kind {
        case .separable:
            return Double(zip(a, optimum).filter { $0 == $1 }.count) / Double(a.count)
        case .interacting:
            var total = 0.0
            for b in 0..<blocks {
                let range = (b * block.count)..<((b + 1) * block.count)
                let f = Double(range.filter { a[$0] == optimum[$0] }.count) / Double(block.count)
                total += f * f
            }
            return total / Double(blocks)
        }
    }

    public func reward(_ a: [Int], trial: Int) -> Double {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(trial)
        for x in a { h = (h ^ UInt64(x)) &* 0x100_0000_01B3 }
        var g = SeededGenerator(seed: h)
        return value(a) + noise * (2 * g.nextUnit() - 1)
    }
}

public struct RunResult: Sendable {
    /// Largest noiseless value among all sampled architectures.
    public var best: Double
    /// Samples drawn before the optimum first appeared (nil if never).
    public var samplesToOptimum: Int?
    /// Mean noiseless value of the last 10% of samples (how settled the search is).
    public var finalMean: Double
    /// Noiseless value of `mostLikely()` at the end.
    public var mostLikely: Double
}

/// Runs a search of `budget` samples in batches of `batch`; every `failEvery`-th trial fails.
public func runSearch(
    _ config: ControllerConfig, _ task: SyntheticTask, seed: UInt64, budget: Int, batch: Int = 8, failEvery: Int = 0
) throws -> RunResult {
    var controller = try Controller(config: config, decisionSizes: task.sizes, seed: seed)
    var values: [Double] = []
    var toOptimum: Int?
    while values.count < budget {
        let proposals = controller.propose(count: min(batch, budget - values.count))
        var rewards: [Double?] = []
        for a in proposals {
            let trial = values.count
            values.append(task.value(a))
            if toOptimum == nil, a == task.optimum { toOptimum = trial + 1 }
            rewards.append(failEvery > 0 && trial % failEvery == failEvery - 1 ? nil : task.reward(a, trial: trial))
        }
        controller.update(decisions: proposals, rewards: rewards)
    }
    let tail = values.suffix(max(1, budget / 10))
    return RunResult(
        best: values.max()!, samplesToOptimum: toOptimum, finalMean: tail.reduce(0, +) / Double(tail.count),
        mostLikely: task.value(controller.mostLikely()))
}

extension ControllerConfig {
    public static func with(_ change: (inout ControllerConfig) -> Void) -> ControllerConfig {
        var config = ControllerConfig()
        change(&config)
        return config
    }
}

