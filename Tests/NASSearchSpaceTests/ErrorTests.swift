import Foundation
import NASArchitecture
import Testing

@testable import NASSearchSpace

/// A bad file, the line and field its error must name, and a fragment of the message.
struct BadFile: CustomTestStringConvertible, Sendable {
    var text: String
    var line: Int?
    var field: String
    var fragment: String
    var testDescription: String { "\(field): \(fragment)" }

    init(_ text: String, _ line: Int?, _ field: String, _ fragment: String) {
        (self.text, self.line, self.field, self.fragment) = (text, line, field, fragment)
    }

    /// `minimalSpace` with one line replaced (or, past its end, lines appended).
    static func edit(_ line: Int, _ replacement: String, _ errorLine: Int?, _ field: String, _ fragment: String)
        -> BadFile
    {
        var lines = minimalSpace.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if line <= lines.count { lines[line - 1] = replacement } else { lines.append(replacement) }
        return BadFile(lines.joined(separator: "\n"), errorLine, field, fragment)
    }
}

// minimalSpace:
// 1 name: t
// 2 baseline: efficientnet-b0
// 3 decisions:
// 4   kernel: [3, 5]
// 5   expansion: [3, 6]
// 6 reward:
// 7   target: 400M
let badFiles: [BadFile] = [
    // Keys.
    .edit(3, "decisons:", 3, "decisons", "unknown key — did you mean 'decisions'?"),
    .edit(4, "  kernal: [3, 5]", 4, "decisions.kernal", "unknown field — did you mean 'kernel'?"),
    .edit(8, "proxy: {datset: cifar10}", 8, "proxy.datset", "did you mean 'dataset'?"),
    .edit(8, "search: {bacth: 4}", 8, "search.bacth", "did you mean 'batch'?"),
    .edit(7, "  traget: 400M", 7, "reward.traget", "did you mean 'target'?"),
    .edit(1, "baseline: efficientnet-b0", 1, "", "key 'baseline' appears more than once"),
    BadFile("name: x\ndecisions: {kernel: [3, 5]}\nreward: {target: 1M}", 1, "baseline", "missing"),
    // Types and option lists.
    .edit(4, "  kernel: [3, five]", 4, "decisions.kernel", "'five' — expected an odd kernel size from 1 to 11"),
    .edit(4, "  kernel: [3, 4]", 4, "decisions.kernel", "'4' — expected an odd kernel size"),
    .edit(4, "  kernel: []", 4, "decisions.kernel", "empty option list"),
    .edit(4, "  kernel:", 4, "decisions.kernel", "expected a list of options, found nothing"),
    .edit(4, "  kernel: {a: 1}", 4, "decisions.kernel", "found a mapping"),
    .edit(4, "  kernel: [3, 3]", 4, "decisions.kernel", "option '3' appears twice"),
    .edit(
        5, "  expansion: [0.5, 6]", 5, "decisions.expansion",
        "0.5 is out of range — expected an expansion ratio from 1 to 16"),
    .edit(5, "  se: [0, 1]", 5, "decisions.se", "1 is out of range — expected an SE ratio in [0, 1)"),
    .edit(5, "  filters: [0, 1]", 5, "decisions.filters", "0 is out of range"),
    .edit(5, "  filters: [-1, 1]", 5, "decisions.filters", "-1 is out of range"),
    .edit(5, "  layers: [0, 2.5]", 5, "decisions.layers", "'2.5' — expected a whole number from -16 to 16"),
    .edit(5, "  skip: [identity, pooling]", 5, "decisions.skip", "pooling skips are not supported"),
    .edit(
        5, "  skip: [identity, nope]", 5, "decisions.skip",
        "unknown skip 'nope' — did you mean 'none'? (expected identity or none)"),
    .edit(
        5, "  operator: [mbconv, mbconv7]", 5, "decisions.operator",
        "unknown operator 'mbconv7' — did you mean 'mbconv'?"),
    .edit(
        5, "  conv: [{kernel: 3, expansoin: 6}, {kernel: 5}]", 5, "decisions.conv.expansoin",
        "did you mean 'expansion'?"),
    .edit(5, "  conv: [{kernel: 3}, {}]", 5, "decisions.conv", "a bundle must set at least one field"),
    .edit(
        5, "  conv: [{kernel: 3, expansion: 6}, {kernel: 5, expansion: 3}]", 5, "decisions.conv",
        "sets kernel, already set by 'kernel' at line 4"),
    .edit(5, "  expansion: [[3, 6]]", 5, "decisions.expansion", "expected a value or a bundle of fields, found a list"),
    BadFile(
        "baseline: efficientnet-b0\ndecisions:\n  kernel: 3\n  expansion: [6]\nreward: {target: 1M}", 2, "decisions",
        "no decision has two or more options"),
    // Baseline.
    .edit(
        2, "baseline: efficientnet-b9", 2, "baseline",
        "unknown model 'efficientnet-b9' — did you mean 'efficientnet-b0'?"),
    .edit(
        2, "baseline: [ds_r1_k3_s1_c16, ir_r2_k3_s2_e6_x24]", 2, "baseline.stages",
        "malformed block 'ir_r2_k3_s2_e6_x24'"),
    BadFile(
        "baseline:\n  stem: 16\n  stages:\n    - ds_r1_k3_s1_c16\n    - ir_r2_k4_s2_e6_c24\ndecisions: {kernel: [3, 5]}\nreward: {target: 1M}",
        5, "baseline.stages", "invalid block 'ir_r2_k4_s2_e6_c24': kernel 4"),
    BadFile(
        "baseline:\n  stem: many\n  stages: [ds_r1_k3_s1_c16]\ndecisions: {kernel: [3, 5]}\nreward: {target: 1M}",
        2, "baseline.stem", "'stem: many' — expected a whole number"),
    BadFile(
        "baseline:\n  dropout: 1.5\n  stages: [ds_r1_k3_s1_c16]\ndecisions: {kernel: [3, 5]}\nreward: {target: 1M}",
        2, "baseline.dropout", "1.5 — expected a rate in [0, 1)"),
    BadFile(
        "baseline:\n  stages:\n    - [ds_r1_k3_s1_c16, ir_r1_k3_s2_e6_c24]\ndecisions: {kernel: [3, 5]}\nreward: {target: 1M}",
        3, "baseline.stages", "only a stage's first block may stride"),
    BadFile(
        "baseline:\n  stages: []\ndecisions: {kernel: [3, 5]}\nreward: {target: 1M}", 2, "baseline.stages",
        "expected a list of stages, each timm (or TF) block strings, found an empty list"),
    BadFile(
        "baseline: {model: efficientnet-b0, stages: [ds_r1_k3_s1_c16]}\ndecisions: {kernel: [3, 5]}\nreward: {target: 1M}",
        1, "baseline.stages", "give either model or stages, not both"),
    BadFile("baseline: {head: 0}\ndecisions: {kernel: [3, 5]}\nreward: {target: 1M}", 1, "baseline.stages", "missing"),
    .edit(8, "resolution: 4", 8, "resolution", "4 is out of range"),
    // Blocks.
    .edit(8, "blocks: {9: {kernel: 3}}", 8, "blocks[9]", "expected a block number from 1 to 7"),
    .edit(8, "blocks: {first: {kernel: 3}}", 8, "blocks[first]", "is not a block"),
    .edit(8, "blocks:\n  2: {fixed: true, kernel: [3, 7]}", 9, "blocks[2].kernel", "a fixed block takes no decisions"),
    .edit(8, "blocks:\n  2: {fixed: yes}", 9, "blocks[2].fixed", "'yes' — expected true or false"),
    .edit(8, "blocks:\n  2: {se: ~}", 9, "blocks[2].se", "there is no default named 'se'"),
    .edit(8, "blocks:\n  2: {kernel: [9, 13]}", 9, "blocks[2].kernel", "'13' — expected an odd kernel size"),
    BadFile(
        "baseline: [ds_r1_k3_s1_c16, ir_r1_k3_s2_e6_c10000]\ndecisions: {kernel: [3, 5]}\nblocks:\n  2:\n    filters:\n      - 1\n      - 8\nreward: {target: 1M}",
        7, "blocks[2].filters", "option '8' makes block 2 invalid: invalid block 'ir_r1_k3_s2_e6_c80000': filters 80000"
    ),
    // Reward.
    .edit(7, "  target: 400Q", 7, "reward.target", "'400Q' — expected a value such as 400M, 0.4G or 400000000"),
    .edit(7, "  target: 75ms", 7, "reward.target", "'75ms' has the wrong unit for this metric"),
    .edit(7, "  target: -5M", 7, "reward.target", "expected a positive value"),
    .edit(7, "  preset: soft", 6, "reward.target", "missing — metric macs needs a target MAC count"),
    .edit(8, "  alpha: nan", 8, "reward.alpha", "'nan' is not finite"),
    .edit(8, "  beta: .inf", 8, "reward.beta", "'.inf' is not a finite number"),
    .edit(8, "  preset: medium", 8, "reward.preset", "unknown preset 'medium'"),
    .edit(8, "  metric: flops", 8, "reward.metric", "unknown metric 'flops'"),
    .edit(8, "  step-exponent: -0.07", 8, "reward.step-exponent", "used only by metric training-aware"),
    .edit(7, "  metric: training-aware\n  target: 1s", 8, "reward.target", "not used by metric training-aware"),
    .edit(7, "  metric: latency\n  target: 400M", 8, "reward.target", "wrong unit"),
    BadFile("baseline: efficientnet-b0\ndecisions: {kernel: [3, 5]}", 1, "reward", "missing"),
    // Proxy and search.
    .edit(
        8, "proxy: {batch: 1}", 8, "proxy.batch",
        "1 is out of range — expected a batch size (batch norm needs 2) from 2 to 4096"),
    .edit(8, "proxy: {resolution: 2000}", 8, "proxy.resolution", "out of range"),
    .edit(8, "proxy: {width: 0}", 8, "proxy.width", "0 is out of range — expected a multiplier in (0, 8]"),
    .edit(8, "proxy: {dropout: 1}", 8, "proxy.dropout", "expected a rate in [0, 1)"),
    .edit(8, "proxy: {augment: maybe}", 8, "proxy.augment", "expected true or false"),
    .edit(8, "proxy: {dataset: imagenet}", 8, "proxy.dataset", "unknown dataset 'imagenet'"),
    .edit(8, "proxy:\n  dataset: cifar10", 9, "proxy.data", "missing — dataset cifar10 needs a data path"),
    .edit(8, "proxy:\n  epochs: 2\n  steps: 100", 10, "proxy.steps", "give epochs or steps, not both"),
    .edit(8, "proxy: {threads: 0}", 8, "proxy.threads", "out of range"),
    .edit(8, "search: {batch: 0}", 8, "search.batch", "out of range"),
    .edit(8, "search: {strategy: Bad Name}", 8, "search.strategy", "expected a strategy name"),
    .edit(
        8, "search:\n  references:\n    - efficientnet-b0\n    - resnet50", 11, "search.references",
        "unknown model 'resnet50'"),
    .edit(8, "search: {references: efficientnet-b0}", 8, "search.references", "expected a list"),
    // YAML itself.
    .edit(4, "  kernel: [3, 5", 5, "", "YAML syntax"),
    .edit(4, "  kernel: [3, 5]]", 4, "", "YAML syntax"),
    .edit(4, "\tkernel: [3, 5]", 4, "", "YAML syntax"),
    BadFile("", nil, "", "empty file"),
    BadFile("- a\n- b", 1, "", "expected a mapping"),
]

@Suite struct ErrorTests {
    @Test(arguments: badFiles)
    func badFilesAreRefusedWithLineAndField(bad: BadFile) throws {
        let error = try #require(refusal(bad.text), "accepted:\n\(bad.text)")
        #expect(error.line == bad.line, "\(error)")
        #expect(error.field == bad.field, "\(error)")
        #expect(error.message.contains(bad.fragment), "\(error)")
        let place = bad.line.map { "bad.yaml:\($0)" } ?? "bad.yaml"
        let prefix = bad.field.isEmpty ? "\(place): " : "\(place): \(bad.field): "
        #expect(error.description.hasPrefix(prefix), "\(error)")
        #expect(!error.description.contains("\n"), "\(error)")
    }

    @Test func missingFilesAreReported() {
        do {
            _ = try SearchSpace.load(path: "/nonexistent/space.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "/nonexistent/space.yaml" && error.line == nil)
            #expect(error.description.hasPrefix("/nonexistent/space.yaml: cannot read the file"))
        }
    }

    @Test func errorsPrintOnOneLine() {
        let error = SearchSpaceError(file: "f.yaml", line: 3, field: "a.b", message: "first\n  second\n")
        #expect(error.description == "f.yaml:3: a.b: first second")
        #expect(SearchSpaceError(file: "f.yaml", line: nil, field: "", message: "m").description == "f.yaml: m")
    }

    /// A baseline is built through `ArchitectureFile`'s typed steps: a value the file decoder
    /// refuses is refused here with the file's message, at the YAML field instead of a line.
    @Test(arguments: [
        ("stem", "many"), ("dropout", "lots"), ("activation", "gelu"), ("classes", "0"), ("head", "70000"),
        ("drop-connect", "1"),
    ])
    func aBadSettingHasTheFileDecodersMessage(key: String, value: String) throws {
        let file = "\(key): \(value)\nds_r1_k3_s1_c16\n"
        let fileError = #expect(throws: ArchitectureError.self) { try ArchitectureFile.decode(file, name: "n") }
        let text = "baseline:\n  \(key): '\(value)'\n  stages: [ds_r1_k3_s1_c16]\n" + "decisions: {kernel: [3, 5]}\nreward: {target: 1M}"
        let error = try #require(refusal(text))
        #expect(error.line == 2 && error.field == "baseline.\(key)", "\(error)")
        // The file prefixes its line ("line 1: "); a range error names the setting, the field does here.
        let message = try #require(fileError).description.replacingOccurrences(of: "line 1: ", with: "")
        #expect(message == error.message || message == "invalid \(key) \(error.message)", "\(message) | \(error)")
    }
}
