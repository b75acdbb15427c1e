import Foundation

/// Runs work again after a database fault — a server restart, a network cut — with growing
/// pauses (1, 2, 4 … 64 s: about two minutes in all) before giving up with the last error.
/// One policy for `nas worker` and for a search's controller on a database run.
struct DatabaseRetry {
    private var pause: TimeInterval = 1
    private let longestPause: TimeInterval = 64

    /// `body` until it returns or fails with something other than a database error.
    /// `retrying` is told each fault and the pause before the next try; `recover` runs before
    /// each retry (to take back what the fault cost, e.g. a lock that went with its session),
    /// and its own database errors count as faults too.
    mutating func run<T>(retrying: (_ message: String, _ pause: TimeInterval) -> Void,
                         recover: () throws(SearchError) -> Void = {},
                         _ body: () throws(SearchError) -> T) throws(SearchError) -> T {
        var isRetry = false
        while true {
            do {
                if isRetry { try recover() }
                return try body()
            } catch {
                guard case .store(.database(let message)) = error, pause <= longestPause else { throw error }
                retrying(message, pause)
                Thread.sleep(forTimeInterval: pause)
                pause *= 2
                isRetry = true
            }
        }
    }
}
