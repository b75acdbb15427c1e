import ArgumentParser
import Foundation
import NASArchitecture
import NASFormatting
import NASRecipe
import NASTraining

struct BenchFusedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fused-mbconv",
        abstract: "A training step of a network's early stages with Fused-MBConv against MBConv (same kernels, expansions, SE, filters).",
        discussion: """
            The first --stages stages (with the stem, pooling and the classifier, no head conv) are built twice, every \
            block as MBConv and as Fused-MBConv, and their training steps timed alternately: the median ms per step of \
            each and Fused-MBConv's over MBConv's (EfficientNetV2's "depthwise convolutions are slow in early layers", \
            measured on this CPU; Docs/PERFORMANCE.md).
            Example: nas bench fused-mbconv --arch efficientnet-b0 --stages 3 --resolution 64 --batch 64 --threads 1
            """)

    @OptionGroup var options: BenchNetworkOptions
    @Option(help: "Early stages built both ways (EfficientNetV2-S uses Fused-MBConv in its first 3).") var stages = 3
    @Option(help: "Batch size.") var batch = 64
    @Option(help: "Timed steps of each network (after 2 untimed of each).") var steps = 20

    func validate() throws {
        try checkBound("--batch", batch, TrainingConfig.batchRange)
        try checkBound("--steps", steps, 1...10_000)
        if stages < 1 { throw CommandError("--stages must be at least 1, got \(stages).") }
    }

    func run() throws {
        let network = try options.network()
        guard stages <= network.stages.count else {
            throw CommandError("--stages must be at most \(network.name)'s \(network.stages.count) stages, got \(stages).")
        }
        let result = FusedMBConvBenchmark.run(
            network: network, stages: stages, resolution: options.resolution, batch: batch, steps: steps, threads: options.threads)
        if options.json { return try printJSON(result) }
        print(options.describe(network, batch: batch) + ", first \(stages) stages:")
        for (name, side) in [("MBConv", result.mbconv), ("Fused-MBConv", result.fused)] {
            let label = name.padding(toLength: 13, withPad: " ", startingAt: 0)
            print("  " + label + String(format: "%8.2f ms/step  %7.0f images/s  ", side.millisecondsPerStep, side.imagesPerSecond)
                + "\(Formatting.params(side.params)) params  \(Formatting.macs(side.macs)) MACs")
        }
        print(String(format: "  Fused-MBConv / MBConv step time: %.2f", result.ratio))
    }
}
