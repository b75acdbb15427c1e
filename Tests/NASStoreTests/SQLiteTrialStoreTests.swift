import Foundation
import Testing

import NASStore
import NASTestSupport

/// What only the SQLite store has: open modes, foreign files, migrations.
@Suite struct SQLiteTrialStoreTests {
    typealias C = TrialStoreConformance

    private func temporaryPath(_ name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("NASStoreTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    /// New stores never overwrite and existing ones must be ours; refusals write nothing.
    @Test func openModesRefuseWhatIsNotOurs() throws {
        let path = try temporaryPath("trials.sqlite")
        #expect(throws: StoreError.missing(path)) { try SQLiteTrialStore(path: path, mode: .open) }
        #expect(!FileManager.default.fileExists(atPath: path))
        _ = try SQLiteTrialStore(path: path, mode: .create)
        #expect(throws: StoreError.alreadyExists(path)) { try SQLiteTrialStore(path: path, mode: .create) }
        _ = try SQLiteTrialStore(path: path, mode: .open)

        let text = try temporaryPath("notes.sqlite")
        let garbage = Data(String(repeating: "not a database ", count: 300).utf8)
        try garbage.write(to: URL(fileURLWithPath: text))
        #expect {
            try SQLiteTrialStore(path: text, mode: .open)
        } throws: { error in
            guard case StoreError.corrupt(let message) = error else { return false }
            return message.contains("not a SQLite database")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: text)) == garbage)

        let empty = try temporaryPath("empty.sqlite")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        #expect(throws: StoreError.self) { try SQLiteTrialStore(path: empty, mode: .open) }

        // Another program's SQLite database: refused, and its bytes untouched (no WAL switch).
        let foreign = try temporaryPath("other.sqlite")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); c.commit()", foreign]
        try process.run()
        process.waitUntilExit()
        let before = try Data(contentsOf: URL(fileURLWithPath: foreign))
        #expect(throws: StoreError.foreign(foreign)) { try SQLiteTrialStore(path: foreign, mode: .open) }
        #expect(throws: StoreError.foreign(foreign)) { try SQLiteTrialStore(path: foreign) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == before)
    }

    /// A read-only open reads everything, writes nothing and leaves the file's bytes as they
    /// were (a plain open bumps SQLite's schema cookie, so a committed run would show as
    /// modified after `nas status`).
    @Test func readOnlyLeavesTheFileUnchanged() throws {
        let path = try temporaryPath("trials.sqlite")
        #expect(throws: StoreError.missing(path)) { try SQLiteTrialStore(path: path, mode: .readOnly) }
        #expect(!FileManager.default.fileExists(atPath: path))
        do {
            let store = try SQLiteTrialStore(path: path, mode: .create)
            let run = try C.newRun(store)
            _ = try store.enqueue([C.trial(0, 0), C.trial(0, 1)], run: run.id)
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            let store = try SQLiteTrialStore(path: path, mode: .readOnly)
            let run = try #require(try store.runs().first)
            #expect(try store.trials(run: run.id).count == 2)
            #expect(throws: StoreError.self) { try store.enqueue([C.trial(1, 0)], run: run.id) }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        _ = try SQLiteTrialStore(path: path, mode: .open)
        #expect(try SQLiteTrialStore(path: path, mode: .readOnly).runs().count == 1)
    }

    /// Errors print as one line naming what went wrong.
    @Test func errorsAreOneLine() {
        let errors: [StoreError] = [
            .runExists(name: "a"), .runNotFound(id: 1), .trialNotFound(id: 2),
            .notRunning(trial: 3, state: .complete), .leaseLost(trial: 4, worker: "w1", holder: "w2"),
            .leaseLost(trial: 4, worker: "w1", holder: nil), .corrupt("x"), .database("disk\nfull"),
            .foreign("/a"), .alreadyExists("/a"), .missing("/a"),
        ]
        for error in errors { #expect(!error.description.contains("\n")) }
        #expect(StoreError.leaseLost(trial: 4, worker: "w1", holder: "w2").description
                    == "trial 4 is no longer held by worker 'w1' (now held by 'w2')")
    }
}
