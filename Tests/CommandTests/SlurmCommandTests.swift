import Foundation
import Testing

import NASTestSupport

/// `nas slurm workers` and `nas search --submit slurm` on a loopback Slurm (part of the
/// serialized `DistributedTests` suite, which holds the servers and helpers).
extension DistributedTests {
    @Test func slurmJobArrayWorkersOneKilledMidTrialMatchTheSQLiteRun() throws {
        let setup = try Setup(evaluator: Self.evaluator)
        let expected = try Self.reference(setup)
        let slurm = try LoopbackSlurm.cluster()
        let url = try LoopbackPostgres.server().newDatabase()
        let storage = ["--storage", url]
        let controller = try spawn(Nas.executable.path, ["search", "--run", "array", "--workers", "0"] + storage + Self.searchArguments(setup),
                                   stdout: setup.run("controller.out"), stderr: setup.run("controller.err"))
        let submitted = try runProgram(
            Nas.executable.path,
            ["slurm", "workers", "--run", "array", "--count", "3", "--lease", "2", "--logs", setup.run("logs")] + storage,
            environment: slurm.environment)
        let job = submitted.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Int(job) != nil, "sbatch printed '\(submitted)'")
        // The array task holding the victim trial, killed with SIGKILL mid-trial (a lost node).
        let holder = try Self.holderOfTheVictim(["array"] + storage)
        #expect(holder?.name.hasPrefix("slurm-\(job)_") == true)
        if let holder { kill(holder.pid, SIGKILL) }
        #expect(waitForExit(controller) == 0, "\(String(describing: try? String(contentsOfFile: setup.run("controller.err"), encoding: .utf8)))")
        let log = try Self.trials(["array"] + storage)
        Self.checkLog(log, killed: holder != nil)
        #expect(Self.sequence(log) == expected)
        #expect(log.allSatisfy { ($0["worker"] as? String)?.hasPrefix("slurm-\(job)_") == true })
        // The surviving tasks end by themselves once the run is finished.
        let deadline = Date() + 30
        var left = ""
        repeat {
            left = try runProgram("/usr/bin/squeue", ["-h", "-j", job], environment: slurm.environment)
            if left.isEmpty { break }
            usleep(250_000)
        } while Date() < deadline
        #expect(left.isEmpty, "still queued or running: \(left)")
    }

    /// `--submit slurm`: each trial is its own job; results come back through the job's output file.
    @Test func eachTrialAsASlurmJobMatchesTheSQLiteRun() throws {
        let setup = try Setup(evaluator: Self.evaluator)
        let expected = try Self.reference(setup, slowVictim: false)
        let slurm = try LoopbackSlurm.cluster()
        let run = setup.run("submitted")
        _ = try runProgram(Nas.executable.path, ["search", "--run", run, "--workers", "4", "--submit", "slurm", "--quiet"] + Self.searchArguments(setup),
                           environment: slurm.environment)
        let log = try Self.trials([run])
        Self.checkLog(log, killed: false)
        #expect(Self.sequence(log) == expected)
        let output = try String(contentsOfFile: run + "/slurm-jobs/trial-0.out", encoding: .utf8)
        #expect(output.contains("\"accuracy\""))
    }
}
