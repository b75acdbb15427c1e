import Foundation
import NASArchitecture
import NASController
import NASSearchSpace

/// What `nas scale ARCH --search` is asked: the baseline, the grid, the seeds and the recipe
/// (the space's proxy with `--proxy` and `--budget` over it). Turned into a run configuration
/// whose plan is `SearchConfig.scaling`.
public struct ScalingOptions: Sendable {
    public var architecture: Network
    /// `--grid`: `step=S,tolerance=T,max=M` (defaults below) — every α, β, γ from 1 to M in
    /// steps of S with |α·β²·γ² − 2| ≤ T, and the paper's point.
    public var grid = "step=0.1,tolerance=0.1,max=2"
    /// Each point with α > 1 also with its extra depth in the later stages only (V2).
    public var nonUniform = false
    public var seeds = 2
    public var proxy: String?
    public var budget: String?
    public var seed: UInt64 = 1
    public var workers: Int?
    /// `builtin` or a command that trains a trial (its recipe in the job's `budget`).
    public var evaluator = "builtin"

    public init(architecture: Network) { self.architecture = architecture }

    /// The grid `text` asks for.
    public static func points(_ text: String, nonUniform: Bool = false) throws(SearchError) -> [CompoundCoefficients] {
        var values = ["step": 0.1, "tolerance": 0.1, "max": 2.0]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, values[parts[0]] != nil, let value = Double(parts[1]), value.isFinite else {
                throw .invalid("--grid '\(text)': expected step=S,tolerance=T,max=M (e.g. step=0.1,tolerance=0.1,max=2)")
            }
            values[parts[0]] = value
        }
        let (step, tolerance, maximum) = (values["step"]!, values["tolerance"]!, values["max"]!)
        guard (0.01...1).contains(step), (0...1).contains(tolerance), CompoundCoefficients.range.contains(maximum) else {
            throw .invalid("--grid '\(text)': step must be from 0.01 to 1, tolerance from 0 to 1, max from 1 to \(CompoundCoefficients.range.upperBound)")
        }
        return CompoundCoefficients.grid(step: step, tolerance: tolerance, maximum: maximum, nonUniform: nonUniform)
    }

    public func config(space: SearchSpace, spaceFile: String) throws(SearchError) -> SearchConfig {
        var base = space.proxy
        do {
            if let proxy { base = try base.overriding(proxy) }
            if let budget { base = try base.overriding(budget) }
        } catch { throw .space(error) }
        let plan = ScalingPlan(architecture: architecture, points: try Self.points(grid, nonUniform: nonUniform), seeds: seeds, base: base)
        var controller = ControllerConfig.recommended(policy: ControllerConfig.recommendedPolicy)
        controller.strategy = .random
        var config = SearchConfig(
            spaceFile: spaceFile, trials: plan.trialCount, batch: 1, controller: controller, reward: space.reward,
            proxy: base, workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
        config.seed = seed
        config.evaluator = evaluator
        config.scaling = plan
        try config.validate()  // the plan's checks included
        return config
    }
}
