import ArgumentParser
import Foundation
import NASSearch
import NASSearchSpace

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a search exactly where it stopped.",
        discussion: """
            Trials that were running when the search was killed run again; completed trials are
            kept; the controller continues from its saved state, so the architectures tried are
            the same as in an uninterrupted run. The run's stored space and settings are used,
            not the files on disk.

            Examples:
              nas resume Runs/quickstart
              nas resume Runs/b0 --trials 600
            """
    )

    @Argument(help: "The run folder (with --storage, the run's name).")
    var runDirectory: String

    @OptionGroup var storage: StorageOptions

    @Option(help: "A new budget of sampled trials (e.g. to extend a finished search).")
    var trials: Int?

    @OptionGroup var runOptions: RunOptions

    func validate() throws {
        try storage.check(run: runDirectory)
    }

    func run() throws {
        let search = try Search.resume(location: storage.location(runDirectory), trials: trials, workers: runOptions.workers, dataCache: runOptions.cache, dataProgress: dataProgress())
        exitOnInterrupt(resume: storage.location(runDirectory).commandArguments)
        try search.run(events: SearchProgress(quiet: runOptions.quiet).handle)
    }
}
