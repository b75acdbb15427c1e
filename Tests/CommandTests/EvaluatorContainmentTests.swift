import Foundation
import NASTestSupport
import Testing

/// Hostile evaluators against the whole `nas search` command: whatever a command evaluator
/// starts is gone when its trial ends, when it times out and when the search is stopped,
/// kill -9 included — checked in the process table by an environment variable that every
/// process started under the search inherits.
@Suite(.serialized) struct EvaluatorContainmentTests {
    /// A search of `trials` trials with `evaluator`, two workers, started with the marker in
    /// its environment.
    static func startSearch(_ setup: SearchCommandTests.Setup, run: String, evaluator: String, trials: Int = 4,
                            timeout: Int? = nil, marker: ProcessMarker) throws -> Process {
        let process = Process()
        process.executableURL = Nas.executable
        process.arguments = ["search", "--space", setup.space, "--run", run, "--evaluator", evaluator, "--workers", "2",
                             "--seed", "1", "--trials", String(trials), "--leader-evaluations", "0", "--quiet"] + (timeout.map { ["--timeout", String($0)] } ?? [])
        process.environment = ProcessInfo.processInfo.environment.merging(marker.environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func states(_ run: String) throws -> [String] {
        let result = try Nas.run(["status", run, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        return (object?["trials"] as? [[String: Any]] ?? []).map { "\($0["state"] ?? "?")" }
    }

    /// `nohup sleep &` and a `setsid` sleeper holding stdout: each trial's result comes at once
    /// (they would hold every trial 30 s), and nothing is left once the search is done.
    @Test func leftoversNeitherDelayTrialsNorSurviveThem() throws {
        let setup = try SearchCommandTests.Setup()
        let marker = ProcessMarker()
        let evaluator = "nohup sleep 30 >/dev/null 2>&1 & setsid sleep 30 & echo '{\"accuracy\": 0.7, \"epochs\": 1}'"
        let start = Date()
        let search = try Self.startSearch(setup, run: setup.run("leftovers"), evaluator: evaluator, marker: marker)
        search.waitUntilExit()
        #expect(search.terminationStatus == 0)
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(try Self.states(setup.run("leftovers")) == Array(repeating: "complete", count: 4))
        #expect(marker.waitUntilGone())
    }

    /// An evaluator that never ends and hides a child in its own session: `--timeout` fails
    /// each trial on time and kills both.
    @Test func timeoutKillsEvaluatorsThatHideChildren() throws {
        let setup = try SearchCommandTests.Setup()
        let marker = ProcessMarker()
        let start = Date()
        let search = try Self.startSearch(setup, run: setup.run("timeout"), evaluator: "setsid sleep 30 & sleep 30",
                                          timeout: 1, marker: marker)
        search.waitUntilExit()
        #expect(search.terminationStatus == 0)
        #expect(Date().timeIntervalSince(start) < 20)
        #expect(try Self.states(setup.run("timeout")) == Array(repeating: "failed", count: 4))
        #expect(marker.waitUntilGone())
    }

    /// A `./train.sh` wrapper whose trainer runs on in the background and in a new session:
    /// stopping the search (SIGINT, SIGTERM, SIGKILL) leaves none of it running, and the
    /// interrupted trials resume.
    @Test(arguments: [SIGINT, SIGTERM, SIGKILL])
    func stoppingTheSearchStopsItsTrainers(signal: Int32) throws {
        let setup = try SearchCommandTests.Setup()
        let marker = ProcessMarker()
        let started = setup.run("started-\(signal)")
        let script = try setup.folder.write("train.sh", "touch \(started)\nsleep 30 &\nsetsid sleep 30 &\nwait\n").path
        let run = setup.run("stopped-\(signal)")
        let search = try Self.startSearch(setup, run: run, evaluator: "sh \(script)", marker: marker)
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: started), Date() < deadline { usleep(20_000) }
        #expect(FileManager.default.fileExists(atPath: started))
        usleep(200_000)
        kill(search.processIdentifier, signal)
        search.waitUntilExit()
        #expect(marker.waitUntilGone(), "signal \(signal) left \(marker.running())")
        let resumed = try Nas.run(["status", run])
        #expect(resumed.status == 0, "\(resumed.stderr)")
    }
}
