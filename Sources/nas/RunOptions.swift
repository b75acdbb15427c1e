import ArgumentParser
import Foundation
import NASSearch
import NASSearchSpace

/// A space file's text (stored with a new run) and the space it parses to.
func readSpace(_ path: String) throws -> (text: String, space: SearchSpace) {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw CommandError("cannot read the space file '\(path)'")
    }
    let text = String(decoding: data, as: UTF8.self)
    return (text, try SearchSpace.parse(text, file: path))
}

/// Options of the commands that run a search (`search`, `resume`).
struct RunOptions: ParsableArguments {
    @Option(help: "Evaluations at once in this process (default: one per core for a new search, the run's own on resume; 0: none, `nas worker` processes evaluate). Never changes which architectures are tried.")
    var workers: Int?

    @Option(help: "Folder for decoded-data caches.")
    var cache: String?

    @Flag(help: "Print nothing while it runs.")
    var quiet = false
}
