import ArgumentParser
import NASSearch

/// `--storage`: where the trial log is, for every command that reads or writes a run.
struct StorageOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "A shared PostgreSQL trial log, postgresql://USER@HOST:PORT/DB (a password from ~/.pgpass or PGPASSWORD); the run is then named, not a folder. Default: the run folder's own SQLite file.",
        valueName: "url"))
    var storage: String?

    func validate() throws {
        if let storage { try RunLocation.validate(storage: storage) }
    }

    func location(_ run: String) -> RunLocation { RunLocation(run: run, storage: storage) }

    /// Refuses an empty run, or a folder run that is a file, before anything is opened.
    func check(run: String) throws { try location(run).checkRun() }
}
