import ArgumentParser
import Foundation
import NASPresentation
import NASSearch

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a run's report: one self-contained HTML page with SVG plots.",
        discussion: """
            Reward and accuracy per trial, the controller's entropy and baseline per update,
            accuracy against MACs with the Pareto front, the best architecture beside the
            reference (EfficientNet-B0), its B1…B7 family and the top trials (Docs/REPORT.md).
            With --compare, a section sets other strategies' runs beside this one: best reward,
            sampled trials needed to reach the reference's reward, best reward so far.
            Safe while the search runs. Writes DIR/report.html unless --output is given;
            --output refuses to overwrite an existing file unless --force.

            Examples:
              nas report Runs/quickstart && xdg-open Runs/quickstart/report.html
              nas report Runs/quickstart --output /tmp/quickstart.html --force
              nas report Runs/b0-rediscovery --compare Runs/b0-rediscovery-random --compare Runs/b0-rediscovery-evolution
            """
    )

    static let defaultName = "report.html"

    @Argument(help: "The run folder (with --storage, the run's name).")
    var runDirectory: String

    @OptionGroup var storage: StorageOptions

    @Option(help: "Write here instead of DIR/\(ReportCommand.defaultName) (with --storage: NAME-\(ReportCommand.defaultName) here) (refuses to overwrite unless --force).")
    var output: String?

    @Flag(help: "Overwrite --output if it exists.")
    var force = false

    @Option(name: .customLong("compare"), help: ArgumentHelp(
        "Another strategy's run on the same space, reward and proxy to set beside this one (repeatable).", valueName: "dir"))
    var comparisons: [String] = []

    func validate() throws { try storage.check(run: runDirectory) }

    func run() throws {
        var report = try RunReport.load(storage.location(runDirectory))
        try report.addComparisons(directories: comparisons)
        let path = output ?? defaultPath
        if output != nil, FileManager.default.fileExists(atPath: path), !force {
            throw CommandError("\(path) exists; pass --force to overwrite it")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw CommandError("\(path) is a folder, not a file")
        }
        do { try Data(report.html().utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            // The default output is beside the run: a run on read-only media, or another
            // user's, is read fine but cannot take its report.
            if output == nil, access((path as NSString).deletingLastPathComponent, W_OK) != 0 {
                throw CommandError("cannot write \(path): the run folder is not writable (\(String(cString: strerror(errno)))); pass --output FILE to write the report elsewhere")
            }
            throw CommandError("cannot write \(path): \(error.localizedDescription)")
        }
        if let study = report.status.fidelity {
            print("wrote \(path): a fidelity study, \(report.status.finished) of \(report.status.trials.count) trainings at \(study.budgets.count) budgets")
        } else {
            let best = report.bestSample.map { ", best trial \($0.id)" } ?? ", no complete trial yet"
            print("wrote \(path): \(report.status.trials.count) trials\(best)")
        }
    }

    /// A folder run's report goes into its folder. A database run's name is any text (it may
    /// be `../../x` or `/etc/x`): its report goes to the current folder, under a file name
    /// made from it (`RunLocation.fileName`), never to a path the name spells.
    var defaultPath: String {
        guard storage.storage != nil else { return (runDirectory as NSString).appendingPathComponent(Self.defaultName) }
        return "\(RunLocation.fileName(runDirectory))-\(Self.defaultName)"
    }
}
