import NASArchitecture
import NASController
import NASEvaluation
import NASSearchSpace
import NASStore

/// Everything that stops a search, status or export; each prints as one line.
public enum SearchError: Error, CustomStringConvertible, Sendable {
    /// `nas search` never reuses a folder that holds anything.
    case runExists(directory: String)
    case notARun(directory: String)
    /// The folder holds only what a `nas search` killed while creating its run left.
    case neverCreated(directory: String)
    /// `--storage`: the database has no run of that name.
    case noRun(String)
    /// Another process holds the run's lock.
    case locked(directory: String, holder: String?)
    case space(SearchSpaceError)
    case store(StoreError)
    case controller(ControllerError)
    case architecture(ArchitectureError)
    /// The evaluator cannot run at all (a command that is not there, data that cannot load).
    case evaluator(EvaluatorError)
    case invalid(String)
    case noSuchTrial(String)

    public var description: String {
        switch self {
        case .runExists(let directory):
            "\(directory) already exists and is not empty; `nas search` never overwrites a run (continue it with `nas resume \(directory)`, or choose a new --run folder)"
        case .notARun(let directory): "\(directory) is not a SwiftNAS run folder (no \(RunDirectory.databaseName) in it)"
        case .neverCreated(let directory):
            "the run in \(directory) was never created (the folder is empty, or holds only what an interrupted `nas search` left); start it with `nas search … --run \(directory)`, which reuses the folder"
        case .noRun(let what): "there is no \(what) (check the name, or start it with `nas search … --storage URL`)"
        case .locked(let directory, let holder):
            "the \(directory.hasPrefix("run '") ? directory : "run in \(directory)") is in use by another process\(holder.map { " (\($0))" } ?? ""); wait for it to finish or stop it first"
        case .space(let error): error.description
        case .store(let error): error.description
        case .controller(let error): error.description
        case .architecture(let error): error.description
        case .evaluator(let error): error.description
        case .invalid(let message): message
        case .noSuchTrial(let what): what
        }
    }
}
