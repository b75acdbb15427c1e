import ArgumentParser
import Foundation
import NASPresentation
import NASSearch
import NASSearchSpace

struct FidelityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity",
        abstract: "Measure how well a proxy budget ranks architectures: a fidelity study in a run folder.",
        discussion: """
            Picks --candidates correlation candidates spread over the space's MACs range, trains
            each at the space's proxy, at every --budget and at the --reference budget (each a
            set of the space's proxy keys over the space's proxy, e.g. epochs=5,width=0.5), and
            prints each budget's Kendall τ, Spearman ρ and top-k overlap against the reference,
            beside the reference's own seed-to-seed τ (the ceiling) and MACs' and parameters' τ
            (the free baselines). Every training is a trial of the run: kill it at any moment and
            `nas resume RUN` carries on; `nas worker` processes can serve it; `nas status RUN`
            and `nas report RUN` show it (Docs/PROXY.md).

            Examples:
              nas fidelity --space SearchSpaces/mnasnet.yaml --run Runs/fidelity --reference epochs=5
              nas fidelity --space s.yaml --run r --budget steps=100 --budget epochs=2 --reference epochs=10 --seeds 3
              nas fidelity --space s.yaml --run r --proxy dataset=cifar10,data=cifar10.tar.gz --budget stem-stride=1
              nas fidelity --run r --extend --budget epochs=1,width=0.5   (ranked against r's own reference)
            """
    )

    @Option(help: "The search-space file (YAML); not with --extend.")
    var space: String?

    @Option(name: .customLong("run"), help: "The run folder to create (with --extend, the study to add to); with --storage, the run's name.")
    var runDirectory: String

    @Flag(help: "Add the --budget recipes to an existing study (same candidates and reference; only the new budgets train).")
    var extend = false

    @Option(help: "Correlation candidates (architectures of the space, spread over its MACs range).")
    var candidates: Int?

    @Option(help: ArgumentHelp("A candidate of your own instead of a pick from the space: a named model or an architecture file (repeatable; at least 4).", valueName: "arch"))
    var architecture: [String] = []

    @Option(help: ArgumentHelp("A further proxy budget to rank, key=value pairs over the space's proxy (repeatable).", valueName: "key=value,…"))
    var budget: [String] = []

    @Option(help: ArgumentHelp("The reference budget every other is ranked against, over the space's proxy.", valueName: "key=value,…"))
    var reference = "epochs=5"

    @Option(help: "Seeds of each proxy budget.")
    var seeds = 2

    @Option(help: "Seeds of the reference (two or more give its seed-to-seed τ, the ceiling).")
    var referenceSeeds = 2

    @Flag(help: "Rank only the --budget recipes, not the space's own proxy.")
    var withoutSpaceProxy = false

    @Option(help: "Seed of the candidates' pick and of every training.")
    var seed: UInt64 = 1

    @Option(help: "builtin (the shared trainer) or a shell command reading a trial (its budget in `budget`) as JSON on stdin.")
    var evaluator: String = "builtin"

    @Option(help: ArgumentHelp("Overrides of the space's proxy shared by every budget, e.g. dataset=cifar10,data=PATH.", valueName: "key=value,…"))
    var proxy: String?

    @Flag(help: "Print the result as JSON (the `fidelity` object of `nas status --json`).")
    var json = false

    @OptionGroup var runOptions: RunOptions

    @OptionGroup var storage: StorageOptions

    func validate() throws {
        try storage.check(run: runDirectory)
        if candidates != nil, !architecture.isEmpty { throw ValidationError("--candidates picks from the space and --architecture names them: give one.") }
        if extend {
            if space != nil || proxy != nil || candidates != nil || !architecture.isEmpty { throw ValidationError("--extend adds to the study's own space and recipe: leave out --space, --proxy, --candidates and --architecture.") }
            if budget.isEmpty { throw ValidationError("--extend needs at least one --budget to add.") }
        } else if space == nil {
            throw ValidationError("Missing expected argument '--space <space>' (or --extend to add budgets to a study).")
        }
    }

    func run() throws {
        let location = storage.location(runDirectory)
        let search: Search
        if extend {
            search = try Search.resume(location: location, workers: runOptions.workers, extendStudy: (budget, seeds),
                                       dataCache: runOptions.cache, dataProgress: dataProgress())
        } else {
            search = try create(location)
        }
        exitOnInterrupt(resume: location.commandArguments)
        try search.run(events: SearchProgress(quiet: runOptions.quiet || json).handle)
        let status = try RunStatus.load(location)
        guard let result = status.fidelity else { return }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.lines.joined(separator: "\n"))
        }
    }

    private func create(_ location: RunLocation) throws -> Search {
        let space = self.space!
        let (text, parsed) = try readSpace(space)
        var options = FidelityOptions()
        if let candidates { options.candidates = candidates }
        options.architectures = try architecture.map(ArchitectureOptions.load)
        options.budgets = budget
        options.reference = reference
        options.seeds = seeds
        options.referenceSeeds = referenceSeeds
        options.withoutSpaceProxy = withoutSpaceProxy
        options.seed = seed
        options.evaluator = evaluator
        options.workers = runOptions.workers
        options.proxy = proxy
        let config = try options.config(space: parsed, spaceFile: space)
        return try Search.create(location: location, spaceText: text, config: config, dataCache: runOptions.cache,
                                 dataProgress: dataProgress())
    }
}
