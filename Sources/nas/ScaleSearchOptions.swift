import ArgumentParser
import Foundation
import NASArchitecture
import NASPresentation
import NASSearch

/// `nas scale ARCH --search`'s options and run: a coefficient search in a run folder.
struct ScaleSearchOptions: ParsableArguments {
    @Flag(help: "Search the compound coefficients on ARCH (EfficientNet's grid search at φ = 1).")
    var search = false

    @Option(name: .customLong("run"), help: "With --search: the run folder (with --storage, the run's name).")
    var runDirectory: String?

    @Option(help: "With --search: the space whose proxy (dataset, recipe) trains every grid point.")
    var space: String?

    @Option(help: ArgumentHelp("With --search: overrides of the space's proxy, e.g. dataset=cifar10,data=PATH.", valueName: "key=value,…"))
    var proxy: String?

    @Option(help: ArgumentHelp("With --search: the budget every grid point trains at, over the proxy (a budget that ranks: `nas fidelity`).", valueName: "key=value,…"))
    var budget: String?

    @Option(help: ArgumentHelp("With --search: the grid, step=S,tolerance=T,max=M (default step=0.1,tolerance=0.1,max=2; the paper's point is always in it).", valueName: "step=…"))
    var grid: String?

    @Flag(help: "With --search: also each point with α > 1 with its extra layers in the later half of the stages only (EfficientNetV2's non-uniform scaling).")
    var nonUniform = false

    @Option(help: "With --search: seeds per grid point.")
    var seeds = 2

    @Option(help: "With --search: the run's seed.")
    var seed: UInt64 = 1

    @Option(help: "With --search: builtin (the shared trainer) or a shell command reading a trial (its recipe in `budget`) as JSON on stdin.")
    var evaluator = "builtin"

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var storage: StorageOptions

    func check(coefficients: String?) throws {
        if !search {
            if runDirectory != nil || space != nil || proxy != nil || budget != nil || grid != nil || seeds != 2 || evaluator != "builtin" || nonUniform {
                throw ValidationError("--run, --space, --proxy, --budget, --grid, --non-uniform, --seeds and --evaluator go with --search.")
            }
            return
        }
        if coefficients != nil { throw ValidationError("--coefficients gives the coefficients; --search finds them: give one.") }
        guard let runDirectory, space != nil else { throw ValidationError("--search needs --run and --space (its proxy trains the grid).") }
        try storage.check(run: runDirectory)
    }

    func run(_ network: Network) throws {
        let location = storage.location(runDirectory!)
        let (text, parsed) = try readSpace(space!)
        var options = ScalingOptions(architecture: network)
        if let grid { options.grid = grid }
        options.seeds = seeds
        options.nonUniform = nonUniform
        options.proxy = proxy
        options.budget = budget
        options.seed = seed
        options.workers = runOptions.workers
        options.evaluator = evaluator
        let config = try options.config(space: parsed, spaceFile: space!)
        let search = try Search.create(location: location, spaceText: text, config: config, dataCache: runOptions.cache,
                                       dataProgress: dataProgress())
        exitOnInterrupt(resume: location.commandArguments)
        try search.run(events: SearchProgress(quiet: runOptions.quiet).handle)
        if let result = try RunStatus.load(location).scaling { print(result.lines.joined(separator: "\n")) }
    }
}
