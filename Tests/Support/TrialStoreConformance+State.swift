import Foundation

import NASStore

/// The checks of controller state, release, configuration, reopening and derived reads.
extension TrialStoreConformance {
    public func controllerStateIsUpserted() throws {
        let store = try freshStore()
        let run = try newRun(store)
        try expect(try store.controllerState(run: run.id) == nil, "no controller state yet")
        try store.saveControllerState(run: run.id, batch: 0, state: Data([1, 2, 3]))
        try store.saveControllerState(run: run.id, batch: 1, state: Data([0, 255, 4, 0]))
        let loaded = try require(try store.controllerState(run: run.id), "the saved controller state")
        try expect(loaded.batch == 1 && loaded.state == Data([0, 255, 4, 0]), "the last state saved, got \(loaded)")
        try expectError(.runNotFound(id: 9999)) {
            try store.saveControllerState(run: 9999, batch: 0, state: Data())
        }
    }

    /// The controller's state and the batch it proposed land together; numbering continues.
    public func controllerStateAndNextBatchAreOneWrite() throws {
        let store = try freshStore()
        let run = try newRun(store)
        _ = try store.enqueue([trial(0, 0)], run: run.id)
        let next = try store.saveControllerState(run: run.id, batch: 0, state: Data([7]), enqueue: [trial(1, 0), trial(1, 1)])
        try expect(next.map(\.number) == [1, 2] && next.allSatisfy { $0.state == .queued && $0.batch == 1 },
                   "batch 1 queued as numbers 1, 2: \(next)")
        try expectEqual(try store.controllerState(run: run.id)?.state, Data([7]), "controller state")
        // A failing write leaves neither: the run does not exist, so nothing is stored.
        try expectError(.runNotFound(id: 9999)) {
            _ = try store.saveControllerState(run: 9999, batch: 0, state: Data(), enqueue: [trial(1, 0)])
        }
        try expectEqual(try store.trials(run: run.id).count, 3, "trials")
    }

    /// A resumed search takes back the trials its killed process held, lease or not, and only
    /// those; an interruption is not a failure, so however often it happens the trial is
    /// queued again with its attempt given back.
    public func releaseRequeuesOneProcessesTrials() throws {
        let store = try freshStore()
        let run = try newRun(store)
        let queued = try store.enqueue((0..<3).map { trial(0, $0) }, run: run.id)
        _ = try store.claim(run: run.id, worker: "local-1-a", lease: 3600, now: t0)
        _ = try store.claim(run: run.id, worker: "remote-b", lease: 3600, now: t0)
        _ = try store.claim(run: run.id, worker: "local-1-b", lease: 3600, now: t0)
        let released = try store.release(run: run.id, workerPrefix: "local-1-", reason: "interrupted", now: t0 + 1)
        try expectEqual(released.map(\.id), [queued[0].id, queued[2].id], "released ids")
        try expect(released.allSatisfy { $0.state == .queued && $0.worker == nil && $0.failure == "interrupted" && $0.attempts == 0 },
                   "released trials queued, no worker, the reason stored, the attempt given back: \(released)")
        try expectEqual(try store.trials(run: run.id)[1].state, .running, "the other process's trial")
        // Claimed and released again, far more often than any attempt limit: still queued,
        // still no attempt used.
        for process in 2..<10 {
            let claimed = try require(try store.claim(run: run.id, worker: "local-\(process)-a", lease: 3600, now: t0),
                                      "a claimed trial")
            try expect(claimed.id == queued[0].id && claimed.attempts == 1, "trial 0 claimed, 1 attempt: \(claimed)")
            let again = try store.release(run: run.id, workerPrefix: "local-\(process)-", reason: "interrupted", now: t0 + 2)
            try expect(again.count == 1 && again[0].state == .queued && again[0].attempts == 0,
                       "released again, queued, 0 attempts: \(again)")
        }
        // An expired lease still counts: claimed by a worker that dies, the attempt is used.
        _ = try store.claim(run: run.id, worker: "remote-c", lease: 1, now: t0)
        let expired = try store.requeueExpired(run: run.id, now: t0 + 5, maxAttempts: 1)
        try expect(expired.map(\.id) == [queued[0].id] && expired.first?.state == .failed, "trial 0 failed: \(expired)")
        try expectEqual(expired[0].failure, "lease expired (worker remote-c) after 1 attempts", "failure")
    }

    public func configIsReplaced() throws {
        let store = try freshStore()
        let run = try newRun(store)
        let updated = try store.updateConfig(run: run.id, config: #"{"batches":9}"#)
        try expect(updated.config == #"{"batches":9}"# && updated.space == run.space && updated.id == run.id,
                   "only the config replaced: \(updated)")
        try expectEqual(try store.run(named: "search")?.config, #"{"batches":9}"#, "stored config")
        try expectError(.runNotFound(id: 9999)) { _ = try store.updateConfig(run: 9999, config: "{}") }
    }

    /// A new handle on persistent storage sees everything (resuming a search).
    public func reopeningKeepsEverything() throws {
        let open = try makeStorage()
        var before: (RunRecord, [TrialRecord])
        do {
            let store = try open()
            let run = try newRun(store)
            let queued = try store.enqueue((0..<3).map { trial(0, $0) }, run: run.id)
            _ = try store.claim(run: run.id, worker: "w1", lease: 60, now: t0)
            _ = try store.complete(trial: queued[0].id, worker: "w1", result: result(0.4), now: t0 + 5)
            _ = try store.claim(run: run.id, worker: "w1", lease: 60, now: t0 + 6)
            try store.saveControllerState(run: run.id, batch: 0, state: Data("lstm".utf8))
            before = (run, try store.trials(run: run.id))
        }
        let store = try open()
        let run = try require(try store.run(named: "search"), "the run, from a new handle")
        try expectEqual(run, before.0, "run")
        try expectEqual(try store.trials(run: run.id), before.1, "trials")
        try expectEqual(try store.controllerState(run: run.id)?.state, Data("lstm".utf8), "controller state")
        // The crashed worker's trial comes back and numbering continues.
        try expectEqual(try store.requeueExpired(run: run.id, now: t0 + 1000, maxAttempts: 3).map(\.number), [1], "requeued")
        try expectEqual(try store.enqueue([trial(1, 0)], run: run.id).map(\.number), [3], "next number")
    }

    public func derivedBestAndCounts() throws {
        let store = try freshStore()
        let run = try newRun(store)
        try expect(try store.trials(run: run.id).bestIncludingReferences == nil, "no best trial yet")
        try expectEqual(try store.counts(run: run.id), [.queued: 0, .running: 0, .complete: 0, .failed: 0], "counts")
        let queued = try store.enqueue((0..<5).map { trial(0, $0) }, run: run.id)
        for (index, reward) in [0.3, 0.8, 0.8].enumerated() {
            _ = try store.claim(run: run.id, worker: "w", lease: 60, now: t0)
            _ = try store.complete(trial: queued[index].id, worker: "w", result: result(reward), now: t0)
        }
        _ = try store.claim(run: run.id, worker: "w", lease: 60, now: t0)
        _ = try store.fail(trial: queued[3].id, worker: "w", reason: "oom", now: t0)
        try expectEqual(try store.trials(run: run.id).bestIncludingReferences?.id, queued[1].id, "best (ties go to the earlier trial)")
        try expectEqual(try store.counts(run: run.id), [.queued: 1, .running: 0, .complete: 3, .failed: 1], "counts")
        // The tally and one batch's trials, read without the whole log.
        _ = try store.enqueue([trial(1, 0, reference: true), trial(1, 1)], run: run.id)
        _ = try store.claim(run: run.id, worker: "w", lease: 60, now: t0)
        try expectEqual(try store.tally(run: run.id), TrialTally(sampled: 6, queued: 2, running: 1, lastBatch: 1), "tally")
        try expectEqual(try store.trials(run: run.id, batch: 1).map(\.number), [5, 6], "batch 1")
        try expectEqual(try store.trials(run: run.id, batch: 0).count, 5, "batch 0 size")
        try expect(try store.trials(run: run.id, batch: 9).isEmpty, "no trials in batch 9")
        try expectEqual(try store.tally(run: 9999), TrialTally(sampled: 0, queued: 0, running: 0), "tally of a missing run")
        // Leader evaluations count once they follow the last sampled trial.
        _ = try store.enqueue([trial(2, 0, reference: true), trial(2, 1, reference: true)], run: run.id)
        try expectEqual(try store.tally(run: run.id), TrialTally(sampled: 6, queued: 4, running: 1, finalLeaders: 2, lastBatch: 2), "leaders last")
        // Promoted evaluations (rung > 0) are not leaders; the rung is stored and read back.
        let promoted = try store.enqueue([NewTrial(batch: 3, architecture: "arch 0.1", decisions: [0, 1, 3], seed: 7, isReference: true, rung: 2)], run: run.id)
        try expectEqual(promoted.map(\.rung), [2], "rung stored")
        try expectEqual(try store.trials(run: run.id).last?.rung, 2, "rung read back")
        try expectEqual(try store.trials(run: run.id).first?.rung, 0, "rung 0 by default")
        try store.saveControllerState(run: run.id, batch: 2, state: Data("s".utf8))
        try expectEqual(try store.tally(run: run.id), TrialTally(sampled: 6, queued: 5, running: 1, finalLeaders: 2, lastBatch: 3, controllerBatch: 2),
                        "promoted, and the controller's batch")
    }
}
