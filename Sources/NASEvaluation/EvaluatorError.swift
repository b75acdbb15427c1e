/// An evaluator that cannot run at all, found before a run is created: a command that is not
/// there, data that cannot load, a malformed evaluator string. Prints as one line. (A trial
/// that fails while being evaluated is an `EvaluationFailure` instead: stored, and the
/// search goes on.)
public enum EvaluatorError: Error, CustomStringConvertible, Sendable {
    /// Something the evaluator needs is missing or unreadable.
    case unavailable(String)
    /// The evaluator's settings are out of bounds or malformed.
    case invalid(String)

    public var description: String {
        switch self {
        case .unavailable(let message), .invalid(let message): message
        }
    }
}

/// Time spans that come from outside (a flag, a config): the longest one may give (30 days):
/// `--timeout`, `dry-run:SECONDS`, a worker's `--lease` and `--idle-timeout`. Longer spans
/// overflow the nanosecond clocks that deadlines are kept in.
public enum TimeLimit {
    public static let maxSeconds: Double = 30 * 24 * 3600
}
