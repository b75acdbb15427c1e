import Foundation
import NASArchitecture
import NASController
import NASSearchSpace

/// What `nas fidelity` is asked: the budgets as overrides of the space's proxy, the
/// reference last. Turned into a run configuration whose plan is `SearchConfig.fidelity`.
public struct FidelityOptions: Sendable {
    /// Correlation candidates (the study's architectures).
    public var candidates = 20
    /// The candidates themselves instead of a pick from the space (`--architecture`).
    public var architectures: [Network] = []
    /// Cheaper budgets besides the space's proxy, each `key=value,…` over the space's proxy.
    public var budgets: [String] = []
    /// The reference budget over the space's proxy.
    public var reference = "epochs=5"
    /// Seeds of every proxy budget and of the reference.
    public var seeds = 2
    public var referenceSeeds = 2
    /// Leave the space's own proxy out (only the `budgets` are ranked).
    public var withoutSpaceProxy = false
    public var seed: UInt64 = 1
    public var evaluator = "builtin"
    public var timeout: Double?
    public var workers: Int?
    /// Overrides of the space's proxy that every budget shares (`--proxy`), e.g. another
    /// dataset: `dataset=cifar10,data=PATH`.
    public var proxy: String?

    public init() {}

    public func config(space: SearchSpace, spaceFile: String) throws(SearchError) -> SearchConfig {
        var base = space.proxy
        if let proxy {
            do { base = try base.overriding(proxy) } catch { throw .space(error) }
        }
        var budgets = withoutSpaceProxy ? [] : [FidelityBudget(label: "proxy", proxy: base, seeds: seeds)]
        for text in self.budgets { budgets.append(try FidelityBudget(text, over: base, seeds: seeds)) }
        budgets.append(try FidelityBudget(reference, over: base, seeds: referenceSeeds))
        budgets[budgets.count - 1].label = "reference " + budgets[budgets.count - 1].label
        var plan = FidelityPlan(candidates: architectures.isEmpty ? candidates : architectures.count, budgets: budgets, seed: seed, base: base)
        if !architectures.isEmpty {
            plan.architectures = architectures.map(ArchitectureFile.encode)
            if Set(plan.architectures!).count < architectures.count { throw .invalid("--architecture: the same network is given twice") }
        }
        var controller = ControllerConfig.recommended(policy: ControllerConfig.recommendedPolicy)
        controller.strategy = .random
        var config = SearchConfig(
            spaceFile: spaceFile, trials: plan.trials, batch: 1, controller: controller, reward: space.reward,
            proxy: budgets[0].proxy, workers: workers ?? ProcessInfo.processInfo.activeProcessorCount)
        config.seed = seed
        config.evaluator = evaluator
        config.timeout = timeout
        config.fidelity = plan
        try config.validate()  // the plan's checks included
        return config
    }
}
