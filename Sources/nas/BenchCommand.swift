import ArgumentParser
import NASArchitecture
import NASRecipe
import NASTraining

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the trainer's and the controller's speed.", subcommands: [BenchTrainCommand.self, BenchControllerCommand.self])
}

struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Training throughput on synthetic inputs (Benchmarks/compare_train.sh compares with PyTorch).")

    @Option(help: "A named model or an architecture file.") var arch = "efficientnet-b0"
    @Option(help: "Input resolution.") var resolution = 32
    @Option(help: "Input channels.") var channels = 3
    @Option(help: "Classes.") var classes = 10
    @Option(help: "Width multiplier.") var width = 1.0
    @Option(help: "The stem's stride, 1 or 2 (default: the architecture's; 1 keeps a 32-px proxy's spatial structure).") var stemStride: Int?
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Timed steps (after 3 warmup steps).") var steps = 20
    @Option(help: "Threads for the kernels and OpenBLAS.") var threads = TrainingConfig.defaults.threads
    @Flag(help: "Print one JSON line.") var json = false

    func validate() throws {
        try checkBound("--resolution", resolution, TrainingConfig.resolutionRange)
        guard batch >= 2, steps >= 1, threads >= 1, classes >= 2 else {
            throw ValidationError("--batch ≥ 2, --steps ≥ 1, --threads ≥ 1, --classes ≥ 2.")
        }
        try checkBound("--channels", channels, Network.inputChannelsRange)
        try checkBound("--classes", classes, Network.classesRange)
        try checkBound("--batch", batch, TrainingConfig.batchRange)
        try checkBound("--steps", steps, TrainingConfig.stepsRange)
        try checkBound("--threads", threads, TrainingConfig.threadsRange)
        let maxWidth = ScalingCoefficients.maxMultiplier
        if !(width > 0 && width <= maxWidth) { throw CommandError("--width must be in (0, \(Int(maxWidth))], got \(width).") }
    }

    func run() throws {
        var network = try ArchitectureOptions.load(arch)
        if width != 1 { network = network.scaled(width: width, depth: 1) }
        network.inputChannels = channels
        network.classes = classes
        if let stemStride { network.stemStride = stemStride }
        try network.validate()
        let result = TrainingBenchmark.run(network: network, resolution: resolution, batch: batch, steps: steps, threads: threads)
        if json {
            try printJSON(result)
        } else {
            print(String(
                format: "%@ at %dx%dx%d, stem stride %d, batch %d, %d threads: %.0f images/s, %.1f ms/step, %.1f GFLOP/s, peak %.0f MB",
                network.name, resolution, resolution, channels, network.stemStride, batch, threads, result.imagesPerSecond,
                result.millisecondsPerStep, result.gflopsPerSecond, Double(result.peakMemoryBytes) / 1e6))
        }
    }
}
