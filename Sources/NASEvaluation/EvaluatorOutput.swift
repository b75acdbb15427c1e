import Foundation

/// Reads what an evaluator command printed (Docs/SEARCH.md, "The evaluator's contract"): one
/// JSON object, or log lines followed by a last line that is one, with any line endings. Only
/// JSON numbers count as numbers: `true` is not an accuracy, and a metric equal to 0 or 1 is
/// kept like any other.
enum EvaluatorOutput {
    /// Extra metrics kept with a trial, at most; more fail the trial.
    static let maximumExtraMetrics = 64
    /// Per-image latency, milliseconds: above this a measurement is not one.
    static let maximumLatencyMs = 1e7
    /// Seconds per training step, at most.
    static let maximumStepSeconds = 1e6

    static func parse(_ text: String) throws(EvaluationFailure) -> TrialMeasurement {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines.union(["\u{FEFF}"]))
        let lines = trimmed.split(whereSeparator: \.isNewline).reversed()
        guard let json = object(trimmed) ?? lines.lazy.compactMap({ object($0) }).first else {
            let shown = trimmed.isEmpty ? "nothing" : "'\(trimmed.suffix(120))'"
            throw EvaluationFailure("evaluator printed \(shown) on stdout; expected one JSON object like {\"accuracy\": 0.91} on its last line")
        }
        guard case .number(let accuracy)? = json["accuracy"] else {
            throw EvaluationFailure("evaluator output has no numeric \"accuracy\" (a JSON number, not \(json["accuracy"]?.kind ?? "missing")): \(trimmed.suffix(120))")
        }
        guard accuracy.isFinite, (0...1).contains(accuracy) else {
            throw EvaluationFailure("evaluator accuracy \(accuracy) is not a fraction in [0, 1]")
        }
        var measurement = TrialMeasurement(accuracy: accuracy)
        for (key, value) in json.sorted(by: { $0.key < $1.key }) where key != "accuracy" {
            guard case .number(let number) = value, number.isFinite else { continue }
            switch key {
            case "latency_ms": measurement.latencyMs = try bounded(number, key, above: 0, atMost: maximumLatencyMs)
            case "step_seconds": measurement.stepSeconds = try bounded(number, key, above: 0, atMost: maximumStepSeconds)
            default: measurement.extra[key] = number
            }
        }
        guard measurement.extra.count <= maximumExtraMetrics else {
            throw EvaluationFailure("evaluator output has \(measurement.extra.count) numeric metrics besides accuracy; at most \(maximumExtraMetrics) are kept")
        }
        return measurement
    }

    private static func bounded(_ value: Double, _ key: String, above low: Double, atMost high: Double) throws(EvaluationFailure) -> Double {
        guard value > low, value <= high else {
            throw EvaluationFailure("evaluator \"\(key)\" \(value) is outside (\(low), \(high)]")
        }
        return value
    }

    private static func object(_ text: some StringProtocol) -> [String: JSONValue]? {
        let line = text.trimmingCharacters(in: .whitespaces)
        guard line.hasPrefix("{") else { return nil }
        return try? JSONDecoder().decode([String: JSONValue].self, from: Data(line.utf8))
    }
}

/// One JSON value, told apart by its JSON type (Foundation's JSONSerialization gives 0, 1,
/// `false` and `true` all as NSNumber).
enum JSONValue: Decodable {
    case number(Double)
    case bool(Bool)
    case string(String)
    case null
    case other

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let bool = try? container.decode(Bool.self) { self = .bool(bool); return }
        if let number = try? container.decode(Double.self) { self = .number(number); return }
        if let string = try? container.decode(String.self) { self = .string(string); return }
        self = .other
    }

    var kind: String {
        switch self {
        case .number: "a number"
        case .bool: "a boolean"
        case .string: "a string"
        case .null: "null"
        case .other: "an array or object"
        }
    }
}
