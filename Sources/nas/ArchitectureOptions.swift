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

    @Option(help: "The stem conv's stride, 1 or 2 (default: 2, or the file's); 1 keeps B0's feature-map sizes at half the resolution.")
    var stemStride: Int?

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
        let maxMultiplier = ScalingCoefficients.maxMultiplier
        if let width, !(width > 0 && width <= maxMultiplier) {
            throw CommandError("--width must be in (0, \(Int(maxMultiplier))], got \(width).")
        }
        if let depth, !(depth > 0 && depth <= maxMultiplier) {
            throw CommandError("--depth must be in (0, \(Int(maxMultiplier))], got \(depth).")
        }
        try checkBound("--resolution", resolution, Network.resolutionRange)
        try checkBound("--stem-stride", stemStride, 1...2)
        try checkBound("--classes", classes, Network.classesRange)
        try checkBound("--channels", channels, Network.inputChannelsRange)
    }

    /// A named model, or an architecture file. A name that is no model but looks like a path
    /// (a folder separator or an extension) is reported as a missing file, not as a model.
    static func load(_ arch: String) throws -> Network {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: arch, isDirectory: &isFolder) else {
            do { return try NamedModels.network(named: arch) } catch {
                guard looksLikePath(arch) else { throw error }
                throw CommandError("'\(arch)' does not exist (expected an architecture file, or one of \(NamedModels.names.joined(separator: ", ")))")
            }
        }
        if isFolder.boolValue { throw CommandError("'\(arch)' is a folder, not an architecture file") }
        guard let data = manager.contents(atPath: arch) else { throw CommandError("cannot read '\(arch)'") }
        let name = URL(fileURLWithPath: arch).deletingPathExtension().lastPathComponent
        return try ArchitectureFile.decode(String(decoding: data, as: UTF8.self), name: name)
    }

    static func looksLikePath(_ arch: String) -> Bool {
        arch.contains("/") || arch.hasPrefix("~") || !URL(fileURLWithPath: arch).pathExtension.isEmpty
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
        if let stemStride { network.stemStride = stemStride }
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

/// Refuses a flag's value outside its bound (the constant the matching file key uses too).
/// A `CommandError`, not a `ValidationError`: the refusal is one line, without the usage.
func checkBound(_ flag: String, _ value: Int?, _ range: ClosedRange<Int>) throws {
    if let value, !range.contains(value) {
        throw CommandError("\(flag) must be \(Network.describe(range)), got \(value).")
    }
}
