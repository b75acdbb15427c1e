import ArgumentParser
import NASPresentation
import NASSearch
import NASSearchSpace

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run: progress, best trial, reward moving average, policy entropy.",
        discussion: """
            Safe while the search runs. --json prints one object: {"run": …, "counts": …,
            "trials": [{"id", "state", "arch", "macs", "params", "accuracy", "reward", …}],
            "best": …} (Docs/SEARCH.md).
            """
    )

    @Argument(help: "The run folder (with --storage, the run's name).")
    var runDirectory: String

    @OptionGroup var storage: StorageOptions

    @Flag(help: "Print the whole status as JSON.")
    var json = false

    @Option(help: "Trials listed in the table (the most recent).")
    var last = 10

    func validate() throws {
        try storage.check(run: runDirectory)
        // At most every trial a run can hold; a negative count has no meaning.
        try checkBound("--last", last, 0...SearchSettings.trialsRange.upperBound)
    }

    func run() throws {
        let status = try RunStatus.load(storage.location(runDirectory))
        print(json ? status.json() : status.text(last: last), terminator: json ? "\n" : "")
    }
}
