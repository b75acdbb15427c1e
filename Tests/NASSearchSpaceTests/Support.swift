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
