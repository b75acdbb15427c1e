import ArgumentParser
struct Slurm: ParsableCommand { static let configuration = CommandConfiguration(abstract: "x") }
