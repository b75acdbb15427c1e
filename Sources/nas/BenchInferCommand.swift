import ArgumentParser
import Foundation
import NASONNX
import NASRecipe
import NASTraining

struct BenchInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Inference speed of the folded network (batch norm inside the convolutions, as exported to ONNX): images/s at a batch, latency at batch 1.",
        discussion: """
            --onnx FILE also writes the network it timed (random weights, inputs in [0, 1], no normalization) so \
            Benchmarks/compare_infer.sh runs the same network in onnxruntime and PyTorch.
            Example: nas bench infer --width 0.25 --channels 1 --batch 64 --threads 2
            """)

    @OptionGroup var options: BenchNetworkOptions
    @Option(help: "Images per timed forward pass.") var batch = 64
    @Option(help: "Timed passes at each batch size (median), after 3 untimed.") var runs = 20
    @Option(help: "Also write the timed network as an ONNX file here.") var onnx: String?

    func validate() throws {
        try checkBound("--batch", batch, 1...TrainingConfig.batchRange.upperBound)
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be in 1…10000.") }
    }

    func run() throws {
        let network = try options.network()
        if let onnx {
            let folded = InferenceBenchmark.folded(network: network, resolution: options.resolution)
            let preprocessing = ONNXPreprocessing(
                channels: network.inputChannels, imageSize: options.resolution, padding: 0,
                mean: Array(repeating: 0, count: network.inputChannels), std: Array(repeating: 1, count: network.inputChannels))
            let data = try ONNXExport.serialized(try ONNXExport.model(folded, preprocessing: preprocessing, name: network.name))
            try data.write(to: URL(fileURLWithPath: onnx))
        }
        let result = InferenceBenchmark.run(network: network, resolution: options.resolution, batch: batch, runs: runs, threads: options.threads)
        if options.json { return try printJSON(result) }
        print(options.describe(network, batch: batch) + String(
            format: ": %.0f images/s (%.2f ms per batch), %.2f ms at batch 1, %.1f GFLOP/s, peak %.0f MB", result.imagesPerSecond,
            result.millisecondsPerBatch, result.latencyMilliseconds, result.gflopsPerSecond, Double(result.peakMemoryBytes) / 1e6))
    }
}
