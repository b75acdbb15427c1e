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
            largestStages(of: baseline.stages[$0], settings: settings(of: plans[$0], decisions))
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

    /// Every setting a block can take: its fixed ones and every option of its decisions.
    private func settings(of plan: SearchSpace.BlockPlan, _ decisions: [Decision]) -> [Setting] {
        plan.fixed + plan.decisions.flatMap { decisions[$0].settings.joined() }
    }

    /// The stage with every field at its largest value, once per operator it may take.
    private func largestStages(of stage: [Block], settings: [Setting]) -> [[Block]] {
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
    private func magnitude(_ setting: Setting, _ baseFilters: Int) -> Double {
        switch setting {
        case .kernel(let kernel): Double(kernel)
        case .expansion(let ratio), .se(let ratio): ratio
        case .filters(let multiplier):
            Double(multiplier == 1 ? baseFilters : roundFilters(baseFilters, width: multiplier))
        case .layers(let delta): Double(delta)
        case .op, .skip: 0
        }
    }

    private func layerCount(_ stage: [Block]) -> Int { stage.reduce(0) { $0 + $1.repeats } }
}
