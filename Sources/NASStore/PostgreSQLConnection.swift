import CLibPQ
import Foundation

/// One libpq connection, used under its owner's lock (a `PGconn` must not be used from two
/// threads at once). Parameters and results go as text: every value this store keeps has an
/// exact text form (integers, shortest round-trip doubles, epoch seconds, hex bytea).
final class PostgreSQLConnection {
    private var handle: OpaquePointer?
    /// The URL with any password hidden, for messages.
    let redactedURL: String

    /// Seconds libpq waits for a server that does not answer, unless the URL sets
    /// `connect_timeout`: an unreachable host fails in seconds rather than the system's
    /// TCP timeout (minutes).
    static let defaultConnectTimeout = 10

    /// The URL as given to libpq: what the user wrote, with `connect_timeout` added when absent.
    let url: String

    init(url given: String) throws(StoreError) {
        redactedURL = Self.redact(given)
        url = Self.withConnectTimeout(given)
        handle = PQconnectdb(url)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let message = handle.map { Self.scrub(Self.message(PQerrorMessage($0)), passwordsOf: given) } ?? "out of memory"
            if let handle { PQfinish(handle) }
            self.handle = nil
            throw .database("cannot connect to \(redactedURL): \(message)")
        }
        // Notices (e.g. "schema already exists, skipping") are not for the user.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// `url` with `connect_timeout=N` added to its query, unless it sets one (or is libpq's
    /// key=value form, which has no query: left as it is).
    static func withConnectTimeout(_ url: String) -> String {
        guard url.contains("://"), url.range(of: "connect_timeout", options: .caseInsensitive) == nil else { return url }
        return url + (url.contains("?") ? "&" : "?") + "connect_timeout=\(defaultConnectTimeout)"
    }


    /// A connection the server dropped (restart, network) is re-established before the next
    /// transaction, never in the middle of one.
    func reconnectIfNeeded() throws(StoreError) {
        guard let handle, PQstatus(handle) != CONNECTION_OK else { return }
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            throw .database("lost the connection to \(redactedURL) and cannot reconnect: \(Self.scrub(Self.message(PQerrorMessage(handle)), passwordsOf: url))")
        }
    }

    /// Runs one statement with `$1…$n` text parameters (nil = NULL).
    @discardableResult
    func execute(_ sql: String, _ parameters: [String?] = []) throws(PostgreSQLFailure) -> PostgreSQLRows {
        guard let handle else { throw PostgreSQLFailure(sqlState: nil, message: "not connected") }
        // Each parameter's C string must live until PQexecParams returns.
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { for copy in copies { free(copy) } }
        // Without parameters, PQexec: it takes several statements at once (the migrations).
        let result = parameters.isEmpty ? PQexec(handle, sql) : copies.withUnsafeBufferPointer { values in
            values.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                PQexecParams(handle, sql, Int32(parameters.count), nil, values.baseAddress, nil, nil, 0)
            }
        }
        guard let result else { throw PostgreSQLFailure(sqlState: nil, message: Self.message(PQerrorMessage(handle))) }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            var message = Self.message(PQresultErrorMessage(result))
            if PQstatus(handle) != CONNECTION_OK { message = "lost the connection to \(redactedURL): \(message)" }
            throw PostgreSQLFailure(sqlState: state, message: message)
        }
        let columnCount = Int(PQnfields(result)), rowCount = Int(PQntuples(result))
        var columns: [String: Int] = [:]
        for column in 0..<columnCount { columns[String(cString: PQfname(result, Int32(column)))] = column }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            rows.append((0..<columnCount).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            })
        }
        return PostgreSQLRows(columns: columns, rows: rows)
    }

    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "unknown error" }
        return String(cString: text).trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// Any password in a connection string hidden: postgresql://user:secret@host/db →
    /// postgresql://user:***@host/db, `?password=secret` (or `password=secret` in libpq's
    /// key=value form) → `password=***`. Malformed URLs too (no scheme, `@` in the password):
    /// whatever sits between the credentials' first `:` and the last `@` before the host is
    /// hidden, since no message may show a password, however the URL was mistyped.
    static func redact(_ url: String) -> String {
        var text = url
        if let range = userInfoPassword(url) { text.replaceSubrange(range, with: "***") }
        for expression in passwordParameters {
            text = expression.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1***")
        }
        return text
    }

    /// `text` (e.g. libpq's error about `url`) with each of the URL's passwords hidden,
    /// raw or percent-decoded: libpq quotes the part of a URL it cannot parse.
    static func scrub(_ text: String, passwordsOf url: String) -> String {
        passwords(in: url).reduce(text) { $0.replacingOccurrences(of: $1, with: "***") }
    }

    /// `password=` in a URL's query or in libpq's key=value form, quoted or not; group 1 is
    /// what stays, group 2 the password.
    private static let passwordParameters = [
        #"(?i)(password\s*=\s*)'((?:[^'\\]|\\.)*)'"#, #"(?i)(password\s*=\s*)([^&\s']+)"#,
    ].map { try! NSRegularExpression(pattern: $0) }

    /// `url` without its password (user-info or `password=` parameter), and the password
    /// percent-decoded: for a command line that others can read (a Slurm job script), with
    /// the password passed in `PGPASSWORD`, which libpq reads, instead.
    static func separatingPassword(_ url: String) -> (url: String, password: String?) {
        var text = url, password: String?
        if let range = userInfoPassword(url) {
            password = String(url[range])
            text.replaceSubrange(url.index(before: range.lowerBound)..<range.upperBound, with: "")
        }
        if let query = text.firstIndex(of: "?") {
            var kept: [Substring] = []
            for parameter in text[text.index(after: query)...].split(separator: "&") {
                if parameter.lowercased().hasPrefix("password=") {
                    password = String(parameter.dropFirst("password=".count))
                } else {
                    kept.append(parameter)
                }
            }
            text = String(text[..<query]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        }
        return (text, password.map { $0.removingPercentEncoding ?? $0 })
    }

    /// `url`'s passwords, each also percent-decoded, longest first (so one that contains
    /// another is hidden whole).
    static func passwords(in url: String) -> [String] {
        var found: [String] = []
        if let range = userInfoPassword(url) { found.append(String(url[range])) }
        for expression in passwordParameters {
            for match in expression.matches(in: url, range: NSRange(url.startIndex..., in: url)) {
                if let range = Range(match.range(at: 2), in: url) { found.append(String(url[range])) }
            }
        }
        found += found.compactMap { $0.removingPercentEncoding }
        return Set(found).filter { !$0.isEmpty }.sorted { $0.count > $1.count }
    }

    /// The password's range in `[scheme://]user:password@host…`: from the first `:` after
    /// the scheme to the last `@` before any `?` (a mistyped password may hold `@`, `/`, `:`,
    /// or even `?`: then the last `@` of all).
    private static func userInfoPassword(_ url: String) -> Range<String.Index>? {
        let query = url.firstIndex(of: "?") ?? url.endIndex
        guard let at = url[..<query].lastIndex(of: "@") ?? url.lastIndex(of: "@") else { return nil }
        let start = url.range(of: "//").map { $0.upperBound } ?? url.startIndex
        guard start < at, let colon = url[start..<at].firstIndex(of: ":") else { return nil }
        let password = url.index(after: colon)..<at
        return password.isEmpty ? nil : password
    }
}

/// What the server (or libpq) said; `sqlState` is the five-character SQLSTATE when there is one.
struct PostgreSQLFailure: Error, CustomStringConvertible {
    let sqlState: String?
    let message: String
    var description: String { message }
    /// Deadlock or serialization failure: the transaction was rolled back and may be retried.
    var isRetryable: Bool { sqlState == "40001" || sqlState == "40P01" }
}

/// A statement's rows as text, by column name.
struct PostgreSQLRows {
    let columns: [String: Int]
    let rows: [[String?]]

    var count: Int { rows.count }
    var first: PostgreSQLRow? { rows.first.map { PostgreSQLRow(columns: columns, values: $0) } }
    var all: [PostgreSQLRow] { rows.map { PostgreSQLRow(columns: columns, values: $0) } }
}

/// One row as text; `StoreRow`'s reads parse it (a missing, NULL or malformed value is `corrupt`).
struct PostgreSQLRow: StoreRow {
    let columns: [String: Int]
    let values: [String?]

    func text(_ column: String) throws -> String? {
        guard let index = columns[column] else { throw StoreError.corrupt("no column '\(column)' in a result") }
        return values[index]
    }

    func string(_ column: String) throws -> String {
        guard let value = try text(column) else { throw StoreError.corrupt("column '\(column)' is unexpectedly NULL") }
        return value
    }

    func int(_ column: String) throws -> Int {
        guard let value = Int(try string(column)) else { throw StoreError.corrupt("column '\(column)' is not an integer") }
        return value
    }

    func int64(_ column: String) throws -> Int64 {
        guard let value = Int64(try string(column)) else { throw StoreError.corrupt("column '\(column)' is not an integer") }
        return value
    }

    func double(_ column: String) throws -> Double {
        guard let value = Double(try string(column)) else { throw StoreError.corrupt("column '\(column)' is not a number") }
        return value
    }

    func bool(_ column: String) throws -> Bool { try string(column) == "t" }

    func has(_ column: String) -> Bool { columns[column] != nil }

    /// A timestamptz selected as `extract(epoch FROM …)::float8`.
    func date(_ column: String) throws -> Date? {
        guard let text = try text(column) else { return nil }
        guard let seconds = Double(text) else { throw StoreError.corrupt("column '\(column)' is not a time") }
        return Date(timeIntervalSince1970: seconds)
    }

    /// bytea in the server's hex output format (\x0a1b…).
    func bytes(_ column: String) throws -> Data {
        let text = try string(column)
        guard text.hasPrefix("\\x"), text.count % 2 == 0 else { throw StoreError.corrupt("column '\(column)' is not hex bytea") }
        var data = Data(capacity: (text.utf8.count - 2) / 2)
        var high: UInt8?
        for character in text.utf8.dropFirst(2) {
            guard let nibble = Self.nibble(character) else { throw StoreError.corrupt("column '\(column)' is not hex bytea") }
            if let value = high { data.append(value << 4 | nibble); high = nil } else { high = nibble }
        }
        return data
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Text forms of parameter values.
enum SQLText {
    static func date(_ date: Date?) -> String? { date.map { String($0.timeIntervalSince1970) } }
    static func bool(_ value: Bool) -> String { value ? "true" : "false" }
    static func bytes(_ data: Data) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: 0, count: 2 + data.count * 2)
        text[0] = UInt8(ascii: "\\"); text[1] = UInt8(ascii: "x")
        for (index, byte) in data.enumerated() {
            text[2 + 2 * index] = digits[Int(byte >> 4)]
            text[3 + 2 * index] = digits[Int(byte & 15)]
        }
        return String(decoding: text, as: UTF8.self)
    }
}
