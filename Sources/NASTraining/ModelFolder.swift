import Foundation
import NASArchitecture
import NASData
import NASKernels
import NASModel
import NASRandom
import NASRecipe

/// What `nas train --out DIR` writes beside the weights: enough to rebuild, reload and
/// evaluate the model exactly as trained.
public struct TrainingRecord: Codable, Sendable {
    public var format = 1
    public var dataset: String
    public var dataPath: String?
    /// Images held out of the training set for validation, so `nas eval` holds out the same;
    /// nil in folders written before it was recorded.
    public var validation: Int?
    public var resolution: Int
    /// Side of the images as loaded (after any loader padding), before resizing to
    /// `resolution`; nil in folders written before it was recorded.
    public var imageSize: Int?
    /// Per-channel normalization the network expects, in pixel/255 units.
    public var mean: [Float]
    public var std: [Float]
    public var classNames: [String]
    public var config: TrainingConfig
    public var summary: TrainingSummary?
}

/// A trained model folder: architecture.arch (canonical text), weights.safetensors
/// (parameters and BN statistics), training.json (TrainingRecord). See Docs/FORMATS.md.
public enum ModelFolder {
    public static let architectureFile = "architecture.arch"
    public static let weightsFile = "weights.safetensors"
    public static let recordFile = "training.json"

    public struct Loaded {
        public var network: Network
        public var model: Model
        public var record: TrainingRecord
    }

    public static func save(_ trainer: Trainer, summary: TrainingSummary?, dataset: DatasetKind, dataPath: String?, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let record = TrainingRecord(
            dataset: dataset.rawValue, dataPath: dataPath, validation: trainer.data.validation.count, resolution: trainer.resolved.resolution,
            imageSize: trainer.data.train.height == trainer.data.train.width ? trainer.data.train.height : nil, mean: trainer.data.mean,
            std: trainer.data.std, classNames: trainer.data.train.classNames, config: trainer.config, summary: summary)
        try ArchitectureFile.encode(trainer.network).write(
            to: directory.appendingPathComponent(architectureFile), atomically: true, encoding: .utf8)
        try Checkpoint.save(trainer.model, to: directory.appendingPathComponent(weightsFile), metadata: ["format": "swiftnas-1"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(record).write(to: directory.appendingPathComponent(recordFile), options: .atomic)
    }

    public static func load(_ directory: URL, maxBatch: Int) throws -> Loaded {
        let recordURL = directory.appendingPathComponent(recordFile)
        guard let recordData = FileManager.default.contents(atPath: recordURL.path) else {
            throw ModelFolderError("'\(directory.path)' is not a trained model folder (no \(recordFile))")
        }
        let record: TrainingRecord
        do { record = try JSONDecoder().decode(TrainingRecord.self, from: recordData) } catch {
            throw ModelFolderError("\(recordURL.path) is not valid: \(error)")
        }
        let archURL = directory.appendingPathComponent(architectureFile)
        guard let text = try? String(contentsOf: archURL, encoding: .utf8) else {
            throw ModelFolderError("cannot read \(archURL.path)")
        }
        let network = try ArchitectureFile.decode(text, name: directory.lastPathComponent)
        var generator = SeededGenerator(seed: 0)
        let model = Model(network.resolved(resolution: record.resolution), maxBatch: maxBatch, generator: &generator)
        try Checkpoint.load(model, from: directory.appendingPathComponent(weightsFile))
        return Loaded(network: network, model: model, record: record)
    }
}

public struct ModelFolderError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
