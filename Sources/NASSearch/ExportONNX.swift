import Foundation
import NASArchitecture
import NASData
import NASONNX
import NASTraining

extension Export {
    /// What `onnx(modelFolder:)` wrote about the model.
    public struct ONNXSummary: Sendable {
        public var bytes: Int
        public var nodes: Int
        public var parameters: Int
        public var input: [Int]
        public var classes: Int
    }

    /// `nas export RUN --format onnx`: RUN is a run folder (its trial `selector`, which must have
    /// kept its weights) or a trained model folder (then `selector` must be "best", the default);
    /// a run in a database keeps no weights (they live in run folders).
    public static func onnx(_ location: RunLocation, trial selector: String) throws(SearchError) -> (Data, ONNXSummary) {
        if !location.isFolder {
            let (summary, _, _) = try trial(location, selector: selector)
            throw .invalid(noWeights("trial \(summary.id) of \(location)"))
        }
        let path = location.run
        if FileManager.default.fileExists(atPath: RunDirectory(path).database) { return try onnx(run: path, trial: selector) }
        guard selector == "best" else {
            throw .invalid("--trial picks a trial of a run folder; \(path) is a trained model folder, which holds one model")
        }
        return try onnx(modelFolder: path)
    }

    /// A trial of a run that kept its weights (`nas search --keep-weights`): `selector` is "best"
    /// or a trial id, as for the other formats.
    public static func onnx(run path: String, trial selector: String) throws(SearchError) -> (Data, ONNXSummary) {
        let (summary, _, _) = try trial(directory: path, selector: selector)
        let folder = RunDirectory(path).modelFolder(trial: summary.id)
        guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(ModelFolder.recordFile)) else {
            throw .invalid(noWeights("trial \(summary.id) of \(path)"))
        }
        return try onnx(modelFolder: folder)
    }

    /// A trained model folder (`nas train --out`) as an ONNX file's bytes: the folded network
    /// behind the trainer's own evaluation preprocessing (Docs/ONNX.md).
    public static func onnx(modelFolder path: String) throws(SearchError) -> (Data, ONNXSummary) {
        let loaded: ModelFolder.Loaded
        do { loaded = try ModelFolder.load(URL(fileURLWithPath: path), maxBatch: 1) } catch {
            throw .invalid("\(error)")
        }
        let record = loaded.record
        let kind = DatasetKind(rawValue: record.dataset)
        // Folders written before imageSize was recorded: the built-in datasets load at 32×32.
        guard let loadedSize = record.imageSize ?? (kind == .folder || kind == nil ? nil : 32) else {
            throw .invalid("\(path)/\(ModelFolder.recordFile) does not say the image size it was trained on; retrain it with this version")
        }
        let padding = kind?.loaderPadding ?? 0
        let preprocessing = ONNXPreprocessing(
            channels: loaded.network.inputChannels, imageSize: loadedSize - 2 * padding, padding: padding, mean: record.mean,
            std: record.std)
        var metadata = [
            "architecture": ArchitectureFile.encode(loaded.network), "dataset": record.dataset,
            "mean": record.mean.map { "\($0)" }.joined(separator: ","), "std": record.std.map { "\($0)" }.joined(separator: ","),
            "resolution": "\(record.resolution)",
        ]
        if let names = try? JSONEncoder().encode(record.classNames) { metadata["class_names"] = String(decoding: names, as: UTF8.self) }
        let folded = loaded.model.folded()
        do {
            let model = try ONNXExport.model(folded, preprocessing: preprocessing, name: loaded.network.name, metadata: metadata)
            let data = try ONNXExport.serialized(model)
            return (data, ONNXSummary(
                bytes: data.count, nodes: model.graph.node.count, parameters: folded.parameterCount,
                input: [preprocessing.channels, preprocessing.imageSize, preprocessing.imageSize], classes: folded.classes))
        } catch let error as ONNXError {
            throw .invalid(error.description)
        } catch {
            throw .invalid("onnx export: \(error)")
        }
    }
}
