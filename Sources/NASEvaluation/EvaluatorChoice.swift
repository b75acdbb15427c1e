import Foundation
import NASSearchSpace

/// The evaluator a run names in its configuration: "builtin", "dry-run[:SECONDS]", or a shell
/// command (with `submit`, one Slurm job per trial). One parser for the string, one factory.
public enum EvaluatorChoice: Sendable, Hashable {
    case builtin
    case dryRun(seconds: Double)
    case command(String)

    public init(_ evaluator: String) throws(EvaluatorError) {
        if evaluator == "builtin" {
            self = .builtin
        } else if let seconds = try DryRunEvaluator.seconds(evaluator) {
            self = .dryRun(seconds: seconds)
        } else {
            self = .command(evaluator)
        }
    }

    /// Refuses what cannot run, before a run is created: a command whose program is missing,
    /// or `submit` with anything but a command.
    public func validate(submit: SubmitSettings?) throws(EvaluatorError) {
        if case .command(let command) = self { try CommandEvaluator.validate(command) }
        guard let submit else { return }
        guard case .command = self else {
            throw .invalid("--submit slurm runs an --evaluator command as each trial's job; for the built-in trainer on Slurm, start workers with `nas slurm workers`")
        }
        try submit.validate()
    }

    /// The evaluator itself. `modelsDirectory`: where the built-in trainer keeps each trial's
    /// model (nil = nowhere); `cache` and `progress`: the proxy dataset's decode cache.
    public func make(
        proxy: ProxySettings, timeout: TimeInterval?, submit: SubmitSettings?, runName: String, modelsDirectory: String?,
        cache: String?, progress: (@Sendable (Int, Int) -> Void)?
    ) throws(EvaluatorError) -> any TrialEvaluator {
        switch self {
        case .builtin:
            return try BuiltinEvaluator.load(proxy: proxy, cacheDirectory: cache, modelsDirectory: modelsDirectory, progress: progress)
        case .dryRun(let seconds):
            return DryRunEvaluator(seconds: seconds)
        case .command(let command):
            if let submit { return SlurmEvaluator(command: command, timeout: timeout, settings: submit, runName: runName) }
            return CommandEvaluator(command: command, timeout: timeout)
        }
    }
}
