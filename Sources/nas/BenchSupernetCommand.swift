import ArgumentParser
import NASArchitecture
import NASSearch
import NASRecipe

struct BenchSupernetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supernet",
        abstract: "What a weight-sharing step costs against training the same architecture alone, and scoring one candidate.",
        discussion: "Example: nas bench supernet --space SearchSpaces/mnasnet-shared.yaml --threads 1")

    @Option(help: "A search space with one operator per block.") var space = "SearchSpaces/mnasnet-shared.yaml"
    @Option(help: "Input resolution (default: the space's proxy's).") var resolution: Int?
    @Option(help: "Width multiplier (default: the space's proxy's).") var width: Double?
    @Option(help: "The stem's stride (default: the space's proxy's).") var stemStride: Int?
    @Option(help: "Input channels (default: the proxy dataset's).") var channels: Int?
    @Option(help: "Batch size (default: the space's proxy's).") var batch: Int?
    @Option(help: "Threads for the kernels and OpenBLAS.") var threads = 1
    @Option(help: "Architectures drawn uniformly from the space.") var architectures = 5
    @Option(help: "Timed steps per architecture, each way (after one untimed).") var steps = 3
    @Flag(help: "Print one JSON line.") var json = false

    func validate() throws {
        if let resolution { try checkBound("--resolution", resolution, TrainingConfig.resolutionRange) }
        if let batch { try checkBound("--batch", batch, TrainingConfig.batchRange) }
        if let channels { try checkBound("--channels", channels, Network.inputChannelsRange) }
        if let stemStride, ![1, 2].contains(stemStride) { throw ValidationError("--stem-stride must be 1 or 2.") }
        if let width, !(width > 0 && width <= TrainingConfig.maxMultiplier) {
            throw ValidationError("--width must be in (0, \(TrainingConfig.maxMultiplier)].")
        }
        try checkBound("--threads", threads, TrainingConfig.threadsRange)
        try checkBound("--architectures", architectures, 1...1000)
        try checkBound("--steps", steps, 1...1000)
    }

    func run() throws {
        let (_, parsed) = try readSpace(space)
        let proxy = parsed.proxy
        let width = width ?? proxy.width, resolution = resolution ?? proxy.resolution, batch = batch ?? proxy.batch
        let channels = channels ?? (proxy.dataset == "cifar10" ? 3 : 1)
        let stemStride = stemStride ?? proxy.stemStride
        let result = try SupernetBenchmark.run(
            space: parsed,
            prepare: { point in
                var network = width != 1 || proxy.depth != 1 ? point.scaled(width: width, depth: proxy.depth) : point
                network.classes = 10
                network.inputChannels = channels
                if let stemStride { network.stemStride = stemStride }
                network.resolution = resolution
                try network.validate()
                return network
            },
            resolution: resolution, batch: batch, threads: threads, architectures: architectures, steps: steps)
        if json { return try printJSON(result) }
        print(String(
            format: "%@ at %dx%dx%d, width %g, batch %d, %d threads, %d architectures: supernet step %.1f ms (path %.2f ms) vs alone %.1f ms, ratio %.2f; scoring a candidate on a batch %.1f ms; %d shared parameters",
            parsed.name, resolution, resolution, channels, width, batch, threads, architectures, result.supernetStepMilliseconds,
            result.pathMilliseconds, result.aloneStepMilliseconds, result.ratio, result.scoreMilliseconds, result.sharedParameters))
    }
}
