import Foundation

/// `--evaluator dry-run[:SECONDS]`: waits SECONDS, then scores the candidate by a hash of its
/// architecture (an "accuracy" in [0.5, 1), the same for the same network every time). For
/// trying the plumbing — workers, storage, Slurm, resume — and for measuring it, without
/// training anything.
public struct DryRunEvaluator: TrialEvaluator {
    public let seconds: Double

    static let prefix = "dry-run"

    /// The seconds of a dry-run evaluator string, nil if it is not one.
    static func seconds(_ evaluator: String) throws(EvaluatorError) -> Double? {
        guard evaluator == prefix || evaluator.hasPrefix(prefix + ":") else { return nil }
        guard evaluator != prefix else { return 0 }
        guard let seconds = Double(evaluator.dropFirst(prefix.count + 1)), seconds >= 0, seconds <= TimeLimit.maxSeconds else {
            throw .invalid("--evaluator dry-run:SECONDS takes a number of seconds from 0 to \(Int(TimeLimit.maxSeconds)), got '\(evaluator)'")
        }
        return seconds
    }

    public func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        if seconds > 0 { Thread.sleep(forTimeInterval: seconds) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a
        for byte in job.network.timmArchDef.joined().joined(separator: "|").utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return TrialMeasurement(accuracy: 0.5 + Double(hash % 1000) / 2000)
    }
}
