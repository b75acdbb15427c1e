import ArgumentParser
import NASArchitecture
import NASRecipe
import NASTraining

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the trainer's, the inference path's, the controller's and the supernet's speed, and Fused-MBConv against MBConv.",
        subcommands: [
            BenchTrainCommand.self, BenchInferCommand.self, BenchControllerCommand.self, BenchSupernetCommand.self, BenchFusedCommand.self,
        ])
}

/// The network a benchmark runs, as `nas bench train` and `nas bench infer` take it.
struct BenchNetworkOptions: ParsableArguments {
    @Option(help: "A named model or an architecture file.") var arch = "efficientnet-b0"
    @Option(help: "Input resolution.") var resolution = 32
    @Option(help: "Input channels.") var channels = 3
    @Option(help: "Classes.") var classes = 10
    @Option(help: "Width multiplier.") var width = 1.0
    @Option(help: "The stem's stride, 1 or 2 (default: the architecture's; 1 keeps a 32-px proxy's spatial structure).") var stemStride: Int?
    @Option(help: "Threads for the kernels and OpenBLAS.") var threads = TrainingConfig.defaults.threads
    @Flag(help: "Print one JSON line.") var json = false

    func validate() throws {
        try checkBound("--resolution", resolution, TrainingConfig.resolutionRange)
        try checkBound("--channels", channels, Network.inputChannelsRange)
        try checkBound("--classes", classes, Network.classesRange)
        try checkBound("--threads", threads, TrainingConfig.threadsRange)
        let maxWidth = ScalingCoefficients.maxMultiplier
        if !(width > 0 && width <= maxWidth) { throw CommandError("--width must be in (0, \(Int(maxWidth))], got \(width).") }
    }

    func network() throws -> Network {
        var network = try ArchitectureOptions.load(arch)
        if width != 1 { network = network.scaled(width: width, depth: 1) }
        network.inputChannels = channels
        network.classes = classes
        if let stemStride { network.stemStride = stemStride }
        try network.validate()
        return network
    }

    /// "efficientnet-b0 at 32x32x3, stem stride 2, batch 64, 2 threads"
    func describe(_ network: Network, batch: Int) -> String {
        "\(network.name) at \(resolution)x\(resolution)x\(channels), stem stride \(network.stemStride), batch \(batch), \(threads) threads"
    }
}

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Training throughput on synthetic inputs (Benchmarks/compare_train.sh compares with PyTorch).")

    @OptionGroup var options: BenchNetworkOptions
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Timed steps (after 3 warmup steps).") var steps = 20

    func validate() throws {
        try checkBound("--batch", batch, TrainingConfig.batchRange)
        try checkBound("--steps", steps, TrainingConfig.stepsRange)
    }

    func run() throws {
        let network = try options.network()
        let result = TrainingBenchmark.run(network: network, resolution: options.resolution, batch: batch, steps: steps, threads: options.threads)
        if options.json { return try printJSON(result) }
        print(options.describe(network, batch: batch) + String(
            format: ": %.0f images/s, %.1f ms/step, %.1f GFLOP/s, peak %.0f MB", result.imagesPerSecond,
            result.millisecondsPerStep, result.gflopsPerSecond, Double(result.peakMemoryBytes) / 1e6))
    }
}
