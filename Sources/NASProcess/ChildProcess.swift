import CSupervisor
import Foundation

/// A program run to completion with its output captured: SwiftNAS's one way to run another
/// program (evaluator commands, Slurm's tools, tar).
///
/// The contract (Docs/SEARCH.md, "The evaluator's contract"):
/// - The program gets stdin, stdout and stderr and no other descriptor; stdin is a file, so a
///   program that never reads a large input cannot block anyone.
/// - It runs in its own process group under a supervisor process (Sources/CSupervisor) that
///   outlives it: when the program exits, times out, or this process ends in any way (SIGKILL
///   included), everything the program started is killed — background jobs, `setsid`
///   daemons, a wrapper's children.
/// - The result is taken when the program exits, whoever else still holds its output.
public struct ChildProcess: Sendable {
    public enum Ending: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)
        /// Killed at the deadline.
        case timedOut
    }

    public let ending: Ending
    /// The last `outputLimit` bytes of each stream, as UTF-8.
    public let stdout: String
    public let stderr: String

    /// Output kept per stream: the end matters (an evaluator's result is its last line).
    public static let defaultOutputLimit = 8 << 20

    /// Runs `program` (a path, or a name looked up on PATH) with `arguments` in `directory`,
    /// the current environment plus `environment`, `input` on stdin (empty if nil), and waits
    /// at most `timeout` seconds.
    public static func run(
        _ program: String, _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        input: Data? = nil, timeout: TimeInterval? = nil, outputLimit: Int = defaultOutputLimit
    ) throws(ChildProcessError) -> ChildProcess {
        let path = try resolve(program)
        let stdin = try InputFile(input ?? Data())
        defer { close(stdin.descriptor) }
        let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        var supervised = swiftnas_supervised()
        let started = withCStrings([path] + arguments) { argv in
            withCStrings(variables) { envp in
                swiftnas_supervise(path, argv, envp, directory, stdin.descriptor, &supervised)
            }
        }
        guard started == 0 else { throw ChildProcessError(program: program, reason: String(cString: strerror(started))) }
        var child = Supervised(supervised, outputLimit: outputLimit)
        return try child.finish(timeout: timeout, program: program)
    }

    /// The program's path: as given if it names a path, else the first executable match on PATH.
    public static func resolve(_ program: String) throws(ChildProcessError) -> String {
        if program.contains("/") { return program }
        let search = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in search.split(separator: ":") where !folder.isEmpty {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw ChildProcessError(program: program, reason: "not found on PATH")
    }
}

public struct ChildProcessError: Error, CustomStringConvertible, Sendable {
    public let program: String
    public let reason: String
    public var description: String { "cannot run \(program): \(reason)" }
}

/// The command's stdin: a memory file holding all of it.
private struct InputFile {
    let descriptor: Int32

    init(_ bytes: Data) throws(ChildProcessError) {
        let descriptor = bytes.withUnsafeBytes { swiftnas_input($0.baseAddress, $0.count) }
        guard descriptor >= 0 else {
            throw ChildProcessError(program: "a command", reason: "cannot hold its input: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
    }
}

/// The parent's side of a supervised command: read its output until the supervisor exits,
/// end the lifeline at the deadline, then take the status.
private struct Supervised {
    var handles: swiftnas_supervised
    var output: CappedBuffer
    var errors: CappedBuffer

    init(_ handles: swiftnas_supervised, outputLimit: Int) {
        self.handles = handles
        output = CappedBuffer(descriptor: handles.output, limit: outputLimit)
        errors = CappedBuffer(descriptor: handles.errors, limit: outputLimit)
    }

    mutating func finish(timeout: TimeInterval?, program: String) throws(ChildProcessError) -> ChildProcess {
        let deadline = timeout.map { Date().addingTimeInterval(max(0, $0)) }
        var timedOut = false
        while !supervisorExited() {
            if let deadline, !timedOut, Date() >= deadline {
                timedOut = true
                endLifeline()  // the supervisor kills everything and exits
            }
            let left = timedOut ? nil : deadline.map { $0.timeIntervalSinceNow }
            waitForActivity(seconds: left)
        }
        var supervisorStatus: Int32 = 0
        waitpid(handles.supervisor, &supervisorStatus, 0)
        let status = readStatus()
        // Everything the command started is dead now, so its pipes are at their end; the bound
        // only guards against a process that escaped the supervisor.
        let drainUntil = Date().addingTimeInterval(2)
        while !(output.ended && errors.ended), Date() < drainUntil { waitForActivity(seconds: 0.1) }
        closeAll()
        return try ending(status: status, timedOut: timedOut, program: program)
    }

    private func ending(status: Int32?, timedOut: Bool, program: String) throws(ChildProcessError) -> ChildProcess {
        let result: ChildProcess.Ending
        if timedOut {
            result = .timedOut
        } else if let status {
            result = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
        } else {
            throw ChildProcessError(program: program, reason: "its supervisor ended without a status")
        }
        return ChildProcess(ending: result, stdout: output.text, stderr: errors.text)
    }

    /// True once the supervisor has exited (pidfd readable, or a zero-timeout waitid where the
    /// kernel has no pidfd).
    private func supervisorExited() -> Bool {
        if handles.exited >= 0 {
            var watched = pollfd(fd: handles.exited, events: Int16(POLLIN), revents: 0)
            return poll(&watched, 1, 0) > 0
        }
        var information = siginfo_t()
        return waitid(P_PID, id_t(handles.supervisor), &information, WEXITED | WNOHANG | WNOWAIT) == 0
            && information._sifields._sigchld.si_pid == handles.supervisor
    }

    /// Waits until output arrives, the supervisor exits, or `seconds` pass (nil: no limit),
    /// reading whatever output is there.
    private mutating func waitForActivity(seconds: TimeInterval?) {
        var watched = [
            pollfd(fd: output.ended ? -1 : output.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: errors.ended ? -1 : errors.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: handles.exited, events: Int16(POLLIN), revents: 0),
        ]
        var milliseconds: Int32 = seconds.map { Int32(max(0, min($0 * 1000, 1e6)).rounded(.up)) } ?? -1
        if handles.exited < 0 { milliseconds = milliseconds < 0 ? 20 : min(milliseconds, 20) }
        _ = poll(&watched, nfds_t(watched.count), milliseconds)
        output.readAvailable()
        errors.readAvailable()
    }

    private mutating func endLifeline() {
        if handles.lifeline >= 0 { close(handles.lifeline) }
        handles.lifeline = -1
    }

    private func readStatus() -> Int32? {
        var status: Int32 = 0
        let count = read(handles.status, &status, MemoryLayout<Int32>.size)
        return count == MemoryLayout<Int32>.size ? status : nil
    }

    private mutating func closeAll() {
        endLifeline()
        for descriptor in [handles.exited, handles.output, handles.errors, handles.status] where descriptor >= 0 {
            close(descriptor)
        }
    }
}

/// A non-blocking pipe's bytes, of which the last `limit` are kept.
private struct CappedBuffer {
    let descriptor: Int32
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var ended = false

    init(descriptor: Int32, limit: Int) {
        self.descriptor = descriptor
        self.limit = max(1, limit)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func readAvailable() {
        guard !ended else { return }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
                if bytes.count > 2 * limit { bytes.removeFirst(bytes.count - limit) }
            } else if count < 0, errno == EINTR {
                continue
            } else {
                ended = count == 0 || errno != EAGAIN
                break
            }
        }
        if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
    }
}

/// `strings` as a NULL-terminated array of C strings, for the length of `body`.
private func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
