import Foundation
import NASFormatting
import NASTraining

/// The live progress line on stderr: redrawn in place on a terminal, one line per update
/// (at most every few seconds) otherwise, so logs stay readable.
final class ProgressLine {
    private let interactive = isatty(2) != 0
    private var lastPrint = Date.distantPast

    func update(_ p: TrainingProgress) {
        let now = Date()
        let done = p.step == p.totalSteps
        if !interactive, !done, now.timeIntervalSince(lastPrint) < 10 { return }
        lastPrint = now
        let line = String(
            format: "step %d/%d  epoch %.2f  loss %.4f  acc %.3f  lr %.4f  %.0f img/s  %@ left",
            p.step, p.totalSteps, p.epoch, p.loss, p.accuracy, p.learningRate, p.imagesPerSecond, Formatting.clock(p.eta))
        let stage = p.stage.map { "stage \($0.index + 1)/\(p.stages) at \($0.resolution) px  " } ?? ""
        FileHandle.standardError.write(Data(((interactive ? "\r\u{1B}[K" : "") + stage + line + (interactive && !done ? "" : "\n")).utf8))
    }

    func message(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// One JSON line on stdout.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
