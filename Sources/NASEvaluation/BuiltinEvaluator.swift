import Foundation
import NASData
import NASSearchSpace
import NASTraining

/// The shared trainer: every candidate gets the same recipe and budget (the space's proxy
/// settings), on data loaded once and shared read-only by all workers. Each evaluation trains
/// on one thread: on this machine two 1-thread trainings beat one 2-thread training.
public final class BuiltinEvaluator: TrialEvaluator, @unchecked Sendable {
    public let proxy: ProxySettings
    public let data: DatasetSplits
    /// When set, each trained model is saved to `modelsDirectory/trial-N` (a model folder).
    public let modelsDirectory: String?

    public init(proxy: ProxySettings, data: DatasetSplits, modelsDirectory: String? = nil) {
        self.proxy = proxy
        self.data = data
        self.modelsDirectory = modelsDirectory
    }

    /// Loads the proxy dataset; a missing or unreadable dataset is refused here, before a run
    /// is created. `progress` hears about a first (uncached) decode.
    public static func load(
        proxy: ProxySettings, cacheDirectory: String?, modelsDirectory: String? = nil, progress: (@Sendable (Int, Int) -> Void)?
    ) throws(EvaluatorError) -> BuiltinEvaluator {
        guard let kind = DatasetKind(rawValue: proxy.dataset) else {
            throw .unavailable("proxy dataset '\(proxy.dataset)' is not one of \(ProxySettings.datasets.joined(separator: ", "))")
        }
        do {
            let data = try DatasetLoader.load(
                kind, path: proxy.data, validationCount: proxy.validation, cacheDirectory: cacheDirectory,
                progress: progress)
            return BuiltinEvaluator(proxy: proxy, data: data, modelsDirectory: modelsDirectory)
        } catch {
            throw .unavailable("cannot load the proxy dataset (\(proxy.dataset)\(proxy.data.map { " at \($0)" } ?? "")): \(error)")
        }
    }

    public func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        // The job's recipe: a fidelity study's budgets differ from the proxy the data was
        // loaded for in everything but the data.
        let config = job.proxy.trainingConfig(seed: job.seed)
        let trainer: Trainer, summary: TrainingSummary
        do {
            trainer = try Trainer(architecture: job.network, data: data, config: config)
            summary = try trainer.train { step in progress(Double(step.step) / Double(max(1, step.totalSteps))) }
        } catch {
            throw EvaluationFailure(error.description)
        }
        if let modelsDirectory { try save(trainer, summary: summary, trial: job.trial, in: modelsDirectory) }
        return TrialMeasurement(
            accuracy: summary.valAccuracy, stepSeconds: Double(config.batchSize) / max(summary.imagesPerSecond, 1e-9),
            extra: ["train_seconds": summary.seconds, "final_loss": Double(summary.finalLoss),
                    "proxy_macs": Double(summary.macs), "proxy_params": Double(summary.params)])
    }

    /// Writes the model folder beside its final name and renames it into place, so a search
    /// killed while saving never leaves half a model under trial-N.
    private func save(_ trainer: Trainer, summary: TrainingSummary, trial: Int, in directory: String) throws(EvaluationFailure) {
        let manager = FileManager.default
        let final = URL(fileURLWithPath: directory).appendingPathComponent("trial-\(trial)")
        let partial = URL(fileURLWithPath: directory).appendingPathComponent(".trial-\(trial).partial")
        try? manager.removeItem(at: partial)
        do {
            try ModelFolder.save(trainer, summary: summary, dataset: DatasetKind(rawValue: proxy.dataset) ?? .folder, dataPath: proxy.data, to: partial)
            try? manager.removeItem(at: final)
            try manager.moveItem(at: partial, to: final)
        } catch {
            throw EvaluationFailure("cannot save the trained model to \(final.path): \(error.localizedDescription)")
        }
    }
}
