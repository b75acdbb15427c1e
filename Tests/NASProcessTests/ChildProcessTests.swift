import Foundation
import NASTestSupport
import Testing

@testable import NASProcess

/// The child-process contract (Docs/SEARCH.md, "The evaluator's contract"), checked against
/// the process table: nothing a command starts outlives it, a command's leftovers never delay
/// its result, and the timeout holds whatever the command does.
@Suite struct ChildProcessTests {
    @Test func capturesOutputAndStatus() throws {
        let run = try ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 3"])
        #expect(run.ending == .exited(3))
        #expect(run.stdout == "out\n")
        #expect(run.stderr == "err\n")
    }

    @Test func passesInputEnvironmentAndDirectory() throws {
        let run = try ChildProcess.run(
            "/bin/sh", ["-c", "cat; echo \" $SWIFTNAS_PROBE\"; pwd"], directory: "/tmp",
            environment: ["SWIFTNAS_PROBE": "seen"], input: Data("hello".utf8))
        #expect(run.stdout == "hello seen\n/tmp\n")
    }

    @Test func findsProgramsOnPathAndRefusesMissingOnes() throws {
        #expect(try ChildProcess.run("true", []).ending == .exited(0))
        #expect(throws: ChildProcessError.self) { try ChildProcess.run("swiftnas-no-such-program", []) }
        let missing = try ChildProcess.run("/nonexistent/program", [])
        #expect(missing.ending == .exited(127))
        #expect(missing.stderr.contains("cannot run /nonexistent/program"))
    }

    @Test func reportsSignals() throws {
        #expect(try ChildProcess.run("/bin/sh", ["-c", "kill -TERM $$"]).ending == .signaled(SIGTERM))
    }

    /// Descriptors 0–2 only: no pipe, socket or database of the search leaks in.
    @Test func inheritsOnlyStandardDescriptors() throws {
        let held = open("/dev/null", O_RDONLY)  // not close-on-exec: would leak through a plain fork/exec
        defer { close(held) }
        let run = try ChildProcess.run("/bin/sh", ["-c", "ls /proc/$$/fd"])
        #expect(run.stdout.split(whereSeparator: \.isNewline).sorted() == ["0", "1", "2"])
    }

    @Test func sigpipeIsDefaultInTheCommand() throws {
        // SwiftNAS ignores SIGPIPE; a command must not inherit that (`yes | head` would spin).
        signal(SIGPIPE, SIG_IGN)
        let run = try ChildProcess.run("/bin/sh", ["-c", "yes | head -n 1"], timeout: 10)
        #expect(run.ending == .exited(0))
        #expect(run.stdout == "y\n")
    }

    /// `nohup sleep &` left behind: the result comes at once and the sleeper is killed.
    @Test func backgroundLeftoversAreKilledAndDoNotDelayTheResult() throws {
        let marker = ProcessMarker()
        let start = Date()
        let run = try ChildProcess.run(
            "/bin/sh", ["-c", "nohup sleep 30 >/dev/null 2>&1 & sleep 30 & echo done"],
            environment: marker.environment)
        #expect(run.stdout == "done\n")
        #expect(Date().timeIntervalSince(start) < 3)
        #expect(marker.waitUntilGone())
    }

    /// A `setsid` child leaves the process group and keeps stdout open: neither delays the
    /// result nor survives it.
    @Test func setsidChildrenHoldingStdoutAreKilled() throws {
        let marker = ProcessMarker()
        let start = Date()
        let run = try ChildProcess.run("/bin/sh", ["-c", "setsid sleep 30 & sleep 0.2; echo '{\"accuracy\": 1}'"], environment: marker.environment)
        #expect(run.ending == .exited(0))
        #expect(run.stdout.contains("accuracy"))
        #expect(Date().timeIntervalSince(start) < 3)
        #expect(marker.waitUntilGone())
    }

    /// A command that never reads a large stdin and never ends: the timeout still holds, and
    /// what it started dies with it.
    @Test func timeoutHoldsWithUnreadLargeInput() throws {
        let marker = ProcessMarker()
        let start = Date()
        let input = Data(repeating: UInt8(ascii: "x"), count: 4 << 20)
        let run = try ChildProcess.run(
            "/bin/sh", ["-c", "setsid sleep 30 & sleep 30"], environment: marker.environment, input: input, timeout: 1)
        let elapsed = Date().timeIntervalSince(start)
        #expect(run.ending == .timedOut)
        #expect(elapsed >= 1 && elapsed < 4)
        #expect(marker.waitUntilGone())
    }

    /// Grandchildren several levels down, some in their own sessions, all die.
    @Test func deepDescendantsAreKilledOnTimeout() throws {
        let marker = ProcessMarker()
        let nested = "sh -c 'sh -c \"setsid sleep 30 & sleep 30\" & sleep 30' & wait"
        let run = try ChildProcess.run("/bin/sh", ["-c", nested], environment: marker.environment, timeout: 0.5)
        #expect(run.ending == .timedOut)
        #expect(marker.waitUntilGone())
    }

    @Test func outputIsCappedToItsEnd() throws {
        let run = try ChildProcess.run("/bin/sh", ["-c", "head -c 300000 /dev/zero | tr '\\0' a; echo; echo last"], outputLimit: 1000)
        #expect(run.stdout.utf8.count == 1000)
        #expect(run.stdout.hasSuffix("a\nlast\n"))
    }
}

@Suite struct ShellTests {
    @Test func wordsAreQuotedOnlyWhenTheShellWouldChangeThem() {
        #expect(Shell.quoted("Runs/quick-1") == "Runs/quick-1")
        #expect(Shell.quoted("it's here") == "'it'\\''s here'")
        #expect(Shell.quoted("") == "''")
    }
}
