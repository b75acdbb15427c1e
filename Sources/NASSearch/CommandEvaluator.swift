import Foundation

/// Evaluates a trial by running a user's command: the trial as one JSON object on its stdin
/// (`EvaluationJob.json`), one JSON object with at least `{"accuracy": fraction}` on its stdout.
/// A timeout, a non-zero exit or unreadable output fails that trial with the reason stored;
/// the search goes on. The command runs under `/bin/sh -c` in its own process group, so a
/// timeout kills everything it started, and (where util-linux's setpriv exists) it dies with
/// the search process if that is killed.
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
    public static func validate(_ command: String) throws(SearchError) {
        let trimmed = command.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .evaluator("--evaluator: the command is empty") }
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
                throw .evaluator("--evaluator: '\(program)' does not exist")
            }
            guard manager.isExecutableFile(atPath: program) else {
                throw .evaluator("--evaluator: '\(program)' is not executable (chmod +x it, or run it through its interpreter)")
            }
            return
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let found = path.split(separator: ":").contains { manager.isExecutableFile(atPath: "\($0)/\(program)") }
        if !found { throw .evaluator("--evaluator: '\(program)' is not a program on PATH") }
    }

    public func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        let run = try ChildProcess.run(
            "/bin/sh", ["-c", command], directory: workingDirectory, environment: job.environment,
            input: job.json() + Data("\n".utf8), timeout: timeout)
        if run.timedOut { throw EvaluationFailure("evaluator timed out after \(formatSeconds(timeout ?? 0)) (killed)") }
        if run.signaled {
            throw EvaluationFailure("evaluator killed by signal \(run.status)\(Self.tail(run.stderr))")
        }
        if run.status != 0 {
            throw EvaluationFailure("evaluator exited with status \(run.status)\(Self.tail(run.stderr))")
        }
        return try Self.parse(run.stdout)
    }

    /// The last line(s) of stderr, for the stored reason.
    static func tail(_ text: String) -> String {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !lines.isEmpty else { return "" }
        let last = lines.suffix(3).joined(separator: " | ")
        return ": " + (last.count > 400 ? "…" + last.suffix(400) : last)
    }

    /// One JSON object; if stdout holds more (log lines), the last line that is an object.
    static func parse(_ text: String) throws(EvaluationFailure) -> TrialMeasurement {
        func object(_ string: some StringProtocol) -> [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(string.utf8))) as? [String: Any]
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let json = object(trimmed) ?? trimmed.split(separator: "\n").reversed().lazy.compactMap({ object($0) }).first else {
            let shown = trimmed.isEmpty ? "nothing" : "'\(trimmed.prefix(120))'"
            throw EvaluationFailure("evaluator printed \(shown) on stdout; expected one JSON object like {\"accuracy\": 0.91}")
        }
        guard let accuracy = (json["accuracy"] as? NSNumber)?.doubleValue else {
            throw EvaluationFailure("evaluator output has no numeric \"accuracy\": \(trimmed.prefix(120))")
        }
        guard accuracy.isFinite, (0...1).contains(accuracy) else {
            throw EvaluationFailure("evaluator accuracy \(accuracy) is not a fraction in [0, 1]")
        }
        var measurement = TrialMeasurement(accuracy: accuracy)
        for (key, value) in json where key != "accuracy" {
            guard let number = (value as? NSNumber)?.doubleValue, number.isFinite, !(value is Bool) else { continue }
            switch key {
            case "latency_ms": measurement.latencyMs = number
            case "step_seconds": measurement.stepSeconds = number
            default: measurement.extra[key] = number
            }
        }
        return measurement
    }
}

/// A child process run to completion with its output captured. It runs in its own process
/// group, so a timeout kills everything it started, and (where util-linux's setpriv exists)
/// it dies with this process if this one is killed.
struct ChildProcess {
    var status: Int32
    var signaled: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String

    private static let setpriv = FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") ? "/usr/bin/setpriv" : nil

    static func run(_ program: String, _ arguments: [String], directory: String, environment extra: [String: String],
                    input: Data?, timeout: TimeInterval?) throws(EvaluationFailure) -> ChildProcess {
        let process = Process()
        if let setpriv {
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--pdeathsig", "KILL", "--", program] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let stdin = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = stdin
        process.standardOutput = output
        process.standardError = errors
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do { try process.run() } catch {
            throw EvaluationFailure("cannot start \((program as NSString).lastPathComponent): \(error.localizedDescription)")
        }
        let stdout = PipeReader(output.fileHandleForReading)
        let stderr = PipeReader(errors.fileHandleForReading)
        // A command that exits without reading its input must not take the search with it:
        // SIGPIPE is ignored (Search does it) and the failed write is just dropped.
        if let input { try? stdin.fileHandleForWriting.write(contentsOf: input) }
        try? stdin.fileHandleForWriting.close()
        let deadline: DispatchTime = timeout.map { .now() + $0 } ?? .distantFuture
        var timedOut = false
        if exited.wait(timeout: deadline) == .timedOut {
            timedOut = true
            kill(-process.processIdentifier, SIGKILL)
            kill(process.processIdentifier, SIGKILL)
            exited.wait()
        }
        killLeftovers(ofGroup: process.processIdentifier)
        return ChildProcess(
            status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
            stdout: stdout.text(), stderr: stderr.text())
    }
}

/// Kills what a finished child left behind in its process group (its pipes would stay
/// open). The child is already reaped, so its pid is free: kill the group only if no process
/// holds that pid now. Members of the old group keep the id reserved; a new process that
/// reused the pid (with pid_max 32768 that happens within minutes on a busy machine) would be
/// a stranger's group leader — a daemon started with setsid — and must not be touched.
private func killLeftovers(ofGroup group: pid_t) {
    guard kill(group, 0) == -1, errno == ESRCH else { return }
    kill(-group, SIGKILL)
}

/// Reads a pipe to its end on its own thread, so a chatty command never blocks on a full pipe.
final class PipeReader: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
        thread.stackSize = 1 << 18
        thread.start()
    }

    func text() -> String {
        done.wait()
        done.signal()
        return String(decoding: data, as: UTF8.self)
    }
}

func formatSeconds(_ seconds: Double) -> String {
    seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
}
