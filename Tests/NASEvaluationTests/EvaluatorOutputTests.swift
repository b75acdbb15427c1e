import Foundation
import Testing

@testable import NASEvaluation

/// What an evaluator command prints, read as Docs/SEARCH.md's contract says.
@Suite struct EvaluatorOutputTests {
    @Test func readsTheLastJSONLineAfterLogsWithAnyLineEnding() throws {
        for text in [
            "{\"accuracy\": 0.5}",
            "epoch 1 loss 2.3\nepoch 2 loss 1.1\n{\"accuracy\": 0.5}\n",
            "epoch 1 loss 2.3\r\nepoch 2\r\n{\"accuracy\": 0.5}\r\n",
            "\u{FEFF}{\"accuracy\": 0.5}\r\n",
            "{\"progress\": 1}\n{\"accuracy\": 0.5}\n",
            "{\n  \"accuracy\": 0.5\n}\n",
        ] {
            #expect(try EvaluatorOutput.parse(text).accuracy == 0.5, "\(text.debugDescription)")
        }
    }

    @Test func refusesAccuracyThatIsNotANumber() {
        for value in ["true", "false", "\"0.9\"", "null", "[0.9]", "{\"value\": 0.9}"] {
            #expect(throws: EvaluationFailure.self, "\(value)") {
                try EvaluatorOutput.parse("{\"accuracy\": \(value)}")
            }
        }
    }

    @Test func refusesAccuracyOutsideAFraction() {
        for value in ["-0.1", "1.0001", "1e400", "91"] {
            #expect(throws: EvaluationFailure.self, "\(value)") {
                try EvaluatorOutput.parse("{\"accuracy\": \(value)}")
            }
        }
        #expect(throws: EvaluationFailure.self) { try EvaluatorOutput.parse("") }
        #expect(throws: EvaluationFailure.self) { try EvaluatorOutput.parse("accuracy: 0.9") }
    }

    /// JSON numbers 0 and 1 are numbers, not booleans.
    @Test func keepsExtraMetricsEqualToZeroOrOne() throws {
        let measured = try EvaluatorOutput.parse(
            "{\"accuracy\": 1, \"zero\": 0, \"one\": 1, \"half\": 0.5, \"flag\": true, \"name\": \"x\", \"list\": [1]}")
        #expect(measured.accuracy == 1)
        #expect(measured.extra == ["zero": 0, "one": 1, "half": 0.5])
    }

    @Test func boundsMeasuredCosts() throws {
        let measured = try EvaluatorOutput.parse("{\"accuracy\": 0.9, \"latency_ms\": 4.5, \"step_seconds\": 0.25}")
        #expect(measured.latencyMs == 4.5)
        #expect(measured.stepSeconds == 0.25)
        for bad in ["\"latency_ms\": 0", "\"latency_ms\": -3", "\"latency_ms\": 1e12", "\"step_seconds\": 0", "\"step_seconds\": 1e9"] {
            #expect(throws: EvaluationFailure.self, "\(bad)") { try EvaluatorOutput.parse("{\"accuracy\": 0.9, \(bad)}") }
        }
        let many = (0..<100).map { "\"m\($0)\": \($0)" }.joined(separator: ", ")
        #expect(throws: EvaluationFailure.self) { try EvaluatorOutput.parse("{\"accuracy\": 0.9, \(many)}") }
    }
}
