import Foundation

/// One result row of a backend, read by column name: the little each backend must provide
/// for `RecordMapping` to build records from it. Both tables are read with the column names
/// of Docs/SCHEMA.md; a read of a column that is missing or of the wrong type throws.
public protocol StoreRow {
    /// Text, or nil for NULL.
    func text(_ column: String) throws -> String?
    func string(_ column: String) throws -> String
    func int(_ column: String) throws -> Int
    func int64(_ column: String) throws -> Int64
    func double(_ column: String) throws -> Double
    func bool(_ column: String) throws -> Bool
    /// A time, or nil for NULL.
    func date(_ column: String) throws -> Date?
    /// A time in a NOT NULL column.
    func requiredDate(_ column: String) throws -> Date
    /// Whether the row has the column at all (a log written before the column existed).
    func has(_ column: String) -> Bool
}

extension StoreRow {
    public func requiredDate(_ column: String) throws -> Date {
        guard let date = try date(column) else { throw StoreError.corrupt("column '\(column)' is unexpectedly NULL") }
        return date
    }
}

/// Records from rows, and the stored forms of the values that are not plain columns, the
/// same in every backend: decisions and components as JSON text (keys sorted), the seed as
/// the Int64 with its bit pattern, the result present only on a complete trial.
public enum RecordMapping {
    /// A `run` row (id, name, created_at, space, config).
    public static func run(_ row: some StoreRow) throws -> RunRecord {
        RunRecord(id: try row.int64("id"), name: try row.string("name"), createdAt: try row.requiredDate("created_at"),
                  space: try row.string("space"), config: try row.string("config"))
    }

    /// A `trial` row (every column).
    public static func trial(_ row: some StoreRow) throws -> TrialRecord {
        let id = try row.int64("id")
        let stateText = try row.string("state")
        guard let state = TrialState(rawValue: stateText) else {
            throw StoreError.corrupt("trial \(id) has unknown state '\(stateText)'")
        }
        var result: TrialResult?
        if state == .complete {
            result = TrialResult(
                accuracy: try row.double("accuracy"), reward: try row.double("reward"), macs: try row.int("macs"),
                params: try row.int("params"),
                components: try decodeJSON([String: Double].self, try row.string("components"), trial: id),
                seconds: try row.double("seconds"))
        }
        return TrialRecord(
            id: id, run: try row.int64("run"), number: try row.int("number"), batch: try row.int("batch"), state: state,
            architecture: try row.string("architecture"),
            decisions: try decodeJSON([Int].self, try row.string("decisions"), trial: id),
            seed: seed(stored: try row.int64("seed")), isReference: try row.bool("is_reference"),
            // Logs from before promotion have no rung column: every trial there is at rung 0.
            rung: row.has("rung") ? try row.int("rung") : 0, result: result,
            failure: try row.text("failure"), worker: try row.text("worker"), attempts: try row.int("attempts"),
            leaseExpiresAt: try row.date("lease_expires_at"), createdAt: try row.requiredDate("created_at"),
            startedAt: try row.date("started_at"), finishedAt: try row.date("finished_at"))
    }

    /// A seed as stored (a signed 64-bit column holding the same bits).
    public static func stored(seed: UInt64) -> Int64 { Int64(bitPattern: seed) }

    public static func seed(stored: Int64) -> UInt64 { UInt64(bitPattern: stored) }

    /// Decisions as stored (`trial.decisions`).
    public static func json(decisions: [Int]) throws -> String { try json(decisions) }

    /// Reward components as stored (`trial.components`). Throws the encoder's error for a
    /// value JSON cannot hold (NaN, infinity); the backend reports it as a database error.
    public static func json(components: [String: Double]) throws -> String { try json(components) }

    /// JSON text, keys sorted so equal values are stored identically.
    private static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String, trial: Int64) throws(StoreError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw .corrupt("trial \(trial) has unreadable JSON '\(text)'")
        }
    }
}
