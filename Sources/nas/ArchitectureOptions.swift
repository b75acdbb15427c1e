import ArgumentParser
import Foundation
import NASArchitecture

/// Options shared by every command that takes an architecture: which one, and how to
/// scale it. Loading reads the file (the only I/O); decoding and scaling are the library's.
struct ArchitectureOptions: ParsableArguments {
    @Argument(help: "A named model (\(NamedModels.names.joined(separator: ", "))) or an architecture file.")
    var arch: String

    @Option(help: "Input resolution for counting (default: the model's own).")
    var resolution: Int?

    @Option(help: "Compound-scale to an EfficientNet variant, b0 … b7 (width, depth, resolution, dropout).")
    var variant: String?

    @Option(help: "Width multiplier (filters rounded to multiples of 8).")
    var width: Double?

    @Option(help: "Depth multiplier (repeats rounded up).")
    var depth: Double?

    @Option(help: "Number of classes (default: 1000, or the file's).")
    var classes: Int?

    @Option(help: "Input channels (default: 3, or the file's).")
    var channels: Int?

    func validate() throws {
        if variant != nil, width != nil || depth != nil {
            throw ValidationError("--variant sets width and depth itself; give either --variant or --width/--depth.")
        }
        if let variant { _ = try ScalingCoefficients.variant(variant) }
        if let width, !(width > 0 && width <= 16) { throw ValidationError("--width must be in (0, 16], got \(width).") }
        if let depth, !(depth > 0 && depth <= 16) { throw ValidationError("--depth must be in (0, 16], got \(depth).") }
        if let resolution, !(1...4096).contains(resolution) {
            throw ValidationError("--resolution must be from 1 to 4096, got \(resolution).")
        }
        if let classes, classes < 1 { throw ValidationError("--classes must be at least 1, got \(classes).") }
        if let channels, channels < 1 { throw ValidationError("--channels must be at least 1, got \(channels).") }
    }

    /// A named model, or an architecture file when a file exists at that path.
    static func load(_ arch: String) throws -> Network {
        guard FileManager.default.fileExists(atPath: arch) else { return try NamedModels.network(named: arch) }
        guard let data = FileManager.default.contents(atPath: arch) else { throw CommandError("cannot read '\(arch)'") }
        let name = URL(fileURLWithPath: arch).deletingPathExtension().lastPathComponent
        return try ArchitectureFile.decode(String(decoding: data, as: UTF8.self), name: name)
    }

    /// The network as asked for: named or read from a file, then scaled and overridden.
    func network() throws -> Network {
        var network = try Self.load(arch)
        if let variant {
            network = network.scaled(to: try ScalingCoefficients.variant(variant))
        } else if width != nil || depth != nil {
            network = network.scaled(width: width ?? 1, depth: depth ?? 1)
        }
        if let resolution { network.resolution = resolution }
        if let classes { network.classes = classes }
        if let channels { network.inputChannels = channels }
        return network
    }
}

/// A one-line error for the user.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
