import Foundation
import NASArchitecture
import NASData
import NASTraining

/// What `ONNXExport.modelFolder` wrote about the model.
public struct ModelFolderSummary: Sendable {
    public var bytes: Int
    public var nodes: Int
    public var parameters: Int
    public var input: [Int]
    public var classes: Int
}

extension ONNXExport {
    /// A trained model folder (`nas train --out`) as an ONNX file's bytes: the folded network
    /// behind the trainer's own evaluation preprocessing (Docs/ONNX.md).
    public static func modelFolder(_ path: String) throws(ONNXError) -> (Data, ModelFolderSummary) {
        let loaded: ModelFolder.Loaded
        do { loaded = try ModelFolder.load(URL(fileURLWithPath: path), maxBatch: 1) } catch {
            throw .modelFolder("\(error)")
        }
        let record = loaded.record
        let kind = DatasetKind(rawValue: record.dataset)
        // Folders written before imageSize was recorded: the built-in datasets load at 32×32.
        guard let loadedSize = record.imageSize ?? (kind == .folder || kind == nil ? nil : 32) else {
            throw .modelFolder("\(path)/\(ModelFolder.recordFile) records no square image size: its images were not square (the export takes square images), or it was trained before the size was recorded (retrain it with this version)")
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
            return (data, ModelFolderSummary(
                bytes: data.count, nodes: model.graph.node.count, parameters: folded.parameterCount,
                input: [preprocessing.channels, preprocessing.imageSize, preprocessing.imageSize], classes: folded.classes))
        } catch let error as ONNXError {
            throw .modelFolder(error.description)
        } catch {
            throw .modelFolder("onnx export: \(error)")
        }
    }
}
