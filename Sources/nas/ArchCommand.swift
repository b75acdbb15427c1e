import Foundation
import ArgumentParser
import NASArchitecture

struct ArchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arch",
        abstract: "Show an architecture: stages, parameters, multiply-adds, and its timm and TF strings.",
        discussion: """
            Examples:
              nas arch efficientnet-b0
              nas arch efficientnet-b0 --variant b3 --format json
              nas arch my-net.arch --resolution 32 --classes 10 --channels 1
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// One row per stage and the totals.
        case table
        /// The summary as one JSON object (Docs/FORMATS.md).
        case json
        /// TF block strings, one per line.
        case tf
        /// timm arch-def, one stage per line.
        case timm
        /// The canonical architecture file.
        case file
    }

    @OptionGroup var architecture: ArchitectureOptions

    @Option(help: "Output format: \(Format.allCases.map(\.rawValue).joined(separator: ", ")).")
    var format: Format = .table

    func run() throws {
        let network = try architecture.network()
        try network.validate()
        switch format {
        case .table: print(ArchitectureSummary(network).table(), terminator: "")
        case .json: print(ArchitectureSummary(network).json())
        case .tf, .timm:
            // Bare strings on stdout stay pipeable; what they cannot say goes to stderr.
            if let note = network.stemStrideNote { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            if format == .tf { print(try network.tfBlockStrings().joined(separator: "\n")); return }
            print(network.timmArchDef.map { $0.joined(separator: " ") }.joined(separator: "\n"))
        case .file: print(ArchitectureFile.encode(network), terminator: "")
        }
    }
}
