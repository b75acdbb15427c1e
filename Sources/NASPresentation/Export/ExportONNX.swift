import Foundation
import NASSearch
import NASArchitecture
import NASONNX
import NASTraining

extension Export {
    /// `nas export RUN --format onnx`: RUN is a run folder (its trial `selector`, which must have
    /// kept its weights) or a trained model folder (then `selector` must be "best", the default);
    /// a run in a database keeps no weights (they live in run folders).
    public static func onnx(_ location: RunLocation, trial selector: String) throws(SearchError) -> (Data, ModelFolderSummary) {
        if !location.isFolder {
            let (summary, _, _) = try trial(location, selector: selector)
            throw .invalid(noWeights("trial \(summary.id) of \(location)"))
        }
        let path = location.run
        if FileManager.default.fileExists(atPath: RunDirectory(path).database) { return try onnx(run: path, trial: selector) }
        guard selector == "best" else {
            throw .invalid("--trial picks a trial of a run folder; \(path) is a trained model folder, which holds one model")
        }
        return try modelFolder(path)
    }

    /// A trial of a run that kept its weights (`nas search --keep-weights`): `selector` is "best"
    /// or a trial number, as for the other formats.
    private static func onnx(run path: String, trial selector: String) throws(SearchError) -> (Data, ModelFolderSummary) {
        let (summary, _, _) = try trial(RunLocation(run: path), selector: selector)
        let folder = RunDirectory(path).modelFolder(trial: summary.id)
        guard FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent(ModelFolder.recordFile)) else {
            throw .invalid(noWeights("trial \(summary.id) of \(path)"))
        }
        return try modelFolder(folder)
    }
}

extension Export {
    static func modelFolder(_ path: String) throws(SearchError) -> (Data, ModelFolderSummary) {
        do { return try ONNXExport.modelFolder(path) } catch { throw .invalid(error.description) }
    }
}
