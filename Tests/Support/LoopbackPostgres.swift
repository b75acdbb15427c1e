import Foundation
import Synchronization

/// A real PostgreSQL server on 127.0.0.1 with a free nonstandard port, in a temporary folder,
/// started once per test process (postgres-cluster.sh) and stopped by its PID when the
/// process exits. Each test takes a fresh database from it.
public final class LoopbackPostgres: Sendable {
    public let port: Int
    public let directory: String
    /// The server's first database (postgresql://swiftnas@127.0.0.1:PORT/swiftnas).
    public let url: String

    /// The one server of this test process; the error says what is missing.
    public static let shared: Result<LoopbackPostgres, TestSupportError> = Result { () throws(TestSupportError) in
        try LoopbackPostgres()
    }

    public static func server() throws -> LoopbackPostgres { try shared.get() }

    private init() throws(TestSupportError) {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftnas-pg-\(UUID().uuidString)").path
        port = try freePort()
        let output = try runScript("postgres-cluster.sh", ["start", directory, String(port)])
        url = output.trimmingCharacters(in: .whitespacesAndNewlines)
        stopAtExit(script: "postgres-cluster.sh", directory: directory)
    }

    /// A new, empty database on the server; its URL.
    public func newDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        _ = try runProgram("/usr/lib/postgresql/15/bin/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", "swiftnas", String(name)])
        return "postgresql://swiftnas@127.0.0.1:\(port)/\(name)"
    }
}

public struct TestSupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Tests/Support, where the server scripts are.
let supportDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path

func runScript(_ name: String, _ arguments: [String]) throws(TestSupportError) -> String {
    try runProgram("/bin/bash", [(supportDirectory as NSString).appendingPathComponent(name)] + arguments)
}

/// Runs a program to completion; its stdout, or an error with its stderr. posix_spawn and
/// waitpid rather than Foundation's Process, whose exit monitoring was seen to miss a child's
/// exit when called from a test's static initializer (the child stayed a zombie, the test hung).
@discardableResult
public func runProgram(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws(TestSupportError) -> String {
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("swiftnas-run-\(UUID().uuidString)").path
    defer { unlink(output + ".out"); unlink(output + ".err") }
    let pid = try spawn(path, arguments, environment: environment, stdout: output + ".out", stderr: output + ".err")
    let status = waitForExit(pid)
    let stdout = (try? String(contentsOfFile: output + ".out", encoding: .utf8)) ?? ""
    guard status == 0 else {
        let stderr = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
        throw TestSupportError("\(path) \(arguments.joined(separator: " ")) exited with \(status): \(stderr)")
    }
    return stdout
}

/// Starts a program with stdin from /dev/null and stdout, stderr appended to files; its pid.
public func spawn(_ path: String, _ arguments: [String], environment: [String: String]? = nil,
                  stdout: String, stderr: String) throws(TestSupportError) -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    let merged = ProcessInfo.processInfo.environment.merging(environment ?? [:]) { $1 }
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for pointer in argv + envp { free(pointer) } }
    var pid: pid_t = 0
    let status = posix_spawn(&pid, path, &actions, nil, argv, envp)
    guard status == 0 else { throw TestSupportError("cannot run \(path): \(String(cString: strerror(status)))") }
    return pid
}

/// Waits for the child and returns its exit status (128 + signal if a signal ended it).
@discardableResult
public func waitForExit(_ pid: pid_t) -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let signal = status & 0x7f
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal
}

/// A port nobody listens on right now: bind to port 0 and read what the kernel gave.
func freePort(_ wanted: Int = 0) throws(TestSupportError) -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(wanted).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
            bind(fd, socketAddress, length) == 0 && getsockname(fd, socketAddress, &length) == 0
        }
    }
    guard bound else { throw TestSupportError("cannot bind a loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Servers to stop when the test process exits (atexit takes no context, so a global list).
private let serversToStop = Mutex<[(script: String, directory: String)]>([])

func stopAtExit(script: String, directory: String) {
    let first = serversToStop.withLock { list in
        list.append((script, directory))
        return list.count == 1
    }
    if first {
        atexit {
            for (script, directory) in serversToStop.withLock({ $0 }) {
                _ = try? runScript(script, ["stop", directory])
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }
}
