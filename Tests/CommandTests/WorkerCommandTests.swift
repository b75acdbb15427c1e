import Foundation
import Testing

import NASTestSupport

/// `nas worker`: workers on a shared PostgreSQL serve a controller (part of the serialized
/// `DistributedTests` suite, which holds the servers and helpers).
extension DistributedTests {
    @Test func postgresWorkersOneKilledMidTrialMatchTheSQLiteRun() throws {
        let setup = try Setup(evaluator: Self.evaluator)
        let expected = try Self.reference(setup)
        let url = try LoopbackPostgres.server().newDatabase()
        let storage = ["--storage", url]
        let controller = try spawn(Nas.executable.path, ["search", "--run", "dist", "--workers", "0"] + storage + Self.searchArguments(setup),
                                   stdout: setup.run("controller.out"), stderr: setup.run("controller.err"))
        var workers: [pid_t] = []
        for index in 1...3 {
            workers.append(try spawn(
                Nas.executable.path, ["worker", "--run", "dist", "--lease", "2"] + storage,
                stdout: setup.run("w\(index).out"), stderr: setup.run("w\(index).err")))
        }
        // Kill -9 the worker that holds the victim trial, mid-trial.
        let status = ["dist"] + storage
        let holder = try Self.holderOfTheVictim(status)
        #expect(holder.map { workers.contains($0.pid) } == true)
        if let holder { kill(holder.pid, SIGKILL) }
        #expect(waitForExit(controller) == 0, "\(String(describing: try? String(contentsOfFile: setup.run("controller.err"), encoding: .utf8)))")
        for pid in workers { #expect(waitForExit(pid) == (pid == holder?.pid ? 128 + SIGKILL : 0)) }
        let log = try Self.trials(status)
        Self.checkLog(log, killed: holder != nil)
        #expect(Self.sequence(log) == expected)
        let victim = log.first { $0["id"] as? Int == Self.victim }
        #expect((victim?["failure"] as? String) == holder.map { "lease expired (worker \($0.name))" })
    }

    /// A worker sent to a run that does not exist says so and stops once its idle timeout
    /// (default `Worker.missingRunGrace`) is over: it used to wait for it forever. A password given in the URL's query shows nowhere — not in messages, status
    /// (text or JSON), hints, the report, or a Slurm job script.
    @Test func aMissingRunStopsAWorkerAndPasswordsShowNowhere() throws {
        let setup = try Setup(evaluator: Self.evaluator)
        let url = try LoopbackPostgres.server().newDatabase() + "?password=hunter2"
        let storage = ["--storage", url]
        let worker = try Nas.run(["worker", "--run", "NOPE", "--idle-timeout", "1"] + storage)
        #expect(worker.status != 0 && worker.stderr.contains("there is no run 'NOPE'"), "\(worker.stderr)")
        var outputs = [worker.stdout, worker.stderr]
        let search = try Nas.run(["search", "--run", "secret", "--evaluator", "dry-run", "--trials", "4"] + storage + ["--space", setup.space])
        #expect(search.status == 0, "\(search.stderr)")
        outputs += [search.stdout, search.stderr]
        for command in [["status", "secret"], ["status", "secret", "--json"], ["search", "--run", "secret", "--space", setup.space],
                        ["status", "missing"], ["export", "secret", "--format", "json"]] {
            let result = try Nas.run(command + storage)
            outputs += [result.stdout, result.stderr]
        }
        let report = setup.run("secret.html")
        #expect(try Nas.run(["report", "secret", "--output", report] + storage).status == 0)
        outputs.append(try String(contentsOfFile: report, encoding: .utf8))
        let slurm = try Nas.run(["slurm", "workers", "--run", "secret", "--count", "2", "--dry-run"] + storage)
        #expect(slurm.status == 0 && slurm.stdout.contains("PGPASSWORD=*** sbatch"), "\(slurm.stdout) \(slurm.stderr)")
        outputs += [slurm.stdout, slurm.stderr]
        for malformed in ["postgresql://swiftnas:hunter2@@127.0.0.1:1/x", "postgres//swiftnas:hunter2@127.0.0.1/x"] {
            let result = try Nas.run(["status", "x", "--storage", malformed])
            #expect(result.status != 0)
            outputs += [result.stdout, result.stderr]
        }
        #expect(outputs.allSatisfy { !$0.contains("hunter2") }, "\(outputs.filter { $0.contains("hunter2") })")
    }
}
