import Foundation
import NASTestSupport
import Testing

/// Faults around a run folder: a search killed while it creates its run, killed over and over
/// while it runs, and a run read by someone who cannot write it (issue 14).
@Suite(.serialized) struct RunFaultTests {
    typealias Setup = SearchCommandTests.Setup
    static let quickstart = SearchCommandTests.root.appendingPathComponent("SearchSpaces/quickstart.yaml").path

    /// kill -9 in the first 0.2 s of `nas search` (the full count is
    /// Benchmarks/faults/early-kills.sh): each leaves no folder, a folder the next search
    /// reuses (and that `nas resume` says was never created), or a run that `nas resume` finishes.
    @Test func earlyKillsLeaveNothingOrAResumableRun() throws {
        let setup = try Setup()
        var outcomes: [String: Int] = [:]
        for index in 0..<25 {
            let run = setup.run("early\(index)")
            let search = ["search", "--space", Self.quickstart, "--run", run, "--evaluator", "dry-run", "--trials", "4", "--quiet"]
            let process = try SearchCommandTests.start(search)
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.2))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            guard FileManager.default.fileExists(atPath: run) else {
                outcomes["no folder", default: 0] += 1
                continue
            }
            let resumed = try Nas.run(["resume", run, "--quiet"])
            if resumed.status == 0 {
                let status = try Nas.run(["status", run])
                #expect(status.stdout.contains("4/4 sampled trials finished"), "\(status.stdout)")
                outcomes["resumed", default: 0] += 1
                continue
            }
            #expect(resumed.stderr.contains("was never created") && resumed.stderr.contains("nas search"), "\(resumed.stderr)")
            let again = try Nas.run(search)
            #expect(again.status == 0, "kill \(index): \(again.stderr)")
            outcomes["reused", default: 0] += 1
        }
        #expect(outcomes.values.reduce(0, +) == 25, "\(outcomes)")
    }

    /// What an interrupted creation leaves — the lock file and a partial log — is no run:
    /// status and resume say it was never created, and `nas search` reuses the folder.
    @Test func anInterruptedCreationIsReusedNotResumed() throws {
        let setup = try Setup()
        let run = setup.run("interrupted")
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: run + "/lock", contents: Data("pid 1 on host\n".utf8))
        FileManager.default.createFile(atPath: run + "/trials.sqlite.partial", contents: Data())
        FileManager.default.createFile(atPath: run + "/trials.sqlite.partial-journal", contents: Data([1, 2, 3]))
        for command in [["resume", run], ["status", run]] {
            let result = try Nas.run(command)
            #expect(result.status != 0 && result.stderr.contains("the run in \(run) was never created"), "\(command): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
        let search = try Nas.run(["search", "--space", setup.space, "--run", run, "--evaluator", "dry-run", "--trials", "4", "--quiet"])
        #expect(search.status == 0, "\(search.stderr)")
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: run)) == ["lock", "trials.sqlite"])
        // Anything else in the folder is still refused.
        let other = setup.run("other")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: other + "/notes.txt", contents: Data())
        let refused = try Nas.run(["search", "--space", setup.space, "--run", other, "--evaluator", "dry-run"])
        #expect(refused.status != 0 && refused.stderr.contains("not empty"), "\(refused.stderr)")
    }

    /// kill -9 twenty times in a row at random moments, resuming each time: the trials are
    /// those of an uninterrupted run — same numbers, architectures, decisions, rewards and
    /// states — none failed, and no kill used up an attempt (each trial's attempts is 1).
    @Test func twentyKillsInARowGiveTheUninterruptedTrials() throws {
        let setup = try Setup()
        let options = ["--evaluator", setup.evaluator, "--workers", "2", "--seed", "5", "--trials", "16", "--quiet"]
        let reference = setup.run("reference")
        let full = try Nas.run(["search", "--space", setup.space, "--run", reference] + options)
        #expect(full.status == 0, "\(full.stderr)")
        let expected = try SearchCommandTests.sequence(reference)
        #expect(expected.count == 16 + Fixtures.defaultLeaders)  // the leader's evaluations too

        let run = setup.run("killed")
        var arguments = ["search", "--space", setup.space, "--run", run] + options
        var interrupted = 0
        for _ in 0..<20 {
            let process = try SearchCommandTests.start(arguments)
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.5))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            if FileManager.default.fileExists(atPath: run + "/trials.sqlite") {
                arguments = ["resume", run, "--quiet"]
                let counts = (try Self.status(run))?["counts"] as? [String: Int] ?? [:]
                if (counts["running"] ?? 0) > 0 { interrupted += 1 }
            }
        }
        let resumed = try Nas.run(["resume", run, "--quiet"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let got = try SearchCommandTests.sequence(run)
        #expect(got == expected, "first difference \(String(describing: zip(got, expected).first { $0 != $1 }))")
        let trials = (try Self.status(run))?["trials"] as? [[String: Any]] ?? []
        #expect(trials.count == expected.count && trials.allSatisfy { $0["state"] as? String == "complete" })
        #expect(trials.allSatisfy { $0["attempts"] as? Int == 1 }, "\(trials.map { $0["attempts"] ?? "?" })")
        #expect(interrupted > 0, "no kill landed while a trial was running")
    }

    /// `nas status`, `export` and `report` on a run its reader cannot write (folder 0555, log
    /// 0444, read as user nobody — tests run as root, whom permission bits do not stop):
    /// they work, create nothing (no lock file), and the report's default output inside the
    /// folder is refused with one line that suggests --output.
    @Test func readingARunNeedsNoWriteAccess() throws {
        let setup = try Setup()
        let run = setup.run("readonly")
        let search = try Nas.run(["search", "--space", setup.space, "--run", run, "--evaluator", "dry-run", "--trials", "4", "--quiet"])
        #expect(search.status == 0, "\(search.stderr)")
        try FileManager.default.removeItem(atPath: run + "/lock")
        let before = try Data(contentsOf: URL(fileURLWithPath: run + "/trials.sqlite"))
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: run + "/trials.sqlite")
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: run)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: run) }
        // A folder the reader can write, for --output.
        let outputs = setup.run("outputs")
        try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: outputs)
        let elsewhere = outputs + "/report.html"

        let status = try Self.asReader(["status", run])
        #expect(status.status == 0 && status.stdout.contains("4/4 sampled trials finished"), "\(status.stderr)")
        let export = try Self.asReader(["export", run, "--format", "json"])
        #expect(export.status == 0 && export.stdout.contains("\"arch\""), "\(export.stderr)")
        let report = try Self.asReader(["report", run])
        #expect(report.status != 0 && report.stderr.contains("not writable") && report.stderr.contains("--output"), "\(report.stderr)")
        #expect(report.stderr.split(separator: "\n").count == 1)
        let written = try Self.asReader(["report", run, "--output", elsewhere])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: run) == ["trials.sqlite"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: run + "/trials.sqlite")) == before)
        // A process that exits without closing its log leaves an empty -wal (and maybe no
        // -shm): still readable.
        FileManager.default.createFile(atPath: run + "/trials.sqlite-wal", contents: Data())
        let again = try Self.asReader(["status", run])
        #expect(again.status == 0 && again.stdout.contains("4/4 sampled trials finished"), "\(again.stderr)")
    }

    /// As user nobody when running as root (setpriv), else as ourselves.
    static func asReader(_ arguments: [String]) throws -> CommandResult {
        let setpriv = URL(fileURLWithPath: "/usr/bin/setpriv")
        guard getuid() == 0 else { return try Nas.run(arguments) }
        return try Nas.runProgram(
            setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", Nas.executable.path] + arguments)
    }

    static func status(_ run: String) throws -> [String: Any]? {
        try JSONSerialization.jsonObject(with: Data(try Nas.run(["status", run, "--json"]).stdout.utf8)) as? [String: Any]
    }
}
