import Foundation
import NASArchitecture

/// A factorized hierarchical search space (MnasNet): a baseline network whose stages are
/// the search blocks, and per block the decisions the controller makes. Every layer of a
/// block repeats the block's choice. Written as YAML (Docs/SEARCH_SPACES.md).
public struct SearchSpace: Sendable {
    public let name: String
    /// The file it was read from, as named to `load`/`parse` (used in error messages).
    public let file: String
    /// The network decisions are applied to; its stages are the search blocks.
    public let baseline: Network
    /// Controller decisions, block by block, in file order within a block. Single-option
    /// (fixed) settings are not decisions: they are applied to every architecture.
    public let decisions: [Decision]
    /// Resolution at which costs (MACs) are counted.
    public let resolution: Int
    /// Bound of `resolution` (the network's own upper bound).
    public static let resolutionRange = 8...Network.resolutionRange.upperBound
    public let reward: RewardSettings
    public let proxy: ProxySettings
    public let search: SearchSettings
    /// Reference networks (search.references), trained and scored like candidates.
    public let references: [Network]
    /// Per block: settings applied always, and the range of its decisions in `decisions`.
    let plans: [BlockPlan]

    struct BlockPlan: Sendable, Hashable {
        var fixed: [Setting]
        var decisions: Range<Int>
    }

    init(
        name: String, file: String, baseline: Network, plans: [BlockPlan], decisions: [Decision], resolution: Int,
        reward: RewardSettings, proxy: ProxySettings, search: SearchSettings, references: [Network]
    ) {
        self.name = name
        self.file = file
        self.baseline = baseline
        self.plans = plans
        self.decisions = decisions
        self.resolution = resolution
        self.reward = reward
        self.proxy = proxy
        self.search = search
        self.references = references
    }

    /// Options per decision, in controller order.
    public var decisionSizes: [Int] { decisions.map(\.size) }

    /// Search blocks (the baseline's stages).
    public var blockCount: Int { baseline.stages.count }

    /// Number of points, the product of the decision sizes (a Double: it outgrows Int).
    public var size: Double { decisionSizes.reduce(1.0) { $0 * Double($1) } }

    /// Settings applied to every architecture in block `block` (1-based).
    public func fixedSettings(ofBlock block: Int) -> [Setting] { plans[block - 1].fixed }

    /// Parameters and MACs of a network at the space's resolution.
    public func cost(of network: Network) -> Cost { network.resolved(resolution: resolution).cost }

    // MARK: Choices ⇄ networks

    /// The network for one option index per decision, validated. It keeps the baseline's
    /// name and settings (stem, head, classes, …); only the blocks change.
    public func architecture(for choices: [Int]) throws(SearchSpaceError) -> Network {
        guard choices.count == decisions.count else {
            throw SearchSpaceError(
                file: file, line: nil, field: "choices",
                message: "expected \(decisions.count) choices (one per decision), got \(choices.count)")
        }
        for (index, (decision, choice)) in zip(decisions, choices).enumerated()
        where !decision.options.indices.contains(choice) {
            throw SearchSpaceError(
                file: file, line: nil, field: "choices[\(index)]",
                message: "\(decision.name): option \(choice) is out of range 0..<\(decision.size)")
        }
        var network = baseline
        network.stages = baseline.stages.indices.map { stage(at: $0, choices: choices) }
        do {
            try network.validate()
        } catch {
            throw SearchSpaceError(
                file: file, line: nil, field: "choices",
                message:
                    "\(describe(choices).map { "\($0.name)=\($0.value)" }.joined(separator: " ")) gives an invalid network: \(error)"
            )
        }
        return network
    }

    /// Stage `index` (0-based) with its block's choices applied.
    func stage(at index: Int, choices: [Int]) -> [Block] {
        let plan = plans[index]
        let chosen = plan.decisions.flatMap { decisions[$0].settings[choices[$0]] }
        return Setting.apply(plan.fixed + chosen, to: baseline.stages[index])
    }

    /// (decision name, option label) pairs in decision order, e.g. ("block1.kernel", "5").
    /// An index out of range shows as `?N`.
    public func describe(_ choices: [Int]) -> [(name: String, value: String)] {
        zip(decisions, choices).map { decision, choice in
            (decision.name, decision.options.indices.contains(choice) ? decision.options[choice] : "?\(choice)")
        }
    }

    /// Option indices that reproduce `network` (ignoring its name), or nil when it is not a
    /// point of the space. Where several choices give the same network (an expansion choice
    /// on a depthwise-separable block, say) the first in lexicographic order is returned.
    /// Each block's options are searched exhaustively, so blocks with more than a million
    /// combinations are not searched (nil).
    public func choices(matching network: Network) -> [Int]? {
        var outside = network
        outside.name = baseline.name
        outside.stages = baseline.stages
        guard outside == baseline, network.stages.count == baseline.stages.count else { return nil }
        var choices = Array(repeating: 0, count: decisions.count)
        for (index, plan) in plans.enumerated() {
            let sizes = plan.decisions.map { decisions[$0].size }
            guard sizes.reduce(1.0, { $0 * Double($1) }) <= 1_000_000 else { return nil }
            var found = false
            // Odometer over this block's decisions, first decision most significant.
            var digits = Array(repeating: 0, count: sizes.count)
            repeat {
                for (offset, decision) in plan.decisions.enumerated() { choices[decision] = digits[offset] }
                if stage(at: index, choices: choices) == network.stages[index] {
                    found = true
                    break
                }
            } while advance(&digits, sizes: sizes)
            if !found { return nil }
        }
        return choices
    }

    private func advance(_ digits: inout [Int], sizes: [Int]) -> Bool {
        var position = digits.count - 1
        while position >= 0 {
            digits[position] += 1
            if digits[position] < sizes[position] { return true }
            digits[position] = 0
            position -= 1
        }
        return false
    }
}

/// The classes and input channels of a search's own images, which its networks take instead
/// of the space's (a `folder` proxy, e.g. `nas search --data DIR`), so that costs are counted,
/// and architectures stored and exported, as the networks are trained.
public struct DataShape: Codable, Hashable, Sendable {
    public var classes: Int
    public var channels: Int

    public init(classes: Int, channels: Int) {
        self.classes = classes
        self.channels = channels
    }
}

extension SearchSpace {
    /// This space with its baseline and references taking `shape`'s classes and channels
    /// (nil: the space as written).
    public func adapted(to shape: DataShape?) -> SearchSpace {
        guard let shape else { return self }
        func adapt(_ network: Network) -> Network {
            var network = network
            network.classes = shape.classes
            network.inputChannels = shape.channels
            return network
        }
        return SearchSpace(name: name, file: file, baseline: adapt(baseline), plans: plans, decisions: decisions, resolution: resolution,
                           reward: reward, proxy: proxy, search: search, references: references.map(adapt))
    }
}
