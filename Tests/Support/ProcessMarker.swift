import Foundation

/// A unique environment variable: every process started under a command inherits it, so the
/// process table shows whether any is still alive.
public struct ProcessMarker {
    public let token = "swiftnas-marker-\(UUID().uuidString)"

    public init() {}

    public var environment: [String: String] { ["SWIFTNAS_TEST_MARKER": token] }

    /// Live processes carrying the marker (a zombie's environment reads empty).
    public func running() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return String(decoding: bytes, as: UTF8.self).contains(token)
        }
    }

    /// Whether every marked process is gone within `seconds`; any left are killed.
    public func waitUntilGone(seconds: Double = 3) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        repeat {
            if running().isEmpty { return true }
            usleep(20_000)
        } while Date() < deadline
        for pid in running() { kill(pid, SIGKILL) }
        return false
    }
}
