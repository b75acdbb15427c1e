import NASArchitecture
import Yams

/// A space is checked as a whole before any run exists: each option on its own gives valid
/// blocks (`SpaceParser.parse`), and here the largest point — every field at its largest
/// option in every block at once — stays within `Network.maxLayers` and `Cost.maxCount`.
/// Layers and counts grow with every field, so the largest point bounds every other point.
extension SpaceParser {
    func checkLargestPoint(
        baseline: Network, plans: [SearchSpace.BlockPlan], decisions: [Decision], resolution: Int, at node: Node?
    ) throws(SearchSpaceError) {
        let candidates = plans.indices.map {
            SearchSpace.largestStages(of: baseline.stages[$0], settings: SearchSpace.settings(of: plans[$0], decisions))
        }
        // Bound the layers first: resolving below allocates one value per layer.
        let layers = candidates.reduce(0) { total, stages in total + (stages.map(layerCount).max() ?? 0) }
        guard layers <= Network.maxLayers else {
            throw r.fail(
                node, "decisions",
                "the largest point of the space has \(layers) layers — expected at most \(Network.maxLayers) (repeats summed over every block)")
        }
        // Costs are counted at the space's resolution, and checked by `Network.validate` at the
        // baseline's own: the larger one bounds both.
        let countResolution = max(resolution, baseline.resolution)
        var largest = baseline
        largest.stages = candidates.map { $0.first ?? [] }
        let resolved = largest.resolved(resolution: countResolution)
        var total = resolved.stemCost + resolved.headCost
        // Blocks interact only through their output filters, which no operator changes: each
        // block's largest operator is found on its own.
        for (index, stages) in candidates.enumerated() {
            var blockCost = Cost.zero
            for stage in stages {
                var variant = largest
                variant.stages[index] = stage
                let cost = variant.resolved(resolution: countResolution).blocks.filter { $0.stage == index }
                    .reduce(Cost.zero) { $0 + $1.cost }
                blockCost = Cost(params: max(blockCost.params, cost.params), macs: max(blockCost.macs, cost.macs))
            }
            total += blockCost
        }
        for (what, count) in [("parameters", total.params), ("MACs", total.macs)] where count > Cost.maxCount {
            throw r.fail(
                node, "decisions",
                "the largest point of the space has \(count == .max ? "more than \(Int.max)" : String(count)) \(what) at \(countResolution) px — expected at most \(Cost.maxCount)")
        }
    }

    private func layerCount(_ stage: [Block]) -> Int { stage.reduce(0) { $0 + $1.repeats } }
}

extension SearchSpace {
    /// The network that holds every point of the space — each block at its largest kernel,
    /// expansion, SE ratio, filters and layers — for weight sharing (a supernet). Refused
    /// where a block chooses between operators (their weights differ in kind) or uses a plain
    /// convolution (no block of the MBConv family to share).
    public func largestNetwork() throws(SearchSpaceError) -> Network {
        var network = baseline
        for (index, plan) in plans.enumerated() {
            let stages = SearchSpace.largestStages(of: baseline.stages[index], settings: SearchSpace.settings(of: plan, decisions))
            let block = index + 1
            guard stages.count == 1, let stage = stages.first else {
                throw SearchSpaceError(
                    file: file, line: nil, field: "blocks[\(block)]",
                    message: "weight sharing needs one operator per block; block \(block) chooses among \(stages.count)")
            }
            if stage.contains(where: { $0.op == .conv }) {
                throw SearchSpaceError(
                    file: file, line: nil, field: "blocks[\(block)]",
                    message: "weight sharing covers mbconv, fused-mbconv and depthwise-separable blocks; block \(block) is a plain conv")
            }
            network.stages[index] = stage
        }
        return network
    }

    /// Every setting a block can take: its fixed ones and every option of its decisions.
    static func settings(of plan: BlockPlan, _ decisions: [Decision]) -> [Setting] {
        plan.fixed + plan.decisions.flatMap { decisions[$0].settings.joined() }
    }

    /// The stage with every field at its largest value, once per operator it may take.
    static func largestStages(of stage: [Block], settings: [Setting]) -> [[Block]] {
        var operators: [Operator] = []
        var largest: [Field: Setting] = [:]
        let baseFilters = stage.last?.outFilters ?? 0
        for setting in settings {
            switch setting {
            case .op(let op):
                if !operators.contains(op) { operators.append(op) }
            case .skip:
                continue
            default:
                if let current = largest[setting.field], magnitude(current, baseFilters) >= magnitude(setting, baseFilters) {
                    continue
                }
                largest[setting.field] = setting
            }
        }
        let common = Field.allCases.compactMap { largest[$0] }
        guard !operators.isEmpty else { return [Setting.apply(common, to: stage)] }
        return operators.map { Setting.apply([.op($0)] + common, to: stage) }
    }

    /// How much a setting makes of its field; filters as the filters they give (× 1 keeps
    /// the baseline's value, any other multiplier rounds).
    private static func magnitude(_ setting: Setting, _ baseFilters: Int) -> Double {
        switch setting {
        case .kernel(let kernel): Double(kernel)
        case .expansion(let ratio), .se(let ratio): ratio
        case .filters(let multiplier):
            Double(multiplier == 1 ? baseFilters : roundFilters(baseFilters, width: multiplier))
        case .layers(let delta): Double(delta)
        case .op, .skip: 0
        }
    }
}

extension SearchSpace {
    /// The decisions of the space's cheapest point, set one decision at a time to the option
    /// with the fewest MACs (the others where they are): the sandwich rule's smallest network.
    /// MACs grow with every field whatever the other blocks hold, so one pass finds it.
    public func smallestChoices() throws(SearchSpaceError) -> [Int] {
        var choices = decisionSizes.map { _ in 0 }
        for decision in choices.indices {
            var cheapest = (macs: Int.max, option: 0)
            for option in 0..<decisionSizes[decision] {
                choices[decision] = option
                let macs = cost(of: try architecture(for: choices)).macs
                if macs < cheapest.macs { cheapest = (macs, option) }
            }
            choices[decision] = cheapest.option
        }
        return choices
    }
}
