import Foundation
import NASFormatting
import NASProcess

/// Evaluates a trial by running a user's command: the trial as one JSON object on its stdin
/// (`EvaluationJob.json`), one JSON object with at least `{"accuracy": fraction}` on its stdout.
/// A timeout, a non-zero exit or unreadable output fails that trial with the reason stored;
/// the search goes on. The command runs under `/bin/sh -c` as a `ChildProcess`: when it exits,
/// times out or the search ends in any way, nothing it started keeps running (Docs/SEARCH.md,
/// "The evaluator's contract").
public struct CommandEvaluator: TrialEvaluator {
    public let command: String
    /// Seconds per trial; nil = no limit.
    public let timeout: TimeInterval?
    /// Where the command runs (the directory `nas search` was started in).
    public let workingDirectory: String

    public init(command: String, timeout: TimeInterval?, workingDirectory: String = FileManager.default.currentDirectoryPath) {
        self.command = command
        self.timeout = timeout
        self.workingDirectory = workingDirectory
    }

    /// Refuses a command whose program cannot be found, before a run is created.
    public static func validate(_ command: String) throws(EvaluatorError) {
        let trimmed = command.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .unavailable("--evaluator: the command is empty") }
        // Skip leading VAR=value assignments, then take the program word (quotes removed).
        let words = trimmed.split(separator: " ").map(String.init)
        guard var program = words.first(where: { !$0.contains("=") || $0.hasPrefix("/") || $0.hasPrefix(".") }) else { return }
        program = program.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        let builtins: Set<String> = ["exec", "env", "cd", "echo", "printf", "true", "false", "test", "[", "sh", "bash", "exit", "cat", "sleep", "timeout", "nice"]
        if builtins.contains(program) { return }
        let manager = FileManager.default
        if program.contains("/") {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: program, isDirectory: &isDirectory), !isDirectory.boolValue else {
                throw .unavailable("--evaluator: '\(program)' does not exist")
            }
            guard manager.isExecutableFile(atPath: program) else {
                throw .unavailable("--evaluator: '\(program)' is not executable (chmod +x it, or run it through its interpreter)")
            }
            return
        }
        guard (try? ChildProcess.resolve(program)) != nil else {
            throw .unavailable("--evaluator: '\(program)' is not a program on PATH")
        }
    }

    public func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        let run: ChildProcess
        do {
            run = try ChildProcess.run(
                "/bin/sh", ["-c", command], directory: workingDirectory, environment: job.environment,
                input: job.json() + Data("\n".utf8), timeout: timeout)
        } catch { throw EvaluationFailure(error.description) }
        switch run.ending {
        case .timedOut: throw EvaluationFailure("evaluator timed out after \(Formatting.seconds(timeout ?? 0)) (killed)")
        case .signaled(let signal): throw EvaluationFailure("evaluator killed by signal \(signal)\(Self.tail(run.stderr))")
        case .exited(let status) where status != 0:
            throw EvaluationFailure("evaluator exited with status \(status)\(Self.tail(run.stderr))")
        case .exited: return try EvaluatorOutput.parse(run.stdout)
        }
    }

    /// The last line(s) of stderr, for the stored reason.
    static func tail(_ text: String) -> String {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return "" }
        let last = lines.suffix(3).joined(separator: " | ")
        return ": " + (last.count > 400 ? "…" + last.suffix(400) : last)
    }
}
