import Foundation
import NASArchitecture
import Testing

@testable import NASSearchSpace

/// Hostile search spaces end in one clear `FILE:LINE: FIELD: MESSAGE` naming the bound,
/// found while parsing — before any run could exist (issue 14).
@Suite struct HostileInputTests {
    func expectRefusal(_ text: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        guard let error = refusal(text) else {
            Issue.record("accepted", sourceLocation: sourceLocation)
            return
        }
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
        }
        #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
    }

    @Test func aDecisionWithTooManyOptionsIsRefused() {
        let options = (0..<100_000).map { "\($0 % 2 == 0 ? 3 : 5)" }.joined(separator: ", ")
        expectRefusal(
            minimalSpace.replacingOccurrences(of: "kernel: [3, 5]", with: "kernel: [\(options)]"),
            "decisions.kernel", "100000 options", "at most \(Decision.maxOptions)")
    }

    @Test func hugeRepeatsOrChannelsInTheBaselineAreRefused() {
        let baseline = """
            name: t
            baseline:
              stages:
                - ds_r1_k3_s1_e1_c16
                - ir_r99999999_k3_s2_e6_c24
            decisions:
              kernel: [3, 5]
            reward:
              target: 400M
            """
        expectRefusal(baseline, "bad.yaml:5", "baseline.stages", "repeats 99999999")
        expectRefusal(
            baseline.replacingOccurrences(of: "ir_r99999999_k3_s2_e6_c24", with: "ir_r1_k3_s2_e6_c9223372036854775807"),
            "filters 9223372036854775807")
        expectRefusal(
            minimalSpace.replacingOccurrences(of: "baseline: efficientnet-b0", with: "baseline: {model: efficientnet-b0, classes: 9223372036854775807}"),
            "baseline.classes", "from 1 to 100000")
    }

    @Test func theLargestPointIsCheckedNotJustEachOption() {
        // Each option is within bounds; together (64 layers × 30 stages) they are not.
        let stages = (0..<30).map { _ in "    - ir_r32_k3_s1_e6_c16" }.joined(separator: "\n")
        let space = """
            name: t
            baseline:
              stages:
            \(stages)
            decisions:
              layers: [0, +16]
            reward:
              target: 400M
            """
        expectRefusal(space, "decisions", "largest point", "layers")
        // Costs: the baseline is small at its own 224 px; its largest point (kernel 11,
        // expansion 16, 8× filters, 16 more layers) counted at the space's 4096 px is not.
        let wide = """
            name: t
            resolution: 4096
            baseline:
              stem: 512
              stages:
                - er_r4_k3_s1_e4_c512
                - er_r4_k3_s1_e4_c512
            decisions:
              kernel: [3, 11]
              expansion: [4, 16]
              filters: [1, 8]
              layers: [0, +16]
            reward:
              target: 400M
            """
        expectRefusal(wide, "decisions", "largest point", "at 4096 px", "at most \(Cost.maxCount)")
    }

    @Test(arguments: [
        ("search:\n  trials: 1000001", "search.trials", "from 1 to 1000000"),
        ("search:\n  batch: 4097", "search.batch", "from 1 to 4096"),
        ("resolution: 4097", "resolution", "from 8 to 4096"),
        ("proxy:\n  steps: 10000001", "proxy.steps", "from 1 to 10000000"),
        ("proxy:\n  epochs: 1e300", "proxy.epochs", "(0, 1000]"),
        ("proxy:\n  width: 9", "proxy.width", "(0, 8]"),
        ("proxy:\n  resolution: 99999999999999999999", "proxy.resolution", "is not"),
    ])
    func settingsPastTheirBoundAreRefused(extra: String, field: String, fragment: String) {
        expectRefusal(minimalSpace + "\n" + extra, field, fragment)
    }

    @Test(arguments: [
        ("kernel: [3, 5]", "kernel: [3, 13]", "odd kernel size from 1 to 11"),
        ("kernel: [3, 5]", "layers: [0, 17]", "from -16 to 16"),
        ("kernel: [3, 5]", "filters: [1, 9]", "(0, 8]"),
        ("expansion: [3, 6]", "expansion: [3, 17]", "from 1 to 16"),
        ("kernel: [3, 5]", "kernel: [3, 9223372036854775807]", "odd kernel size"),
    ])
    func optionsPastTheirBoundAreRefused(original: String, replacement: String, fragment: String) {
        expectRefusal(minimalSpace.replacingOccurrences(of: original, with: replacement), fragment)
    }

    @Test func crlfAndByteOrderMarkAreAccepted() throws {
        let unix = try shippedSpace("quickstart")
        let text = try String(contentsOf: packageRoot.appendingPathComponent("SearchSpaces/quickstart.yaml"), encoding: .utf8)
        let windows = try space("\u{FEFF}" + text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(windows.baseline == unix.baseline)
        #expect(windows.decisionSizes == unix.decisionSizes)
        #expect(windows.search == unix.search)
        #expect(windows.proxy == unix.proxy)
    }

    @Test func shippedSpacesStayValid() throws {
        for name in ["quickstart", "mnasnet", "mnasnet-shared", "efficientnetv2"] { _ = try shippedSpace(name) }
    }
}
