import ArgumentParser

@main
struct Nas: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nas",
        abstract: "SwiftNAS: EfficientNet-style neural architecture search on the CPU.",
        subcommands: [SearchCommand.self, Resume.self, Status.self, Export.self, Report.self, Arch.self, Scale.self, Train.self, Eval.self, Bench.self, WorkerCommand.self, Slurm.self]
    )
}
