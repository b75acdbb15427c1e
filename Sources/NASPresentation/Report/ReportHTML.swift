import Foundation
import NASProcess
import NASSearch
import NASFormatting
import NASArchitecture
import NASController

extension RunReport {
    /// The section headings, in order (the tests look for each).
    public static let sectionTitles = [
        "Run", "Reward and accuracy per trial", "Controller", "Accuracy against MACs", "Best architecture",
        "Scaled family", "Top trials", "How to reproduce",
    ]
    /// The section added after "Controller" when other strategies' runs are compared.
    public static let comparisonTitle = "Against other strategies"

    /// One self-contained HTML page: inline CSS and inline SVG, nothing fetched.
    public func html(generated: Date = Date()) -> String {
        let e = escapeHTML
        var body: [String] = []
        let run = status.run
        body.append("<header><h1>SwiftNAS report: \(e(run.name))</h1>")
        if let scaling = status.scaling {
            body.append("<p class=\"subtitle\">coefficient search on \(e(scaling.baseline)): \(scaling.points.count) grid points × \(scaling.seeds) seeds, \(status.finished) of \(run.trials) trainings finished</p></header>")
        } else if let study = status.fidelity {
            body.append("<p class=\"subtitle\">\(e(run.space)) space, fidelity study of \(study.candidates) candidates at \(study.budgets.count) budgets, \(status.finished) of \(run.trials) trainings finished</p></header>")
        } else {
            body.append("<p class=\"subtitle\">\(e(run.space)) space, \(e(strategyText)), \(status.finished) of \(run.trials) sampled trials finished"
                        + (bestResult.map { "; " + $0 } ?? "") + "</p></header>")
        }
        if let scaling = status.scaling {
            let sections = [(Self.sectionTitles[0], runSection()), (Self.scalingTitle, scalingSection(scaling))]
            for (index, (title, content)) in sections.enumerated() { body.append(section(index + 1, title, content)) }
        } else if let study = status.fidelity {
            // A study has no controller or winner: its result is the table.
            let sections = [(Self.sectionTitles[0], runSection()), (Self.fidelityTitle, fidelitySection(study)),
                            (Self.sectionTitles[3], paretoSection())]
            for (index, (title, content)) in sections.enumerated() { body.append(section(index + 1, title, content)) }
        } else {
            body += searchSections()
        }
        body.append("<footer>Generated \(e(Formatting.date(generated))) by SwiftNAS \(e(SwiftNAS.version)) (<code>nas report</code>); how each number is computed: Docs/REPORT.md.</footer>")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="SwiftNAS \(e(SwiftNAS.version))">
            <title>SwiftNAS report: \(e(run.name))</title>
            <style>
            \(Self.style)
            </style>
            </head>
            <body>
            <main>
            \(body.joined(separator: "\n"))
            </main>
            </body>
            </html>

            """
    }

    /// A search's sections, numbered.
    private func searchSections() -> [String] {
        var sections = [
            (Self.sectionTitles[0], runSection()), (Self.sectionTitles[1], trialSection()),
            (Self.sectionTitles[2], controllerSection()),
        ]
        if let summary = status.weightSharing { sections.append((Self.weightSharingTitle, weightSharingSection(summary))) }
        if !comparisons.isEmpty { sections.append((Self.comparisonTitle, comparisonSection())) }
        sections += [
            (Self.sectionTitles[3], paretoSection()), (Self.sectionTitles[4], architectureSection()),
            (Self.sectionTitles[5], familySection()), (Self.sectionTitles[6], topSection()),
            (Self.sectionTitles[7], reproduceSection()),
        ]
        return sections.enumerated().map { index, entry in section(index + 1, entry.0, entry.1) }
    }

    private func section(_ number: Int, _ title: String, _ content: String) -> String {
        let id = title.lowercased().replacingOccurrences(of: " ", with: "-")
        return "<section id=\"\(id)\">\n<h2>\(number). \(escapeHTML(title))</h2>\n\(content)\n</section>"
    }

    private var strategyText: String {
        status.run.strategy + (status.run.policy.map { "/\($0)" } ?? "")
    }

    private static let noData = "<p class=\"empty\">no data yet</p>"

    // MARK: 1. Run

    private func runSection() -> String {
        let e = escapeHTML
        let run = status.run
        let reward = run.reward
        var rows: [(String, String)] = []
        rows.append(("run", "<strong>\(e(run.name))</strong> in <code>\(e(run.place))</code>, created \(e(Formatting.date(run.created)))"))
        rows.append(("space", "\(e(run.space)) (<code>\(e(run.spaceFile))</code>), costs counted at \(run.resolution)×\(run.resolution)"))
        var strategy = status.scaling != nil ? "none: a coefficient search (<code>nas scale --search</code>) trains every grid point"
            : status.fidelity == nil ? e(strategyText) : "none: a fidelity study (<code>nas fidelity</code>) trains every candidate at every budget"
        if config.controller.strategy == .reinforce, status.fidelity == nil, status.scaling == nil {
            strategy += ", learning rate \(Formatting.compact(config.controller.learningRate)), entropy weight \(Formatting.compact(config.controller.entropyWeight)), baseline decay \(Formatting.compact(config.controller.baselineDecay))"
        }
        rows.append(("strategy", strategy))
        rows.append(("seed", String(run.seed)))
        let preset = reward.preset.map { " (\($0.rawValue))" } ?? ""
        rows.append(("reward", "ACC × (F/T)<sup>w</sup>: metric \(e(reward.metric.rawValue)), target T = \(e(RunStatus.target(reward))), α = \(Formatting.compact(reward.alpha)), β = \(Formatting.compact(reward.beta))\(e(preset))"))
        let proxy = config.proxy
        let budget = proxy.steps.map { "\($0) steps" } ?? "\(Formatting.compact(proxy.epochs)) epochs"
        let evaluator = run.evaluator == "builtin"
            ? "built-in trainer: \(e(proxy.dataset)) at \(proxy.resolution)×\(proxy.resolution), width \(Formatting.compact(proxy.width)), \(budget), batch \(proxy.batch)"
            : "<code>\(e(run.evaluator))</code>" + (config.timeout.map { ", timeout \(Formatting.compact($0)) s" } ?? "")
        rows.append(("evaluator", evaluator))
        let c = status.counts
        let states = "\(c["complete"] ?? 0) complete, \(c["failed"] ?? 0) failed, \(c["running"] ?? 0) running, \(c["queued"] ?? 0) queued"
        if let scaling = status.scaling {
            rows.append(("budget", "\(scaling.points.count) grid points × \(scaling.seeds) seeds, \(run.workers) worker\(run.workers == 1 ? "" : "s")"))
            rows.append(("trainings", "\(status.finished)/\(run.trials) finished: \(states)"))
        } else if let study = status.fidelity {
            rows.append(("budget", "\(study.candidates) correlation candidates × \(study.budgets.count) budgets (the first above; all in section 2), \(run.workers) worker\(run.workers == 1 ? "" : "s")"))
            rows.append(("trainings", "\(status.finished)/\(run.trials) finished: \(states)"))
        } else {
            rows.append(("budget", "\(run.trials) sampled trials in batches of \(run.batch), \(run.workers) worker\(run.workers == 1 ? "" : "s")"
                         + (referenceNames.isEmpty ? "" : "; references: " + referenceNames.sorted { $0.key < $1.key }.map { e($0.value) }.joined(separator: ", "))))
            rows.append(("trials", "\(status.finished)/\(run.trials) sampled trials finished: \(states) (references included); \(status.updates) controller update\(status.updates == 1 ? "" : "s")"))
        }
        let computeSeconds = status.trials.compactMap(\.seconds).reduce(0, +)
        let elapsed = lastFinished.map { Formatting.spelledDuration($0.timeIntervalSince(started)) } ?? "–"
        rows.append(("elapsed", "\(elapsed) from creation to the last finished trial; \(Formatting.spelledDuration(computeSeconds)) of evaluation in all"))
        let planned = status.fidelity != nil || status.scaling != nil  // no controller, no winner
        if !planned { rows.append(("controller", "reward moving average \(Formatting.fraction(status.rewardMovingAverage)), baseline \(Formatting.fraction(status.baseline)), policy entropy \(status.policyEntropy.map { String(format: "%.3f", $0) } ?? "–") nats/decision")) }
        if let best = bestSample, !planned {
            let promoted = status.bestRung > 0 && status.weightSharing == nil
                ? status.promotion.flatMap { promotion in promotion.best.map(promotion.describe) } : nil
            rows.append(("best", promoted.map(e) ?? weightSharingResult.map(e)
                         ?? "trial #\(best.id): reward \(Formatting.fraction(best.reward)), accuracy \(Formatting.fraction(best.accuracy)), \(Formatting.macs(best.macs)) MACs, \(Formatting.params(best.params)) params"))
        }
        if let leader = status.leader {
            let range = leader.rewardRange.map { " (\(Formatting.fraction($0[0]))–\(Formatting.fraction($0[1])))" } ?? ""
            rows.append(("leader", "the controller's most likely architecture, evaluated \(leader.complete) of \(leader.trials.count) times "
                         + "(trials #\(leader.trials.map(String.init).joined(separator: ", #"))): mean reward \(Formatting.fraction(leader.reward))\(range), "
                         + "mean accuracy \(Formatting.fraction(leader.accuracy)), \(Formatting.macs(leader.macs)) MACs"
                         + (leader.sampledAs.map { "; sampled as trial #\($0)" } ?? "")))
        }
        if let promotion = status.promotion {
            rows.append(("promotion", e(promotion.lines.joined(separator: "\n")).replacingOccurrences(of: "\n", with: "<br>")))
        }
        for reference in status.trials where reference.reference {
            let name = referenceNames[reference.id] ?? "reference"
            let result = reference.state == .complete
                ? "reward \(Formatting.fraction(reference.reward)), accuracy \(Formatting.fraction(reference.accuracy)), \(Formatting.macs(reference.macs)) MACs, \(Formatting.params(reference.params)) params"
                : reference.state.rawValue + (reference.failure.map { ": " + e($0) } ?? "")
            rows.append(("reference", "\(e(name)) (trial #\(reference.id)): \(result)"))
        }
        rows.append(("version", "run made by SwiftNAS \(e(run.swiftnasVersion)); report by SwiftNAS \(e(SwiftNAS.version))"))
        return "<table class=\"facts\">\n" + rows.map { "<tr><th>\($0.0)</th><td>\($0.1)</td></tr>" }.joined(separator: "\n") + "\n</table>"
    }

    // MARK: 2. Reward and accuracy per trial

    private func trialSection() -> String {
        let samples = completeSamples
        guard !samples.isEmpty else { return Self.noData }
        let failed = status.trials.filter { $0.state == .failed && $0.role == .sampled }
        let references = status.trials.filter { $0.reference && $0.state == .complete }
        var parts: [String] = []
        parts.append("<p>Each dot is a complete sampled trial, the line its exponential moving average (0.9, as <code>nas status</code>)."
                     + (failed.isEmpty ? "" : " Crosses on the bottom edge are failed trials (\(failed.count)).")
                     + (references.isEmpty ? "" : " Dashed lines are reference trials.") + "</p>")
        parts.append("<div class=\"plots\">")
        for (title, value) in [("Reward", \TrialSummary.reward), ("Accuracy", \TrialSummary.accuracy)] {
            let points = samples.map { (Double($0.id), $0[keyPath: value]!) }
            let average = zip(points, Self.movingAverage(points.map(\.1))).map { ($0.0.0, $0.1) }
            let referenceValues = references.compactMap { $0[keyPath: value] }
            let lastID = Double(status.trials.map(\.id).max() ?? 0)
            var plot = Plot(x: points.map(\.0) + [0, lastID], y: points.map(\.1) + referenceValues, integerX: true)
            for reference in references {
                guard let v = reference[keyPath: value] else { continue }
                plot.horizontal(v, label: "\(referenceNames[reference.id] ?? "reference") \(Formatting.fraction(v))", className: "reference")
            }
            plot.dots(points, className: "dot", titles: samples.map { "trial #\($0.id): \(title.lowercased()) \(Formatting.fraction($0[keyPath: value]))" })
            plot.line(average, className: "average")
            plot.crossesAtBottom(failed.map { Double($0.id) }, className: "failed",
                                 titles: failed.map { "trial #\($0.id) failed: \($0.failure ?? "")" })
            if let best = bestSample, let v = best[keyPath: value] {
                plot.highlight((Double(best.id), v), label: "best #\(best.id)", className: "best")
            }
            plot.legend = [(Plot.dotSwatch("dot"), "trial"), (Plot.lineSwatch("average"), "moving average")]
            if !failed.isEmpty { plot.legend.append((Plot.crossSwatch("failed"), "failed")) }
            if !references.isEmpty { plot.legend.append((Plot.lineSwatch("reference"), "reference")) }
            parts.append("<figure>" + plot.svg(title: "\(title) per trial", xLabel: "trial id", yLabel: title.lowercased(),
                                             xTick: { String(Int($0.rounded())) })
                         + "<figcaption>\(title) per trial</figcaption></figure>")
        }
        parts.append("</div>")
        return parts.joined(separator: "\n")
    }

    // MARK: 3. Controller

    private func controllerSection() -> String {
        var parts: [String] = []
        parts.append("<p>The store keeps only the controller's latest state; its state after every update is reconstructed by replaying it from the seed on the stored batches and rewards (Docs/REPORT.md). Entropy is in nats per decision.</p>")
        if let problem = replay.problem { parts.append("<p class=\"warning\">\(escapeHTML(problem)).</p>") }
        let points = replay.points
        guard !points.isEmpty else { return (parts + [Self.noData]).joined(separator: "\n") }
        let xs = points.map { Double($0.batch) }
        parts.append("<div class=\"plots\">")
        let entropies = points.compactMap { p in p.statistics.entropy.map { (Double(p.batch), $0) } }
        if entropies.isEmpty {
            parts.append("<p class=\"empty\">the \(escapeHTML(status.run.strategy)) strategy reports no entropy yet</p>")
        } else {
            var plot = Plot(x: xs, y: entropies.map(\.1) + (uniformEntropy.map { [$0] } ?? []), yIncludesZero: true, integerX: true)
            if let uniform = uniformEntropy {
                plot.horizontal(uniform, label: "uniform \(String(format: "%.3f", uniform))", className: "uniform", labelAtRight: true)
            }
            plot.line(entropies, className: "entropy")
            plot.dots(entropies, className: "entropy-dot", radius: 2.5,
                      titles: entropies.map { "batch \(Int($0.0)): entropy \(String(format: "%.4f", $0.1))" })
            plot.legend = [(Plot.lineSwatch("entropy"), "policy entropy")]
            if uniformEntropy != nil { plot.legend.append((Plot.lineSwatch("uniform"), "uniform policy")) }
            parts.append("<figure>" + plot.svg(title: "Policy entropy per controller update", xLabel: "batch", yLabel: "nats per decision",
                                             xTick: { String(Int($0.rounded())) })
                         + "<figcaption>Policy entropy after each update</figcaption></figure>")
        }
        let baselines = points.compactMap { p in p.statistics.baseline.map { (Double(p.batch), $0) } }
        let means = points.compactMap { p in p.statistics.meanReward.map { (Double(p.batch), $0) } }
        if !means.isEmpty {
            var plot = Plot(x: xs, y: baselines.map(\.1) + means.map(\.1), integerX: true)
            plot.dots(means, className: "dot", titles: means.map { "batch \(Int($0.0)): mean reward \(Formatting.fraction($0.1))" })
            plot.line(baselines, className: "baseline")
            plot.legend = [(Plot.dotSwatch("dot"), "batch mean reward")]
            if !baselines.isEmpty { plot.legend.append((Plot.lineSwatch("baseline"), "REINFORCE baseline")) }
            parts.append("<figure>" + plot.svg(title: "Baseline and batch mean reward per controller update", xLabel: "batch", yLabel: "reward",
                                             xTick: { String(Int($0.rounded())) })
                         + "<figcaption>Baseline and batch mean reward after each update</figcaption></figure>")
        }
        parts.append("</div>")
        if let last = points.last {
            let s = last.statistics
            parts.append("<p>After batch \(last.batch): \(s.updates) update\(s.updates == 1 ? "" : "s") on \(s.trials) trials (\(s.failures) failed), baseline \(Formatting.fraction(s.baseline)), entropy \(s.entropy.map { String(format: "%.4f", $0) } ?? "–"), best reward seen \(Formatting.fraction(s.bestReward)).</p>")
        }
        return parts.joined(separator: "\n")
    }

    // MARK: Against other strategies (with --compare)

    private func comparisonSection() -> String {
        let e = escapeHTML
        let (outcomes, commonBudget) = comparedOutcomes
        let referenceName = comparisonReference.flatMap { referenceNames[$0.id] } ?? "the reference"
        let band = Int((StrategyOutcome.targetBand * 100).rounded())
        var parts = ["<p>Runs on the same space with the same reward, proxy and references, this one first. "
                     + "&ldquo;To reach \(e(referenceName))&rdquo; counts sampled trials, in sampling order, up to the first whose reward is at least \(e(referenceName))'s in that run; "
                     + "&ldquo;near T&rdquo; counts trials whose cost is within ±\(band)% of the target; &ldquo;late mean&rdquo; is the mean reward of the last quarter of the sampled trials.</p>"]
        if let commonBudget {
            parts.append("<p>The runs have finished different numbers of sampled trials; each is compared at its first \(commonBudget), the fewest among them.</p>")
        }
        parts.append("<table class=\"comparison\">\n<thead><tr><th>run</th><th>strategy</th><th>sampled</th><th>best reward</th><th>best trial</th><th>its MACs</th>"
                     + "<th>\(e(referenceName)) reward</th><th>to reach \(e(referenceName))</th><th>near T</th><th>late mean</th></tr></thead>\n<tbody>")
        for (index, outcome) in outcomes.enumerated() {
            let highlight = index == 0 ? " class=\"best-row\"" : ""
            let reach = outcome.trialsToReference.map(String.init) ?? (outcome.referenceReward == nil ? "–" : "not reached")
            parts.append("<tr\(highlight)><td>\(e(outcome.run))</td><td>\(e(outcome.strategy))</td><td class=\"num\">\(outcome.sampled) of \(outcome.budget)</td>"
                         + "<td class=\"num\">\(Formatting.fraction(outcome.best?.reward))</td><td class=\"num\">\(outcome.best.map { "#\($0.id)" } ?? "–")</td>"
                         + "<td class=\"num\">\(Formatting.macs(outcome.best?.macs))</td><td class=\"num\">\(Formatting.fraction(outcome.referenceReward))</td>"
                         + "<td class=\"num\">\(reach)</td><td class=\"num\">\(outcome.nearTarget)</td>"
                         + "<td class=\"num\">\(Formatting.fraction(outcome.lateMeanReward))</td></tr>")
        }
        parts.append("</tbody>\n</table>")
        let curves = outcomes.filter { !$0.bestSoFar.isEmpty }
        guard !curves.isEmpty else { return parts.joined(separator: "\n") }
        let references = Set(outcomes.compactMap(\.referenceReward))
        var plot = Plot(x: [1, Double(curves.map(\.bestSoFar.count).max()!)], y: curves.flatMap(\.bestSoFar) + references,
                        integerX: true, width: 820, height: 320)
        if references.count == 1, let value = references.first {
            plot.horizontal(value, label: "\(referenceName) \(Formatting.fraction(value))", className: "reference")
        }
        for (index, outcome) in curves.enumerated() {
            plot.steps(outcome.bestSoFar.enumerated().map { (Double($0.offset + 1), $0.element) }, className: "series\(index % 4)")
            plot.legend.append((Plot.lineSwatch("series\(index % 4)"), outcome.strategy))
        }
        if references.count == 1 { plot.legend.append((Plot.lineSwatch("reference"), referenceName)) }
        parts.append("<div class=\"plots\"><figure class=\"wide\">" + plot.svg(title: "Best reward so far", xLabel: "sampled trials", yLabel: "best reward",
                                                                             xTick: { String(Int($0.rounded())) })
                     + "<figcaption>Best reward so far against sampled trials, per strategy</figcaption></figure></div>")
        return parts.joined(separator: "\n")
    }

    // MARK: 4. Accuracy against MACs

    private func paretoSection() -> String {
        let complete = status.trials.filter { $0.state == .complete && $0.macs != nil && $0.accuracy != nil }
        guard !complete.isEmpty else { return Self.noData }
        let reward = status.run.reward
        let target = reward.metric == .macs ? reward.target : nil
        let front = Self.paretoFront(complete)
        let samples = complete.filter { $0.role == .sampled }
        let references = complete.filter(\.reference)
        var plot = Plot(x: complete.map { Double($0.macs!) } + (target.map { [$0] } ?? []), y: complete.map(\.accuracy!), logX: true,
                        width: 820, height: 380)
        plot.steps(front.map { (Double($0.macs!), $0.accuracy!) }, className: "front")
        if let target { plot.vertical(target, label: "T = \(Formatting.macsTick(target))", className: "target") }
        plot.dots(samples.map { (Double($0.macs!), $0.accuracy!) }, className: "dot",
                  titles: samples.map { "trial #\($0.id): accuracy \(Formatting.fraction($0.accuracy)), \(Formatting.macs($0.macs)) MACs" })
        for reference in references {
            plot.highlight((Double(reference.macs!), reference.accuracy!), label: referenceNames[reference.id] ?? "reference",
                           className: "reference-point", diamond: true, labelBelow: true)
        }
        if let best = bestSample {
            plot.highlight((Double(best.macs!), best.accuracy!), label: "best #\(best.id)", className: "best")
        }
        plot.legend = [(Plot.dotSwatch("dot"), "trial"), (Plot.lineSwatch("front"), "Pareto front")]
        if target != nil { plot.legend.append((Plot.lineSwatch("target"), "target T")) }
        if !references.isEmpty { plot.legend.append((Plot.diamondSwatch("reference-point"), "reference")) }
        if bestSample != nil { plot.legend.append((Plot.ringSwatch("best"), "best reward")) }
        var parts = ["<p>Every complete trial's accuracy against its MACs at \(status.run.resolution)×\(status.run.resolution) (log scale). The step line is the Pareto front: the highest accuracy reached with at most that many MACs (\(front.count) trial\(front.count == 1 ? "" : "s"): \(front.map { "#\($0.id)" }.joined(separator: ", ")))."
                     + (target == nil ? " The reward's metric is \(escapeHTML(reward.metric.rawValue)), so its target is not a MACs count and is not drawn." : "") + "</p>"]
        parts.append("<div class=\"plots\"><figure class=\"wide\">" + plot.svg(title: "Accuracy against MACs", xLabel: "MACs (log scale)", yLabel: "accuracy",
                                                                             xTick: Formatting.macsTick)
                     + "<figcaption>Accuracy against MACs</figcaption></figure></div>")
        return parts.joined(separator: "\n")
    }

    // MARK: 5. Best architecture

    /// Stage, operator, kernel, expansion, SE, output channels, layers, stride, params, MACs.
    static let stageColumns = ["stage", "operator", "kernel", "expansion", "SE", "channels", "layers", "stride", "params", "MACs"]

    static func stageRows(_ network: Network, resolution: Int) -> [[String]] {
        let summary = ArchitectureSummary(network, resolution: resolution)
        func joined(_ blocks: [Block], _ value: (Block) -> String) -> String {
            var seen: [String] = []
            for block in blocks where !seen.contains(value(block)) { seen.append(value(block)) }
            return seen.joined(separator: " / ")
        }
        return summary.stages.map { stage in
            let common = [String(stage.outputChannels), String(stage.layers), String(stage.stride),
                          Formatting.params(stage.params), Formatting.macs(stage.macs)]
            let index = stage.index - 2
            if stage.index == 1 { return ["stem", "Conv", "3×3", "–", "–"] + common }
            guard index < network.stages.count else { return ["head", network.headFilters > 0 ? "Conv1×1, pool, FC" : "pool, FC", "1×1", "–", "–"] + common }
            let blocks = network.stages[index]
            let op = joined(blocks) { block in
                let name = switch block.op {
                case .mbconv: "MBConv"
                case .fusedMBConv: "Fused-MBConv"
                case .depthwiseSeparable: "DSConv"
                case .conv: "Conv"
                }
                return name + (block.skip ? "" : " (no skip)")
            }
            return [String(stage.index - 1), op, joined(blocks) { "\($0.kernel)×\($0.kernel)" },
                    joined(blocks) { $0.op.hasExpansion ? Formatting.compact($0.expansion) : "–" },
                    joined(blocks) { $0.seRatio > 0 ? Formatting.compact($0.seRatio) : "–" }] + common
        }
    }

    private func network(of trial: TrialSummary) -> Network? {
        try? ArchitectureFile.decode(trial.architecture, name: "trial-\(trial.id)")
    }

    private func architectureSection() -> String {
        let e = escapeHTML
        guard let best = bestSample, let network = network(of: best) else { return Self.noData }
        let resolution = status.run.resolution
        let rows = Self.stageRows(network, resolution: resolution)
        let reference = comparisonReference
        let referenceNetwork = reference.flatMap { self.network(of: $0) }
        let referenceName = reference.flatMap { referenceNames[$0.id] } ?? "reference"
        let referenceRows = referenceNetwork.map { Self.stageRows($0, resolution: resolution) }
        let shortName = referenceName.lowercased().hasPrefix("efficientnet-") ? String(referenceName.dropFirst(13)).uppercased() : referenceName
        var parts: [String] = []
        let summary = ArchitectureSummary(network, resolution: resolution)
        var intro = "<p>Best sampled trial #\(best.id) (reward \(Formatting.fraction(best.reward)), accuracy \(Formatting.fraction(best.accuracy))), block by block at \(resolution)×\(resolution): \(Formatting.params(summary.params)) params, \(Formatting.macs(summary.macs)) MACs."
        if let reference, let referenceNetwork {
            let referenceSummary = ArchitectureSummary(referenceNetwork, resolution: resolution)
            intro += " Beside \(e(referenceName)) (reference trial #\(reference.id): \(Formatting.params(referenceSummary.params)) params, \(Formatting.macs(referenceSummary.macs)) MACs"
                + (reference.reward.map { ", reward \(Formatting.fraction($0))" } ?? "") + "); <span class=\"diff-key\">highlighted</span> cells differ from it, with its value below."
        } else {
            intro += " The run has no reference trial to compare with."
        }
        parts.append(intro + "</p>")
        parts.append("<table class=\"stages\">\n<thead><tr>" + Self.stageColumns.map { "<th>\($0)</th>" }.joined() + "</tr></thead>\n<tbody>")
        // Rows are matched by stage (stem with stem, head with head), not by position; a
        // stage only the reference has is listed in its place.
        let stageCount = max(network.stages.count, referenceNetwork?.stages.count ?? 0)
        for key in ["stem"] + (0..<stageCount).map({ String($0 + 1) }) + ["head"] {
            let other = referenceRows?.first { $0[0] == key }
            guard let row = rows.first(where: { $0[0] == key }) else {
                if let other {
                    let cells = other.enumerated().map { column, cell in
                        column == 0 ? "<td>\(e(cell))</td>"
                            : column == 1 ? "<td>only in \(e(shortName)): \(e(cell))</td>"
                            : "<td\(column >= 5 ? " class=\"num\"" : "")>\(e(cell))</td>"
                    }
                    parts.append("<tr class=\"missing\">" + cells.joined() + "</tr>")
                }
                continue
            }
            let cells = row.enumerated().map { column, cell -> String in
                let numeric = column >= 5 ? " class=\"num\"" : ""
                guard column > 0, let other, other[column] != cell else { return "<td\(numeric)>\(e(cell))</td>" }
                let className = column >= 5 ? "num diff" : "diff"
                return "<td class=\"\(className)\">\(e(cell))<span class=\"was\">\(e(shortName)): \(e(other[column]))</span></td>"
            }
            parts.append("<tr>" + cells.joined() + "</tr>")
        }
        let totalLayers = summary.stages.reduce(0) { $0 + $1.layers }
        parts.append("<tr class=\"total\"><td>total</td><td colspan=\"5\"></td><td class=\"num\">\(totalLayers)</td><td></td><td class=\"num\">\(Formatting.params(summary.params))</td><td class=\"num\">\(Formatting.macs(summary.macs))</td></tr>")
        parts.append("</tbody>\n</table>")
        parts.append("<p class=\"strings\">timm arch-def: <code>\(e(network.timmArchDef.map { $0.joined(separator: " ") }.joined(separator: " | ")))</code></p>")
        if !best.decisions.isEmpty {
            let decisions = best.decisions.sorted { $0.key.localizedStandardCompare($1.key) == .orderedAscending }
                .map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            parts.append("<p class=\"strings\">decisions: <code>\(e(decisions))</code></p>")
        }
        return parts.joined(separator: "\n")
    }

    // MARK: 6. Scaled family

    private func familySection() -> String {
        let e = escapeHTML
        guard let best = bestSample, let network = network(of: best) else { return Self.noData }
        let family = ScaledFamily(network, variants: ScalingCoefficients.efficientNet)
        var parts: [String] = []
        var note = "<p>Best trial #\(best.id) compound-scaled with EfficientNet's official coefficients (filters × width rounded to multiples of 8, repeats × depth rounded up), each variant counted at its own resolution, beside EfficientNet-B0…B7 counted the same way (<code>nas scale</code> prints this table and writes each variant's architecture file)."
        if network.classes != 1000 || network.inputChannels != 3 {
            note += " The found network keeps its \(network.classes) classes and \(network.inputChannels) input channel\(network.inputChannels == 1 ? "" : "s"); EfficientNet's are 1000 and 3."
        }
        parts.append(note + "</p>")
        parts.append("<table class=\"family\">\n<thead><tr><th>variant</th><th>width</th><th>depth</th><th>resolution</th><th>params</th><th>MACs</th><th>EfficientNet params</th><th>EfficientNet MACs</th><th>params ratio</th><th>MACs ratio</th></tr></thead>\n<tbody>")
        for member in family.members {
            let c = member.coefficients
            func ratio(_ a: Int, _ b: Int) -> String { Formatting.ratio(a, b, sign: "×", missing: "–") }
            parts.append("<tr><td>\(e(c.name.uppercased()))</td><td class=\"num\">\(String(format: "%.1f", c.width))</td><td class=\"num\">\(String(format: "%.1f", c.depth))</td><td class=\"num\">\(c.resolution)</td>"
                         + "<td class=\"num\">\(Formatting.params(member.params))</td><td class=\"num\">\(Formatting.macs(member.macs))</td>"
                         + "<td class=\"num\">\(Formatting.params(member.efficientNetParams))</td><td class=\"num\">\(Formatting.macs(member.efficientNetMACs))</td>"
                         + "<td class=\"num\">\(ratio(member.params, member.efficientNetParams))</td><td class=\"num\">\(ratio(member.macs, member.efficientNetMACs))</td></tr>")
        }
        parts.append("</tbody>\n</table>")
        return parts.joined(separator: "\n")
    }

    // MARK: 7. Top trials and how to reproduce

    private func topSection() -> String {
        let e = escapeHTML
        let ranked = status.trials.filter { $0.state == .complete && $0.reward != nil }
            .enumerated().sorted { ($1.element.reward!, $0.offset) < ($0.element.reward!, $1.offset) }.map(\.element)
        guard !ranked.isEmpty else { return Self.noData }
        var parts = ["<p>The ten complete trials with the highest reward (references included, marked).</p>"]
        parts.append("<table class=\"top\">\n<thead><tr><th>rank</th><th>trial</th><th>batch</th><th>reward</th><th>accuracy</th><th>MACs</th><th>params</th><th>seconds</th><th>architecture (timm)</th></tr></thead>\n<tbody>")
        for (rank, trial) in ranked.prefix(10).enumerated() {
            let name = trial.reference ? " <span class=\"tag\">\(e(referenceNames[trial.id] ?? "reference"))</span>" : ""
            let highlight = trial.id == bestSample?.id ? " class=\"best-row\"" : ""
            parts.append("<tr\(highlight)><td class=\"num\">\(rank + 1)</td><td class=\"num\">#\(trial.id)\(name)</td><td class=\"num\">\(trial.batch)</td>"
                         + "<td class=\"num\">\(Formatting.fraction(trial.reward))</td><td class=\"num\">\(Formatting.fraction(trial.accuracy))</td>"
                         + "<td class=\"num\">\(Formatting.macs(trial.macs))</td><td class=\"num\">\(Formatting.params(trial.params))</td>"
                         + "<td class=\"num\">\(trial.seconds.map { String(format: "%.1f", $0) } ?? "–")</td>"
                         + "<td class=\"arch\"><code>\(e(trial.arch.map { $0.joined(separator: " ") }.joined(separator: " | ")))</code></td></tr>")
        }
        parts.append("</tbody>\n</table>")
        return parts.joined(separator: "\n")
    }

    private func reproduceSection() -> String {
        let directory = status.run.commandArguments
        let best = bestSample.map { "--trial \($0.id) " } ?? ""
        let proxy = config.proxy
        let commands: [(String, String)] = [
            ("nas status \(directory)", "progress, best trial, controller"),
            ("nas status \(directory) --json", "every trial as JSON"),
            ("nas export \(directory) \(best)--format json --output best.json", "the best trial's architecture"),
            ("nas arch best.json", "stage by stage, params and MACs"),
            ("nas scale best.json --out-dir family", "its B1…B7 family as architecture files"),
            ("nas train best.json --dataset \(Shell.quoted(proxy.dataset))\(proxy.data.map { " --data " + Shell.quoted($0) } ?? "") --resolution \(proxy.resolution) --epochs 1", "train it"),
            ("nas report \(directory)", "this page"),
        ]
        let width = commands.map(\.0.count).max()! + 2
        let lines = commands.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "# " + $0.1 }
        return "<p>The run folder holds everything (<code>trials.sqlite</code>); these commands read it:</p>\n<pre>"
            + escapeHTML(lines.joined(separator: "\n")) + "</pre>"
    }

    // MARK: Style

    static let style = """
        :root { color-scheme: light; }
        body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d1d1f; background: #fff; margin: 0; }
        main { max-width: 1240px; margin: 0 auto; padding: 20px 28px 40px; }
        h1 { font-size: 24px; margin: 8px 0 2px; }
        h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #d0d0d6; }
        .subtitle { color: #555; margin: 0 0 8px; }
        code, pre { font-family: "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
        pre { background: #f5f5f7; border: 1px solid #e0e0e6; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; }
        table { border-collapse: collapse; margin: 6px 0 10px; }
        th, td { padding: 3px 9px; border-bottom: 1px solid #e6e6ea; text-align: left; vertical-align: top; }
        thead th { border-bottom: 2px solid #b8b8c0; font-weight: 600; white-space: nowrap; }
        table.facts th { color: #555; font-weight: 600; white-space: nowrap; width: 1%; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        td.diff { background: #fff1c2; }
        .diff-key { background: #fff1c2; padding: 0 3px; }
        td .was { display: block; color: #7a6a30; font-size: 11px; }
        tr.total td { border-top: 2px solid #b8b8c0; font-weight: 600; }
        tr.missing td { color: #888; font-style: italic; }
        tr.best-row td { background: #e6f4ea; }
        td.arch code { font-size: 11.5px; }
        .tag { display: inline-block; font-size: 11px; background: #fde5d2; color: #8a3d00; border-radius: 3px; padding: 0 4px; }
        .strings { font-size: 12.5px; color: #444; overflow-wrap: anywhere; }
        .empty { color: #888; font-style: italic; padding: 16px; border: 1px dashed #c8c8d0; display: inline-block; }
        .warning { color: #8a1c1c; background: #fdecec; padding: 6px 10px; border-left: 3px solid #c62828; }
        .plots { display: flex; flex-wrap: wrap; gap: 12px 24px; }
        figure { margin: 0; flex: 1 1 520px; max-width: 600px; }
        figure.wide { max-width: 820px; flex-basis: 760px; }
        figcaption { text-align: center; color: #555; font-size: 12.5px; }
        svg.plot { width: 100%; height: auto; display: block; font-family: inherit; }
        svg .frame { fill: none; stroke: #666; stroke-width: 1; }
        svg .grid { stroke: #ececf0; stroke-width: 1; }
        svg .axis { stroke: #666; stroke-width: 1; }
        svg .tick { font-size: 11px; fill: #444; }
        svg .axis-label { font-size: 12px; fill: #222; }
        svg .legend { font-size: 11.5px; fill: #333; }
        svg .label { font-size: 11.5px; font-weight: 600; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
        svg .dot { fill: #4c78a8; fill-opacity: 0.75; stroke: #fff; stroke-width: 0.6; }
        svg .average { fill: none; stroke: #1f3f66; stroke-width: 2; }
        svg .interval { fill: none; stroke: #4c78a8; stroke-width: 1.6; }
        svg .failed { fill: none; stroke: #c62828; stroke-width: 2; }
        svg .reference { stroke: #e45756; stroke-width: 1.6; stroke-dasharray: 6 4; fill: none; }
        svg .reference-label { fill: #b8322f; }
        svg .reference-point { fill: #f58518; stroke: #7a3d00; stroke-width: 1.2; }
        svg .reference-point-label { fill: #a24f00; }
        svg .best { fill: none; stroke: #2e8b3a; stroke-width: 2.4; }
        svg .best-label { fill: #23702d; }
        svg .front { fill: none; stroke: #2e8b3a; stroke-width: 1.8; stroke-opacity: 0.85; }
        svg .target { stroke: #7b3fa0; stroke-width: 1.5; stroke-dasharray: 4 3; }
        svg .target-label { fill: #6a2f8e; }
        svg .entropy { fill: none; stroke: #7b3fa0; stroke-width: 2; }
        svg .entropy-dot { fill: #7b3fa0; }
        svg .uniform { stroke: #888; stroke-width: 1.4; stroke-dasharray: 6 4; fill: none; }
        svg .uniform-label { fill: #555; }
        svg .baseline { fill: none; stroke: #e45756; stroke-width: 2; }
        svg .series0 { fill: none; stroke: #2e8b3a; stroke-width: 2.2; }
        svg .series1 { fill: none; stroke: #4c78a8; stroke-width: 2; }
        svg .series2 { fill: none; stroke: #f58518; stroke-width: 2; stroke-dasharray: 7 4; }
        svg .series3 { fill: none; stroke: #7b3fa0; stroke-width: 2; stroke-dasharray: 2 3; }
        footer { margin-top: 30px; color: #777; font-size: 12px; border-top: 1px solid #e0e0e6; padding-top: 8px; }
        @media print {
          main { max-width: none; padding: 0; }
          figure, tr { break-inside: avoid; }
          h2 { break-after: avoid; }
          pre { white-space: pre-wrap; }
        }
        """
}
