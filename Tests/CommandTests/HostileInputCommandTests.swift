import Foundation
import Testing

import NASTestSupport

/// Hostile command lines, architecture files and spaces through the built `nas`: each ends
/// in a non-zero exit with one clear line on stderr, promptly, never in a crash (issue 14).
@Suite struct HostileInputCommandTests {
    /// Runs `nas`, and checks the refusal: exit status 1 or 64 (a refusal, not a signal:
    /// 132 SIGILL, 133 SIGTRAP, 134 SIGABRT, 137, 139 SIGSEGV), one line naming `fragment`,
    /// within a few seconds.
    @discardableResult
    func expectRefusal(
        _ arguments: [String], _ fragment: String, currentDirectory: URL? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> CommandResult {
        let start = Date()
        let result = try Nas.run(arguments, currentDirectory: currentDirectory)
        let seconds = Date().timeIntervalSince(start)
        #expect(result.status == 1 || result.status == 64, "\(arguments): status \(result.status)", sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stderr.contains(fragment), "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        #expect(seconds < 20, "\(arguments) took \(seconds) s", sourceLocation: sourceLocation)
        return result
    }

    @Test func archFlagsPastTheirBounds() throws {
        let huge = "9223372036854775807"
        try expectRefusal(["arch", "efficientnet-b0", "--classes", huge], "--classes must be from 1 to 100000")
        try expectRefusal(["arch", "efficientnet-b0", "--channels", huge], "--channels must be from 1 to 1024")
        try expectRefusal(["arch", "efficientnet-b0", "--resolution", huge], "--resolution must be from 1 to 4096")
        try expectRefusal(["arch", "efficientnet-b0", "--width", "1e300"], "--width must be in (0, 16]")
        try expectRefusal(["arch", "efficientnet-b0", "--depth", "nan"], "--depth must be in (0, 16]")
        try expectRefusal(["arch", "efficientnet-b7", "--depth", "16"], "repeats")
    }

    @Test func archFilesPastTheirBounds() throws {
        let folder = try TemporaryDirectory()
        let repeats = try folder.write("repeats.arch", "ir_r99999999_k3_s1_e6_c16\n")
        try expectRefusal(["arch", repeats.path], "repeats 99999999")
        let classes = try folder.write("classes.arch", "classes: 9223372036854775807\nir_r1_k3_s1_e6_c16\n")
        try expectRefusal(["arch", classes.path], "invalid classes")
        try expectRefusal(["train", repeats.path, "--steps", "1"], "repeats 99999999")
        try expectRefusal(["scale", repeats.path], "repeats 99999999")
    }

    @Test func aMissingFileIsNotAnUnknownModel() throws {
        try expectRefusal(["arch", "/nonexistent/x.arch"], "'/nonexistent/x.arch' does not exist")
        try expectRefusal(["arch", "x.arch"], "'x.arch' does not exist")
        try expectRefusal(["scale", "/nonexistent/x.json"], "does not exist")
        try expectRefusal(["arch", "resnet-50"], "unknown model 'resnet-50'")
        let folder = try TemporaryDirectory()
        try expectRefusal(["arch", folder.url.path], "is a folder")
    }

    @Test func crlfAndByteOrderMarkFilesAreRead() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("windows.arch", "\u{FEFF}# B0's first stages\r\nstem: 32\r\nds_r1_k3_s1_e1_c16_se0.25\r\nir_r2_k3_s2_e6_c24_se0.25\r\n")
        let result = try Nas.run(["arch", file.path, "--format", "timm"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "ds_r1_k3_s1_e1_c16_se0.25\nir_r2_k3_s2_e6_c24_se0.25\n")
    }

    @Test func searchFlagsPastTheirBounds() throws {
        let setup = try SearchCommandTests.Setup()
        let run = setup.run("run")
        let search = ["search", "--space", setup.space, "--run", run, "--evaluator", "dry-run"]
        try expectRefusal(search + ["--trials", "1000001"], "--trials must be from 1 to 1000000")
        try expectRefusal(search + ["--trials", "9223372036854775807"], "--trials must be from 1 to 1000000")
        try expectRefusal(search + ["--batch", "4097"], "--batch must be from 1 to 4096")
        try expectRefusal(search + ["--steps", "10000001"], "--steps must be from 1 to 10000000")
        try expectRefusal(search + ["--epochs", "1e300"], "--epochs must be in (0, 1000]")
        try expectRefusal(search + ["--steps", "5", "--epochs", "1"], "--steps and --epochs")
        try expectRefusal(["train", "efficientnet-b0", "--steps", "5", "--epochs", "1"], "--epochs or --steps")
        try expectRefusal(["train", "efficientnet-b0", "--epochs", "1e300"], "--epochs must be at most 1000")
        try expectRefusal(["resume", run, "--trials", "1000001"], "--trials must be from 1 to 1000000")
        try expectRefusal(["status", run, "--last=-1"], "--last must be from 0 to 1000000")
        try expectRefusal(["eval", run, "--batch", "0"], "--batch must be from 1 to 4096")
        try expectRefusal(["train", "efficientnet-b0", "--validation", "99999999999"], "--validation must be from 1 to 10000000")
        try expectRefusal(search + ["--timeout", "1e300"], "--timeout must be in (0, 2592000]")
        try expectRefusal(["worker", "--run", run, "--lease", "1e300"], "--lease must be from 1 to 2592000")
        #expect(!FileManager.default.fileExists(atPath: run))
    }

    @Test func emptyOrFileRunsAreRefused() throws {
        let folder = try TemporaryDirectory()
        let file = try folder.write("not-a-run", "x")
        let space = try folder.write("tiny.yaml", SearchCommandTests.space)
        let commands: [(String, [String])] = [("resume", []), ("status", []), ("export", ["--format", "json"]), ("report", [])]
        for (command, options) in commands {
            try expectRefusal([command, ""] + options, "empty")
            try expectRefusal([command, file.path] + options, "is a file, not a run folder")
        }
        try expectRefusal(["search", "--space", space.path, "--run", "", "--evaluator", "dry-run"], "empty")
        try expectRefusal(
            ["search", "--space", space.path, "--run", file.path, "--evaluator", "dry-run"], "is a file, not a run folder")
    }

    /// A space whose decision or baseline is out of bounds is refused by `nas search` before
    /// the run exists: no folder is left behind, so nothing can crash on resume. Each case
    /// edits the tests' tiny space: (text, its replacement) pairs and what the error names;
    /// MANY stands for 100,000 options.
    @Test(arguments: [
        ([("kernel: [3, 5]", "kernel: [MANY]")], "100000 options"),
        ([("- ir_r2_k3_s2_e4_c16_se0.25", "- ir_r99999999_k3_s2_e4_c16_se0.25")], "repeats 99999999"),
        ([("- ir_r2_k3_s2_e4_c16_se0.25", "- ir_r2_k3_s2_e4_c9223372036854775807")], "filters"),
        ([("  classes: 10", "  classes: 9223372036854775807")], "from 1 to 100000"),
        ([("  trials: 12", "  trials: 100000000")], "from 1 to 1000000"),
        // Valid at the baseline's 32 px and option by option; its largest point at 4096 px is not.
        ([
            ("- ir_r2_k3_s2_e4_c24_se0.25", "- ir_r2_k3_s2_e4_c8192_se0.25"),
            ("resolution: 32\ndecisions:", "resolution: 4096\ndecisions:\n  filters: [1, 8]"),
        ], "largest point"),
    ])
    func aBadSpaceLeavesNoRunBehind(edits: [(String, String)], fragment: String) throws {
        let folder = try TemporaryDirectory()
        var text = SearchCommandTests.space
        for (original, replacement) in edits {
            #expect(text.contains(original), "\(original)")
            text = text.replacingOccurrences(of: original, with: replacement)
        }
        // Built here, not in the arguments, so that the test log stays readable.
        text = text.replacingOccurrences(of: "MANY", with: Array(repeating: "3", count: 100_000).joined(separator: ", "))
        let space = try folder.write("bad.yaml", text)
        let run = folder.url.appendingPathComponent("run").path
        try expectRefusal(["search", "--space", space.path, "--run", run, "--evaluator", "dry-run"], fragment)
        #expect(!FileManager.default.fileExists(atPath: run))
        try expectRefusal(["resume", run], "not a SwiftNAS run folder")
    }

    @Test func markdownExportEscapesTheRunName() throws {
        let setup = try SearchCommandTests.Setup()
        let run = setup.run("a|b`c<script>*d_[x](y)")
        let search = try Nas.run([
            "search", "--space", setup.space, "--run", run, "--evaluator", "dry-run", "--trials", "2", "--batch", "2",
            "--workers", "1", "--quiet",
        ])
        #expect(search.status == 0, "\(search.stderr)")
        let markdown = try Nas.run(["export", run, "--format", "markdown", "--trial", "0"])
        #expect(markdown.status == 0, "\(markdown.stderr)")
        let title = String(markdown.stdout.split(separator: "\n").first ?? "")
        #expect(title.hasSuffix(#"of run a\|b\`c&lt;script&gt;\*d\_\[x\](y)"#), "\(title)")
        #expect(!markdown.stdout.contains("<script>"))
        // The folder run's report stays in its folder.
        let report = try Nas.run(["report", run])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: run + "/report.html"))
    }

    /// A database run's name is any text: its default report goes to the current folder
    /// under a file name made from it, never to the path the name spells.
    @Test func aDatabaseRunsReportStaysInTheCurrentFolder() throws {
        let setup = try SearchCommandTests.Setup()
        let url = try LoopbackPostgres.server().newDatabase()
        let name = "../../escaped"
        let search = try Nas.run([
            "search", "--space", setup.space, "--run", name, "--storage", url, "--evaluator", "dry-run", "--trials", "2",
            "--batch", "2", "--workers", "1", "--quiet",
        ])
        #expect(search.status == 0, "\(search.stderr)")
        let current = setup.folder.url.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: current, withIntermediateDirectories: true)
        let report = try Nas.run(["report", name, "--storage", url], currentDirectory: current)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(FileManager.default.fileExists(atPath: current.appendingPathComponent("___.._escaped-report.html").path))
        #expect(!FileManager.default.fileExists(atPath: setup.folder.url.appendingPathComponent("escaped-report.html").path))
    }
}
