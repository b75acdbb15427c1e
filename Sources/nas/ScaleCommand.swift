import ArgumentParser
import Foundation
import NASArchitecture
import NASPresentation
import NASSearch

struct ScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Compound-scale an architecture to a B1…B7-like family, or search its coefficients (α, β, γ) as EfficientNet did.",
        discussion: """
            Each variant uses EfficientNet's official width, depth, resolution and dropout
            (Docs/REPORT.md); params and MACs are counted at the variant's resolution.
            ARCH is a named model, an architecture file or a JSON export (`nas export --format json`).

            Examples:
              nas scale efficientnet-b0                      # reproduces B1…B7 exactly
              nas export Runs/quickstart --format json --output best.json
              nas scale best.json --variants b1,b3 --out-dir family && nas arch family/best-b3.arch

            With --search, EfficientNet's step 1 on ARCH (Docs/SCALING.md): every (α, β, γ) of
            --grid with α·β²·γ² within the tolerance of 2 — the baseline with depth × α, width
            × β and resolution × γ at the space's proxy and --budget — trained with --seeds
            seeds as trials of the run --run (`nas resume`, `nas status`, `nas report`,
            `nas worker` work on it); then the best point's family. --coefficients A,B,G
            scales ARCH with given coefficients to φ = 1…--phi instead of EfficientNet's table.
              nas scale efficientnet-b0 --search --space SearchSpaces/mnasnet.yaml --run Runs/scale-b0 --budget epochs=1
              nas scale efficientnet-b0 --coefficients 1.2,1.1,1.15 --phi 7
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }

    @Argument(help: "A named model (\(NamedModels.names.joined(separator: ", "))), an architecture file or a JSON export.")
    var arch: String

    @Option(help: "Variants: a range and/or a list, e.g. b1-b7 (the default), b1,b3 or b0-b2,b5.")
    var variants = "b1-b7"

    @Option(help: "Output format: table or json.")
    var format: Format = .table

    @Option(help: "Also write one architecture file per variant here (NAME-bN.arch; `nas arch` and `nas train` read them).")
    var outDir: String?

    @Flag(help: "Overwrite architecture files that exist in --out-dir.")
    var force = false

    @Option(help: "Compound coefficients α,β,γ (depth, width, resolution) for a family φ = 1…--phi instead of EfficientNet's table.")
    var coefficients: String?

    @Option(help: "With --coefficients: the largest φ.")
    var phi = 7

    @OptionGroup(title: "Coefficient search") var search: ScaleSearchOptions

    func validate() throws {
        try search.check(coefficients: coefficients)
        try checkBound("--phi", phi, CompoundCoefficients.phiRange)
        do { _ = try ScaledFamily.variants(variants) } catch {
            throw ValidationError("--variants: \(error); give variants and ranges separated by commas, like b1-b7 or b1,b3")
        }
    }

    func run() throws {
        let network = try ArchitectureOptions.load(arch)
        try network.validate()
        if search.search { return try search.run(network) }
        let family = try coefficients.map { ScaledFamily(network, coefficients: try CompoundCoefficients(parsing: $0), phis: 1...phi) }
            ?? ScaledFamily(network, variants: try ScaledFamily.variants(variants))
        // Files are checked before anything is printed, so a refusal prints nothing else.
        let manager = FileManager.default
        let files = outDir.map { directory in
            family.members.map { ((directory as NSString).appendingPathComponent("\(fileName($0.network.name)).arch"), $0.network) }
        } ?? []
        if !force, let existing = files.first(where: { manager.fileExists(atPath: $0.0) }) {
            throw CommandError("\(existing.0) exists; pass --force to overwrite it")
        }
        switch format {
        case .table: print(family.table(), terminator: "")
        case .json: print(family.json())
        }
        guard let outDir else { return }
        do { try manager.createDirectory(atPath: outDir, withIntermediateDirectories: true) } catch {
            throw CommandError("cannot create \(outDir): \(error.localizedDescription)")
        }
        for (path, network) in files {
            do { try Data(ArchitectureFile.encode(network).utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
                throw CommandError("cannot write \(path): \(error.localizedDescription)")
            }
        }
        FileHandle.standardError.write(Data("wrote \(files.count) architecture files to \(outDir)\n".utf8))
    }

    /// The network's name made safe as a file name.
    private func fileName(_ name: String) -> String {
        let cleaned = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
        return cleaned.isEmpty || cleaned.hasPrefix(".") ? "arch" + cleaned : cleaned
    }
}
