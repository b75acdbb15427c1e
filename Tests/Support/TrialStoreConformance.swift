import Foundation

import NASStore

/// The behaviour every `TrialStore` must have (the contract on the protocol), written
/// against the protocol only, for any backend's tests to run as is:
///
///     try TrialStoreConformance(name: "Mine", persistent: true) {
///         let storage = try makeEmptyStorage()       // once per check
///         return { try MyTrialStore(storage) }       // a new handle on it, like a new process
///     }.runAll()
///
/// Each check is also a public method, so a test target can give every one its own test (as
/// NASStoreTests does). A failed check throws a `ConformanceFailure` naming the check, the
/// file and line of the expectation and what was found; it needs no test framework.
public struct TrialStoreConformance: Sendable, CustomStringConvertible {
    /// Names the backend in failures (and in parameterized tests' names).
    public let name: String
    /// Whether a new handle sees what earlier ones wrote. False for a private in-memory store,
    /// whose opener hands back the one instance: `reopeningKeepsEverything` is then skipped.
    public let persistent: Bool
    /// Creates empty storage for one check and returns an opener; each call of the opener is
    /// a new handle on that same storage, standing in for a separate process.
    public let makeStorage: @Sendable () throws -> @Sendable () throws -> any TrialStore

    public init(name: String, persistent: Bool,
                makeStorage: @escaping @Sendable () throws -> @Sendable () throws -> any TrialStore) {
        self.name = name
        self.persistent = persistent
        self.makeStorage = makeStorage
    }

    /// A backend whose every store is its own storage (in memory): each check gets a new
    /// store, and every handle the check asks for is that one store.
    public init(name: String, make: @escaping @Sendable () throws -> any TrialStore) {
        self.init(name: name, persistent: false) {
            let store = try make()
            return { store }
        }
    }

    public var description: String { name }

    /// One check of the suite: its name and what it needs.
    public struct Check: Sendable, CustomStringConvertible {
        public let name: String
        /// Runs only on a persistent backend.
        public let needsPersistence: Bool
        let body: @Sendable (TrialStoreConformance) throws -> Void

        public var description: String { name }
    }

    /// Every check, in the order `runAll` runs them.
    public static let checks: [Check] = [
        Check(name: "runsAreCreatedLookedUpAndUnique", needsPersistence: false) { try $0.runsAreCreatedLookedUpAndUnique() },
        Check(name: "enqueueNumbersContinueAcrossCalls", needsPersistence: false) { try $0.enqueueNumbersContinueAcrossCalls() },
        Check(name: "claimTakesOldestQueuedFirst", needsPersistence: false) { try $0.claimTakesOldestQueuedFirst() },
        Check(name: "concurrentClaimsAreExclusive", needsPersistence: false) { try $0.concurrentClaimsAreExclusive() },
        Check(name: "heartbeatExtendsTheLeaseOnlyForItsWorker", needsPersistence: false) {
            try $0.heartbeatExtendsTheLeaseOnlyForItsWorker()
        },
        Check(name: "completeAndFailTransitionOnlyFromRunningUnderTheWorker", needsPersistence: false) {
            try $0.completeAndFailTransitionOnlyFromRunningUnderTheWorker()
        },
        Check(name: "expiredLeasesAreRequeuedUntilAttemptsRunOut", needsPersistence: false) {
            try $0.expiredLeasesAreRequeuedUntilAttemptsRunOut()
        },
        Check(name: "resultsAndDecisionsRoundTrip", needsPersistence: false) { try $0.resultsAndDecisionsRoundTrip() },
        Check(name: "controllerStateIsUpserted", needsPersistence: false) { try $0.controllerStateIsUpserted() },
        Check(name: "controllerStateAndNextBatchAreOneWrite", needsPersistence: false) {
            try $0.controllerStateAndNextBatchAreOneWrite()
        },
        Check(name: "releaseRequeuesOneProcessesTrials", needsPersistence: false) { try $0.releaseRequeuesOneProcessesTrials() },
        Check(name: "configIsReplaced", needsPersistence: false) { try $0.configIsReplaced() },
        Check(name: "reopeningKeepsEverything", needsPersistence: true) { try $0.reopeningKeepsEverything() },
        Check(name: "derivedBestAndCounts", needsPersistence: false) { try $0.derivedBestAndCounts() },
    ]

    /// Runs one check; a failure is thrown as a `ConformanceFailure` that names it.
    public func run(_ check: Check) throws {
        do {
            try check.body(self)
        } catch let failure as ConformanceFailure {
            throw ConformanceFailure(backend: name, check: check.name, location: failure.location, message: failure.message)
        } catch {
            throw ConformanceFailure(backend: name, check: check.name, location: nil, message: "threw \(error)")
        }
    }

    /// Runs every check that applies to this backend (all of them on a persistent one); throws
    /// the failures of all that failed, one per line.
    public func runAll() throws {
        var failures: [ConformanceFailure] = []
        for check in Self.checks where persistent || !check.needsPersistence {
            do { try run(check) } catch let failure as ConformanceFailure { failures.append(failure) }
        }
        if !failures.isEmpty { throw ConformanceFailures(failures: failures) }
    }

    // MARK: Test data

    /// A fixed moment in whole seconds (whole seconds survive any date storage).
    public static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Trial `index` of `batch`, with an architecture, decisions and seed derived from both.
    public static func trial(_ batch: Int, _ index: Int, reference: Bool = false) -> NewTrial {
        NewTrial(batch: batch, architecture: "arch \(batch).\(index)", decisions: [batch, index, 3],
                 seed: UInt64(batch * 1000 + index), isReference: reference)
    }

    /// A result with `reward`, one extra component and non-round values.
    public static func result(_ reward: Double) -> TrialResult {
        TrialResult(accuracy: reward + 0.1, reward: reward, macs: 390_000_000, params: 5_300_000,
                    components: ["latency": 12.5], seconds: 61.25)
    }

    /// A run named `name` with a two-line space and a small JSON config.
    public static func newRun(_ store: any TrialStore, _ name: String = "search") throws -> RunRecord {
        try store.createRun(name: name, space: "space text\nline 2", config: #"{"batches":4}"#)
    }

    /// One handle on new, empty storage.
    func freshStore() throws -> any TrialStore { try makeStorage()() }
}

/// A conformance check that did not hold: which backend, which check, where and what.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let backend: String
    public let check: String
    /// The expectation's file and line, when the failure is an expectation.
    public let location: String?
    public let message: String

    public var description: String {
        let place = [backend, check].filter { !$0.isEmpty }.joined(separator: ": ")
            + (location.map { " (\($0))" } ?? "")
        return (place.isEmpty ? "" : place + ": ") + message
    }
}

/// Several checks that did not hold, one per line.
public struct ConformanceFailures: Error, CustomStringConvertible {
    public let failures: [ConformanceFailure]
    public var description: String { failures.map(\.description).joined(separator: "\n") }
}

// MARK: Expectations (thrown, so the suite needs no test framework)

private func failure(_ message: String, _ file: String, _ line: Int) -> ConformanceFailure {
    ConformanceFailure(backend: "", check: "", location: "\(file):\(line)", message: message)
}

/// Throws unless `condition` holds; `what` says what was expected.
func expect(_ condition: Bool, _ what: @autoclosure () -> String, file: String = #fileID, line: Int = #line) throws {
    if !condition { throw failure("expected \(what())", file, line) }
}

/// Throws unless `actual == expected`, showing both.
func expectEqual<T: Equatable>(_ actual: T, _ expected: T, _ what: String = "value",
                               file: String = #fileID, line: Int = #line) throws {
    if actual != expected { throw failure("\(what): got \(actual), expected \(expected)", file, line) }
}

/// Throws unless `body` throws exactly `expected`.
func expectError(_ expected: StoreError, file: String = #fileID, line: Int = #line, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as StoreError where error == expected {
        return
    } catch {
        throw failure("expected error \(expected), got \(error)", file, line)
    }
    throw failure("expected error \(expected), nothing was thrown", file, line)
}

/// The value, or a failure saying what was missing.
func require<T>(_ value: T?, _ what: @autoclosure () -> String, file: String = #fileID, line: Int = #line) throws -> T {
    guard let value else { throw failure("expected \(what()), got nil", file, line) }
    return value
}

/// Shorthands the checks share (both check files).
extension TrialStoreConformance {
    var t0: Date { Self.t0 }
    func trial(_ batch: Int, _ index: Int, reference: Bool = false) -> NewTrial {
        Self.trial(batch, index, reference: reference)
    }
    func result(_ reward: Double) -> TrialResult { Self.result(reward) }
    func newRun(_ store: any TrialStore, _ name: String = "search") throws -> RunRecord { try Self.newRun(store, name) }
}
