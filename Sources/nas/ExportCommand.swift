import ArgumentParser
import Foundation
import NASSearch

extension ExportFormat: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a run's trial: JSON, timm or TF block strings (each rebuilds with `nas arch`), or Markdown.",
        discussion: """
            Examples:
              nas export Runs/quickstart --format json --output best.json && nas arch best.json
              nas export Runs/quickstart --trial 7 --format tf
            """
    )

    @Argument(help: "The run folder.")
    var runDirectory: String

    @Option(help: "best, or a trial id.")
    var trial = "best"

    @Option(help: "json, timm, tf or markdown.")
    var format: ExportFormat

    @Option(help: "Write to this file instead of stdout (refuses to overwrite unless --force).")
    var output: String?

    @Flag(help: "Overwrite --output if it exists.")
    var force = false

    func run() throws {
        let (summary, network, status) = try NASSearch.Export.trial(directory: runDirectory, selector: trial)
        let text = try NASSearch.Export.render(network, trial: summary, run: status.run, format: format)
        guard let output else {
            print(text, terminator: "")
            return
        }
        if FileManager.default.fileExists(atPath: output), !force {
            throw CommandError("\(output) exists; pass --force to overwrite it")
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
            throw CommandError("cannot write \(output): \(error.localizedDescription)")
        }
        FileHandle.standardError.write(Data("wrote trial \(summary.id) of \(runDirectory) to \(output)\n".utf8))
    }
}
