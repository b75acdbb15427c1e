import Foundation
import NASFormatting
import NASSearch
import NASStore

/// The search's display on stderr: one line per finished trial and per controller update,
/// and on a terminal a live line of the running trials redrawn in place.
final class SearchProgress: @unchecked Sendable {
    private let interactive = isatty(2) != 0
    private let quiet: Bool
    private var total = 0
    private var finished = 0
    /// Sampled trials finished when this process started (a resumed search's earlier ones):
    /// the time left is estimated from this process's own trials only.
    private var finishedAtStart = 0
    private var best: (number: Int, reward: Double)?
    private var running: [Int: Double] = [:]
    private var lastLive = Date.distantPast
    private var start = Date()
    private var liveShown = false
    private var waitingSaid: Int?
    /// A planned study's kind and batch labels (a fidelity study's budgets); nil for a search.
    private var studyBudgets: [String]?
    private var studyKind = "study"

    init(quiet: Bool) { self.quiet = quiet }

    /// Called one event at a time (the search serializes them).
    func handle(_ event: SearchEvent) {
        switch event {
        case let .started(run, resumed, finished, total, released, best):
            self.total = total
            if let best, let reward = best.result?.reward { self.best = (best.number, reward) }
            self.finished = finished
            finishedAtStart = finished
            start = Date()
            say("\(resumed ? "resuming" : "starting") \(studyBudgets == nil ? "search" : studyKind) \(run): \(finished)/\(total) trials done"
                + (released.isEmpty ? "" : "; \(released.count) interrupted trial\(released.count == 1 ? "" : "s") will re-run (\(released.map { "#\($0.number)" }.joined(separator: ", ")))"))
        case .trialStarted(let trial, _):
            running[trial.number] = 0
            live()
        case let .trialProgress(number, fraction):
            running[number] = fraction
            live()
        case .trialFinished(let trial):
            running[trial.number] = nil
            if trial.role == .sampled { finished += 1 }
            // The best at the proxy's budget: leaders and promoted evaluations train longer.
            if trial.role == .sampled || trial.role == .reference, let reward = trial.result?.reward, reward > (best?.reward ?? -.infinity) {
                best = (trial.number, reward)
            }
            say(line(trial))
        case let .trialLost(trial, reason):
            running[trial.number] = nil
            say("trial \(trial.number): result dropped (\(reason)); it runs again")
        case .requeued(let trials):
            for trial in trials {
                say(trial.state == .failed ? "trial \(trial.number) failed: \(trial.failure ?? "")"
                    : "trial \(trial.number) queued again: \(trial.failure ?? "its worker stopped")")
            }
        case let .waiting(batch, queued, running):
            // Once per batch: the trial lines that follow show the progress.
            guard queued + running > 0, waitingSaid != batch else { break }
            waitingSaid = batch
            say("batch \(batch): waiting for workers (\(queued) queued, \(running) running elsewhere)")
        case let .reconnecting(message, pause):
            say("database error (\(message)); retrying in \(Int(pause)) s")
        case let .sharedStep(step, total, loss):
            // A line per 100 steps (steps take tenths of a second; trials say the rest).
            if step % 100 == 0 || step == total {
                say(String(format: "shared weights: step %d/%d, loss %.3f, %@ elapsed", step, total, loss, Formatting.clock(Date().timeIntervalSince(start))))
            }
        case let .updated(batch, statistics):
            let parts = [
                statistics.meanReward.map { String(format: "batch mean reward %.4f", $0) },
                statistics.baseline.map { String(format: "baseline %.4f", $0) },
                statistics.entropy.map { String(format: "entropy %.3f", $0) },
            ].compactMap { $0 }
            say("controller updated on batch \(batch)" + (parts.isEmpty ? "" : ": " + parts.joined(separator: ", ")))
        case let .finished(best, leader):
            let elapsed = Formatting.clock(Date().timeIntervalSince(start))
            if let best, let result = best.result {
                say(String(format: "search finished in %@: best sampled trial %d, reward %.4f, accuracy %.4f, %.1fM MACs", elapsed, best.number,
                           result.reward, result.accuracy, Double(result.macs) / 1e6))
            } else {
                say("search finished in \(elapsed) with no completed trial")
            }
            if let line = Self.leaderLine(leader) { say(line) }
        case let .studyStarted(kind, budgets):
            (studyKind, studyBudgets) = (kind, budgets)
        case let .studyFinished(complete, failed):
            say("\(studyKind) finished in \(Formatting.clock(Date().timeIntervalSince(start))): \(complete) trainings complete, \(failed) failed")
        }
    }

    /// The leader's mean over its complete evaluations, or nil when there were none.
    static func leaderLine(_ leader: [TrialRecord]) -> String? {
        let results = leader.compactMap(\.result)
        guard let first = leader.first, !results.isEmpty else { return nil }
        let mean = { (value: (TrialResult) -> Double) in results.map(value).reduce(0, +) / Double(results.count) }
        return String(format: "leader (the controller's most likely architecture, trials %d–%d): mean reward %.4f, mean accuracy %.4f over %d evaluation%@, %.1fM MACs",
                      first.number, leader.last!.number, mean(\.reward), mean(\.accuracy), results.count, results.count == 1 ? "" : "s",
                      Double(results[0].macs) / 1e6)
    }

    private func line(_ trial: TrialRecord) -> String {
        let tag = trial.role == .sampled ? String(format: "%3d/%d", finished, total) : trial.role.rawValue
        guard let result = trial.result else {
            return "[\(tag)] trial \(trial.number) failed: \(trial.failure ?? "unknown reason")"
        }
        var text = String(format: "[%@] trial %d  acc %.4f  reward %.4f  %6.1fM MACs  %5.2fM params  %5.1fs",
                          tag, trial.number, result.accuracy, result.reward, Double(result.macs) / 1e6,
                          Double(result.params) / 1e6, result.seconds)
        if let budgets = studyBudgets {
            // A study has no best; its budgets differ in cost, so no time estimate either.
            return text + "  " + (budgets.indices.contains(trial.batch) ? budgets[trial.batch] : "")
        }
        if let best { text += String(format: "   best %.4f (#%d)", best.reward, best.number) }
        if finished > finishedAtStart, total > finished {
            let perTrial = Date().timeIntervalSince(start) / Double(finished - finishedAtStart)
            text += "  ~\(Formatting.clock(perTrial * Double(total - finished))) left"
        }
        return text
    }

    private func live() {
        guard interactive, !quiet, Date().timeIntervalSince(lastLive) > 0.5 else { return }
        lastLive = Date()
        let items = running.keys.sorted().map { String(format: "#%d %.0f%%", $0, (running[$0] ?? 0) * 100) }
        let text = "running: " + items.joined(separator: ", ") + "  (\(finished)/\(total) done, \(Formatting.clock(Date().timeIntervalSince(start))))"
        writeStandardError("\r\u{1B}[K" + text)
        liveShown = true
    }

    private func say(_ text: String) {
        guard !quiet else { return }
        let clear = interactive && liveShown ? "\r\u{1B}[K" : ""
        liveShown = false
        writeStandardError(clear + text + "\n")
    }
}

/// Reports a first decode of the proxy dataset every 10%, like `nas train`.
func dataProgress() -> @Sendable (Int, Int) -> Void {
    let counter = DecileCounter()
    return { done, total in
        guard let decile = counter.advance(done: done, total: total) else { return }
        writeStandardError("decoding images: \(decile * 10)% (\(done)/\(total)), cached for next time\n")
    }
}

/// Writes to stderr, ignoring failures: a closed pipe (`nas search … | head`) must not stop a
/// search, whose work is in its log, not on the terminal.
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if written <= 0 { return }
        offset += written
    }
}

/// Ctrl-C ends a search at once, like kill -9 would (nothing is lost: the log has every
/// finished trial), but says how to continue. Set up by `search` and `resume`.
func exitOnInterrupt(resume arguments: String) {
    signal(SIGINT, SIG_IGN)
    signal(SIGTERM, SIG_IGN)
    for number in [SIGINT, SIGTERM] {
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            writeStandardError("\ninterrupted: running trials will re-run; continue with `nas resume \(arguments)`\n")
            _exit(130)
        }
        source.resume()
        interruptSources.append(source)
    }
}

nonisolated(unsafe) private var interruptSources: [any DispatchSourceSignal] = []
