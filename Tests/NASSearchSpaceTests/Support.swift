import Foundation
import NASArchitecture
import Testing

@testable import NASSearchSpace

/// The package root, found from this file's path (Tests/NASSearchSpaceTests/Support.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func shippedSpace(_ name: String) throws -> SearchSpace {
    try SearchSpace.load(path: packageRoot.appendingPathComponent("SearchSpaces/\(name).yaml").path)
}

/// Parses inline YAML (leading indentation of the literal removed by Swift).
func space(_ text: String) throws -> SearchSpace { try SearchSpace.parse(text, file: "test.yaml") }

/// The error a text is refused with, or nil if it parses.
func refusal(_ text: String) -> SearchSpaceError? {
    do {
        _ = try SearchSpace.parse(text, file: "bad.yaml")
        return nil
    } catch {
        return error
    }
}

/// xoshiro-free deterministic generator for the tests (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A minimal valid space; tests append or replace lines.
let minimalSpace = """
    name: t
    baseline: efficientnet-b0
    decisions:
      kernel: [3, 5]
      expansion: [3, 6]
    reward:
      target: 400M
    """
