import ArgumentParser
import Foundation
import NASPresentation
import NASSearch

extension ExportFormat: ExpressibleByArgument {}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's trial (JSON, timm or TF block strings, Markdown) or a trained model (ONNX).",
        discussion: """
            A run's trials export as architectures: JSON, timm or TF block strings (each rebuilds with `nas arch` and trains with `nas train`), or Markdown. A trained model folder (from `nas train --out`), or a trial of a run searched with --keep-weights, exports as ONNX with its weights (Docs/ONNX.md).

            Examples:
              nas export Runs/quickstart --format json --output best.json && nas arch best.json
              nas export Runs/quickstart --trial 7 --format tf
              nas export models/best --format onnx --output best.onnx
            """
    )

    @Argument(help: "The run folder, or for --format onnx also a trained model folder.")
    var runDirectory: String

    @OptionGroup var storage: StorageOptions

    @Option(help: "best (the best sampled trial), leader (the controller's most likely architecture, evaluated after the budget), promoted (the best at the highest promotion rung), or a trial number.")
    var trial = "best"

    @Option(help: "json, timm, tf, markdown (a run's trial) or onnx (a trained model, or a trial of a --keep-weights run).")
    var format: ExportFormat

    @Option(help: "Write to this file instead of stdout (refuses to overwrite unless --force).")
    var output: String?

    @Flag(help: "Overwrite --output if it exists.")
    var force = false

    func validate() throws {
        try storage.check(run: runDirectory)
        if format == .onnx && output == nil {
            throw ValidationError("--format onnx writes a binary file: give it --output FILE")
        }
    }

    func run() throws {
        if format == .onnx {
            let (data, model) = try Export.onnx(storage.location(runDirectory), trial: trial)
            try write(data, to: output!)
            FileHandle.standardError.write(Data(
                "wrote \(output!): ONNX opset 17, input image [N, \(model.input.map(String.init).joined(separator: ", "))] in [0, 1], logits [N, \(model.classes)], \(model.nodes) nodes, \(model.parameters) parameters, \(model.bytes) bytes\n".utf8))
            return
        }
        let (summary, network, status) = try Export.trial(storage.location(runDirectory), selector: trial)
        let text = try Export.render(network, trial: summary, run: status.run, format: format)
        guard let output else {
            print(text, terminator: "")
            return
        }
        try write(Data(text.utf8), to: output)
        FileHandle.standardError.write(Data("wrote trial \(summary.id) of \(storage.location(runDirectory)) to \(output)\n".utf8))
    }

    private func write(_ data: Data, to output: String) throws {
        if FileManager.default.fileExists(atPath: output), !force {
            throw CommandError("\(output) exists; pass --force to overwrite it")
        }
        do { try data.write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
            throw CommandError("cannot write \(output): \(error.localizedDescription)")
        }
    }
}
