import ArgumentParser
import NASSearch

/// Options of the commands that run a search (`search`, `resume`).
struct RunOptions: ParsableArguments {
    @Option(help: "Evaluations at once in this process (default: one per core for a new search, the run's own on resume; 0: none, `nas worker` processes evaluate). Never changes which architectures are tried.")
    var workers: Int?

    @Option(help: "Folder for decoded-data caches.")
    var cache: String?

    @Flag(help: "Print nothing while it runs.")
    var quiet = false
}
