import Foundation
import NASSearch
import NASArchitecture
import NASFormatting
import NASStore

/// A trial's architecture in a form other tools (and `nas arch`, `nas train`) read back.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// `ArchitectureJSON` plus the trial's results under "trial".
    case json
    /// The architecture file: settings, then timm block strings, one stage per line.
    case timm
    /// The same settings, then TF block strings (EfficientNet's official form), one per line.
    case tf
    /// A report: the stage table, the decisions and the trial's results.
    case markdown
    /// A trained model folder's network with its weights (`ONNXExport.modelFolder`, Docs/ONNX.md).
    case onnx
}

public enum Export {
    static func noWeights(_ what: String) -> String {
        "\(what) kept no weights (start a search with --keep-weights to keep them), so there is nothing to put in an "
            + "ONNX file: export the architecture (--format json), train it with `nas train ARCH --out DIR`, then "
            + "`nas export DIR --format onnx`"
    }

    /// The trial `selector` names in a run folder or a run in a database: "best" (the sampled
    /// trial of the search's best architecture, `RunStatus.best`: decided at the highest
    /// promotion rung when there is one), "leader" (the leader's best evaluation:
    /// the controller's most likely architecture), "promoted" (the best evaluation of the
    /// best architecture at the highest promotion rung) or a trial number.
    public static func trial(_ location: RunLocation, selector: String) throws(SearchError) -> (TrialSummary, Network, RunStatus) {
        try trial(RunSnapshot.load(location), selector: selector)
    }

    /// The trial `selector` names in a run already read.
    static func trial(_ snapshot: RunSnapshot, selector: String) throws(SearchError) -> (TrialSummary, Network, RunStatus) {
        let directory = snapshot.location.description
        let status = RunStatus(snapshot)
        let summary: TrialSummary
        if selector == "best" {
            guard let best = status.best else {
                throw .noSuchTrial("no trial of \(directory) has completed yet, so there is no best one")
            }
            summary = best
        } else if selector == "leader" {
            let evaluations = status.trials.leaderEvaluations
            // Any evaluation has the architecture; the best complete one has the weights to keep.
            guard let leader = evaluations.max(by: { ($0.completeReward ?? -.infinity) < ($1.completeReward ?? -.infinity) }) else {
                throw .noSuchTrial("\(directory) has no leader evaluations (a search evaluates its controller's most likely architecture once its budget is spent, with --leader-evaluations N)")
            }
            summary = leader
        } else if selector == "promoted" {
            // The best evaluation of the best architecture at the highest rung reached.
            guard let entry = status.promotion?.best,
                  let trial = entry.trials.compactMap({ id in status.trials.first { $0.id == id } })
                      .max(by: { ($0.completeReward ?? -.infinity, -$0.id) < ($1.completeReward ?? -.infinity, -$1.id) }) else {
                throw .noSuchTrial("\(directory) has no promoted evaluation yet (a search with --promote evaluates each batch's best again at larger budgets)")
            }
            summary = trial
        } else {
            guard let number = Int(selector) else { throw .invalid("--trial must be 'best', 'leader', 'promoted' or a trial number, got '\(selector)'") }
            guard let found = status.trials.first(where: { $0.id == number }) else {
                throw .noSuchTrial("\(directory) has no trial \(number) (trials are numbered 0…\(max(0, status.trials.count - 1)))")
            }
            summary = found
        }
        var network: Network
        do { network = try snapshot.trial(number: summary.id)!.network.get() } catch { throw .architecture(error) }
        network.name = "\(status.run.name)-trial\(summary.id)"
        return (summary, network, status)
    }

    public static func render(_ network: Network, trial: TrialSummary, run: RunStatus.Run, format: ExportFormat) throws(SearchError) -> String {
        let origin = "trial \(trial.id) of run \(run.name)"
        switch format {
        case .json:
            var object = (try? JSONSerialization.jsonObject(with: Data(ArchitectureJSON(network).encoded().utf8))) as? [String: Any] ?? [:]
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            object["trial"] = (try? JSONSerialization.jsonObject(with: encoder.encode(trial))) ?? [:]
            object["run"] = run.name
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self) + "\n"
        case .timm:
            return header(origin, trial) + stemStrideComment(network) + ArchitectureFile.encode(network)
        case .tf:
            let strings: [String]
            do { strings = try network.tfBlockStrings() } catch {
                throw .architecture(error)
            }
            return header(origin, trial) + stemStrideComment(network) + ArchitectureFile.encodeSettings(network) + strings.joined(separator: "\n") + "\n"
        case .markdown:
            return markdown(network, trial: trial, run: run)
        case .onnx:
            throw .invalid("ONNX is written from the trained model, not rendered from an architecture: use Export.onnx(_:trial:)")
        }
    }

    /// The file formats keep the stride as a setting; the comment warns readers of the strings.
    private static func stemStrideComment(_ network: Network) -> String {
        network.stemStrideNote.map { "# \($0)\n" } ?? ""
    }

    private static func header(_ origin: String, _ trial: TrialSummary) -> String {
        var text = "# \(origin)"
        if let reward = trial.reward, let accuracy = trial.accuracy {
            text += String(format: ": reward %.4f, accuracy %.4f", reward, accuracy)
        }
        return text + "\n"
    }

    private static func markdown(_ network: Network, trial: TrialSummary, run: RunStatus.Run) -> String {
        let summary = ArchitectureSummary(network)
        // Names come from the user (a run name can be any text): escaped, so they stay text.
        var lines = ["# \(markdownEscaped(network.name)): trial \(trial.id) of run \(markdownEscaped(run.name))", ""]
        func number(_ value: Double?) -> String { Formatting.fixed(value, digits: 4) }
        lines.append("| | |")
        lines.append("|---|---|")
        lines.append("| reward | \(number(trial.reward)) |")
        lines.append("| accuracy (proxy) | \(number(trial.accuracy)) |")
        lines.append("| MACs at \(summary.resolution) | \(summary.macs.formatted()) |")
        lines.append("| parameters | \(summary.params.formatted()) |")
        lines.append("| reward metric | \(run.reward.metric.rawValue), target \(RunStatus.target(run.reward)), α \(run.reward.alpha), β \(run.reward.beta) |")
        lines.append("")
        lines.append("| stage | operator | resolution | channels | layers | stride | params | MACs |")
        lines.append("|---|---|---|---|---|---|---|---|")
        for stage in summary.stages {
            lines.append("| \(stage.index) | \(stage.operator) | \(stage.inputResolution) | \(stage.outputChannels) | \(stage.layers) | \(stage.stride) | \(stage.params.formatted()) | \(stage.macs.formatted()) |")
        }
        if !trial.decisions.isEmpty {
            lines.append("")
            lines.append("Decisions: " + trial.decisions.sorted { $0.key.localizedStandardCompare($1.key) == .orderedAscending }
                .map { codeSpan("\($0.key)=\($0.value)") }.joined(separator: ", "))
        }
        lines.append("")
        lines.append("timm arch-def:")
        lines.append("```")
        lines += summary.timm.map { $0.joined(separator: " ") }
        lines.append("```")
        if let tf = summary.tf {
            lines.append("TF block strings:")
            lines.append("```")
            lines += tf
            lines.append("```")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Text that Markdown (and the HTML it may hold) shows as written inside a line: the
    /// characters with a meaning there (emphasis, code, links, table cells, strike-through,
    /// the escape itself) are backslash-escaped, `<`, `>` and `&` become entities (a raw `<`
    /// starts an HTML tag), and line breaks become spaces. Line-start syntax (`#`, `-`, `1.`)
    /// needs nothing: the name never starts a line.
    static func markdownEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "&": escaped += "&amp;"
            case _ where character.isNewline: escaped += " "
            case _ where "\\`*_[]|~".contains(character): escaped += "\\" + String(character)
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// An inline code span that holds any text: its fence is one backtick longer than the
    /// longest run of backticks inside, with padding when the text starts or ends with one.
    static func codeSpan(_ text: String) -> String {
        let flat = String(text.map { $0.isNewline ? " " : $0 })
        let longestRun = flat.split { $0 != "`" }.map(\.count).max() ?? 0
        let fence = String(repeating: "`", count: longestRun + 1)
        let padding = flat.hasPrefix("`") || flat.hasSuffix("`") ? " " : ""
        return fence + padding + flat + padding + fence
    }
}

