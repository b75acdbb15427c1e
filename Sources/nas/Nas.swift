import ArgumentParser

@main
struct Nas: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nas",
        abstract: "SwiftNAS: EfficientNet-style neural architecture search on the CPU.",
        subcommands: [SearchCommand.self, ResumeCommand.self, FidelityCommand.self, RescoreCommand.self, StatusCommand.self, ExportCommand.self, ReportCommand.self, ArchCommand.self, ScaleCommand.self, TrainCommand.self, EvalCommand.self, BenchCommand.self, WorkerCommand.self, SlurmCommand.self]
    )
}
