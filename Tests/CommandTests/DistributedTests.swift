import Foundation
import Testing

import NASTestSupport

/// Searches whose trials are evaluated by other processes — `nas worker` on a shared
/// PostgreSQL, workers launched through Slurm, trials submitted as Slurm jobs — against real
/// servers on loopback. Each must finish its trials with none lost or evaluated twice into the
/// log, and try exactly the architectures of a one-process SQLite run with the same seed.
@Suite(.serialized) struct DistributedTests {
    /// The first evaluation of trial 5 takes 20 s (it leaves a marker file beside the script),
    /// so the worker holding it is killed mid-trial however slowly a loaded machine lets the
    /// test see it; its re-run and the other trials take 0.3–0.5 s. The accuracy is a hash of
    /// the architecture, so runs can be compared exactly.
    static let victim = 5
    static let evaluator = """
        import hashlib, json, os, sys, time
        job = json.load(sys.stdin)
        marker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "victim-started")
        if job["trial"] == \(victim) and not os.path.exists(marker):
            open(marker, "w").close()
            time.sleep(20)
        else:
            time.sleep(0.3 + (job["seed"] % 3) * 0.1)
        digest = hashlib.sha256(json.dumps(job["arch"]).encode()).digest()
        print(json.dumps({"accuracy": 0.5 + digest[0] / 512}))
        """

    typealias Setup = SearchCommandTests.Setup

    static func searchArguments(_ setup: Setup) -> [String] {
        ["--space", setup.space, "--trials", "12", "--batch", "4", "--seed", "3", "--evaluator", setup.evaluator]
    }

    /// The trials of a run as `nas status --json` shows them.
    static func trials(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Nas.run(["status"] + arguments + ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        return object["trials"] as! [[String: Any]]
    }

    static func sequence(_ trials: [[String: Any]]) -> [String] {
        trials.map { trial in
            let decisions = (trial["decisions"] as? [String: Any] ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return "\(trial["id"]!) \(trial["arch"]!) \(decisions) \(trial["reward"] ?? "none") \(trial["state"]!)"
        }
    }

    /// The trials so far; none while the controller has yet to create the run.
    static func trialsIfAny(_ arguments: [String]) throws -> [[String: Any]] {
        let result = try Nas.run(["status"] + arguments + ["--json"])
        guard result.status == 0 else { return [] }
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        return object["trials"] as! [[String: Any]]
    }

    /// The single-process SQLite run every distributed run must reproduce (with the victim
    /// fast); afterwards the victim's first evaluation is slow again unless `slowVictim` is false.
    static func reference(_ setup: Setup, slowVictim: Bool = true) throws -> [String] {
        let marker = setup.folder.url.appendingPathComponent("victim-started").path
        FileManager.default.createFile(atPath: marker, contents: nil)
        let run = setup.run("reference")
        let result = try Nas.run(["search", "--run", run, "--workers", "1", "--quiet"] + Self.searchArguments(setup))
        #expect(result.status == 0, "\(result.stderr)")
        if slowVictim { try FileManager.default.removeItem(atPath: marker) }
        return sequence(try trials([run]))
    }

    /// Waits until the victim trial is running; its worker's name and pid (a default worker
    /// name ends in -PID).
    static func holderOfTheVictim(_ status: [String], timeout: TimeInterval = 90) throws -> (name: String, pid: pid_t)? {
        let deadline = Date() + timeout
        while Date() < deadline {
            for trial in try trialsIfAny(status) where trial["id"] as? Int == victim && trial["state"] as? String == "running" {
                if let worker = trial["worker"] as? String, let pid = worker.split(separator: "-").last.flatMap({ pid_t($0) }) {
                    return (worker, pid)
                }
            }
            usleep(100_000)
        }
        return nil
    }

    /// None lost, none twice: 12 sampled trials and the leader's 3 evaluations, all complete,
    /// numbered 0…14; the killed worker's trial ran twice with the reason stored, the rest once.
    static func checkLog(_ trials: [[String: Any]], killed: Bool) {
        #expect(trials.map { $0["id"] as! Int } == Array(0..<(12 + Fixtures.defaultLeaders)))
        #expect(trials.suffix(Fixtures.defaultLeaders).allSatisfy { $0["leader"] as? Bool == true })
        #expect(trials.allSatisfy { $0["state"] as? String == "complete" })
        let retried = trials.filter { ($0["attempts"] as! Int) > 1 }
        if killed {
            #expect(retried.map { $0["id"] as! Int } == [victim])
            #expect((retried.first?["attempts"] as? Int) == 2)
            #expect((retried.first?["failure"] as? String)?.hasPrefix("lease expired (worker ") == true)
        }
        #expect(trials.allSatisfy { ($0["attempts"] as! Int) <= 2 })
    }

    /// Refusals are one line each, before anything is created.
    @Test func distributedOptionsAreCheckedFirst() throws {
        let setup = try Setup(evaluator: Self.evaluator)
        let badURL = try Nas.run(["status", "x", "--storage", "mysql://nobody@127.0.0.1/x"])
        #expect(badURL.status != 0 && badURL.stderr.contains("--storage must be a postgresql://"))
        let noStorage = try Nas.run(["slurm", "workers", "--run", "x", "--count", "2"])
        #expect(noStorage.status != 0 && noStorage.stderr.contains("give --storage postgresql://"))
        let url = try LoopbackPostgres.server().newDatabase()
        let missing = try Nas.run(["status", "nothing", "--storage", url])
        #expect(missing.status != 0 && missing.stderr.contains("there is no run 'nothing'"))
        let keep = try Nas.run(["search", "--run", "k", "--storage", url, "--keep-weights"] + Self.searchArguments(setup).prefix(2))
        #expect(keep.status != 0)
        let first = try Nas.run(["search", "--run", "once", "--storage", url, "--evaluator", "dry-run", "--quiet"] + Self.searchArguments(setup).prefix(2))
        #expect(first.status == 0, "\(first.stderr)")
        let again = try Nas.run(["search", "--run", "once", "--storage", url, "--evaluator", "dry-run"] + Self.searchArguments(setup).prefix(2))
        #expect(again.status != 0 && again.stderr.contains("a run named 'once' already exists in postgresql://"))
        #expect(again.stderr.contains("nas resume once --storage"))
        let worker = try Nas.run(["worker"])
        #expect(worker.status != 0 && worker.stderr.contains("--run RUN_FOLDER, or --storage URL"))
        // A second controller on the same database run is refused while the first holds it.
        let holder = try spawn(Nas.executable.path, ["search", "--run", "held", "--workers", "0", "--storage", url] + Self.searchArguments(setup),
                              stdout: setup.run("held.out"), stderr: setup.run("held.err"))
        defer { kill(holder, SIGKILL); waitForExit(holder) }
        var refused: CommandResult?
        for _ in 0..<50 {
            let again = try Nas.run(["resume", "held", "--storage", url])
            if again.stderr.contains("in use by another process") { refused = again; break }
            usleep(100_000)
        }
        #expect(refused != nil)
    }
    /// The controller survives its server dropping every connection (as a restart does): it
    /// reconnects after a pause, takes its run lock again, re-runs the trial it lost without
    /// using an attempt, and its trials are those of the one-process SQLite run.
    @Test func controllerReconnectsAfterTheServerDropsItsConnections() throws {
        let setup = try Setup(evaluator: Self.evaluator)
        let expected = try Self.reference(setup, slowVictim: false)
        let server = try LoopbackPostgres.server()
        let url = try server.newDatabase()
        let storage = ["--storage", url]
        let controller = try spawn(Nas.executable.path, ["search", "--run", "restarted", "--workers", "1"] + storage + Self.searchArguments(setup),
                                   stdout: setup.run("controller.out"), stderr: setup.run("controller.err"))
        // Twice, once some trials are done: every backend of the run's database is ended.
        let database = String(url.split(separator: "/").last!)
        for wanted in [2, 6] {
            let deadline = Date() + 60
            while Date() < deadline, try Self.trialsIfAny(["restarted"] + storage).count { $0["state"] as? String == "complete" } < wanted {
                usleep(100_000)
            }
            _ = try runProgram("/usr/lib/postgresql/15/bin/psql", [
                "-h", "127.0.0.1", "-p", String(server.port), "-U", "swiftnas", "-d", "swiftnas", "-Atc",
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(database)'",
            ])
        }
        let errors = { (try? String(contentsOfFile: setup.run("controller.err"), encoding: .utf8)) ?? "" }
        #expect(waitForExit(controller) == 0, "\(errors())")
        #expect(errors().contains("retrying in 1 s"), "\(errors())")
        let log = try Self.trials(["restarted"] + storage)
        #expect(Self.sequence(log) == expected)
        #expect(log.allSatisfy { $0["attempts"] as? Int == 1 }, "\(log.map { $0["attempts"] ?? "?" })")
    }
}
