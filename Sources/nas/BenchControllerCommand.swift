import ArgumentParser
import NASController
import NASSearch

struct BenchControllerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "What the controller costs per batch: proposal, update, state encoding and its save in a run's log.",
        discussion: "Example: nas bench controller --space SearchSpaces/mnasnet.yaml --policy lstm --batch 64")

    @Option(help: "The search space file whose decisions the controller makes.") var space = "SearchSpaces/mnasnet.yaml"
    @Option(help: "random, evolution or reinforce (default: the space's).") var strategy: StrategyKind?
    @Option(help: "lstm or softmax (REINFORCE's policy; default: the space's).") var policy: PolicyKind?
    @Option(help: "Architectures per controller update.") var batch = 64
    @Option(help: "Timed batches (after one untimed).") var batches = 10
    @Flag(help: "Print one JSON line.") var json = false

    func validate() throws {
        guard (1...4096).contains(batch), (1...1000).contains(batches) else {
            throw ValidationError("--batch must be in 1…4096 and --batches in 1…1000.")
        }
    }

    func run() throws {
        let (_, parsed) = try readSpace(space)
        var options = SearchOptions()
        options.strategy = strategy
        options.policy = policy
        options.batch = batch
        let config = try options.config(space: parsed, spaceFile: space)
        let result = try ControllerBenchmark.run(
            config: config.controller, decisionSizes: parsed.decisionSizes, batch: batch, batches: batches)
        if json { return try printJSON(result) }
        print(String(
            format: "%@%@, %d decisions, batch %d: update %.2f ms + encode %.2f ms + save %.2f ms = %.2f ms per batch (median of %d); propose %.2f ms; state %d bytes",
            result.strategy, config.controller.strategy == .reinforce ? "/" + result.policy : "", result.decisions, batch,
            result.updateMilliseconds, result.encodeMilliseconds, result.saveMilliseconds, result.updateAndSaveMilliseconds,
            batches, result.proposeMilliseconds, result.stateBytes))
    }
}
