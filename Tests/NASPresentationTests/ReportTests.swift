import Foundation
import NASArchitecture
import Testing

import NASEvaluation
import NASSearch
import NASTestSupport
@testable import NASPresentation

/// Scores like `FakeEvaluator`, failing the trials `fails` picks.
struct ReportEvaluator: TrialEvaluator {
    var fails: @Sendable (EvaluationJob) -> Bool = { _ in false }
    func evaluate(_ job: EvaluationJob, progress: @escaping @Sendable (Double) -> Void) throws(EvaluationFailure) -> TrialMeasurement {
        if fails(job) { throw EvaluationFailure("diverged <on purpose> & stopped") }
        return TrialMeasurement(accuracy: Fixtures.accuracy(job.network))
    }
}

@Suite struct ReportTests {
    /// The tiny space with EfficientNet-B0 as a reference trial.
    static let spaceWithReference = Fixtures.spaceText.replacingOccurrences(
        of: "  strategy: reinforce", with: "  strategy: reinforce\n  references: [efficientnet-b0]")

    static func makeRun(name: String = "run", spaceText: String = Fixtures.spaceText, trials: Int = 12,
                        strategy: String? = nil, evaluator: ReportEvaluator = ReportEvaluator(), run: Bool = true,
                        adjust: (inout SearchConfig) -> Void = { _ in }) throws -> String {
        let directory = Fixtures.temporaryDirectory(name)
        var config = try Fixtures.config(trials: trials, strategy: strategy)
        adjust(&config)
        let search = try Search.create(location: RunLocation(run: directory), spaceText: spaceText, config: config, evaluator: evaluator)
        if run { try search.run() }
        return directory
    }

    static func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// Well-formed enough: one document, balanced SVG and table tags, every section heading.
    static func checkStructure(_ html: String, comparing: Bool = false) {
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(count("<svg", in: html) == count("</svg>", in: html))
        #expect(count("<table", in: html) == count("</table>", in: html))
        #expect(count("<section", in: html) == count("</section>", in: html))
        #expect(count("<section", in: html) == RunReport.sectionTitles.count + (comparing ? 1 : 0))
        for title in RunReport.sectionTitles { #expect(html.contains(escapeHTML(title) + "</h2>"), "\(title)") }
        #expect(html.contains(RunReport.comparisonTitle) == comparing)
        // Self-contained: nothing is fetched.
        #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<link") && !html.contains("url("))
        #expect(!html.contains("src=") && !html.contains("href=\"http"))
    }

    /// The replay retraces the controller exactly: its last statistics are the saved state's.
    static func checkReplay(_ report: RunReport) {
        #expect(report.replay.problem == nil)
        #expect(report.replay.points.count == report.status.updates)
        #expect(report.replay.points.map(\.batch) == Array(0..<report.status.updates))
        let last = report.replay.points.last?.statistics
        #expect(last?.entropy == report.status.policyEntropy)
        #expect(last?.baseline == report.status.baseline)
        #expect(last?.updates == report.status.updates)
    }

    @Test func aRunWithoutAReferenceRenders() throws {
        let directory = try Self.makeRun()
        let report = try RunReport.load(RunLocation(run: directory))
        Self.checkReplay(report)
        #expect(report.replay.points.count == 3)
        #expect(report.referenceNames.isEmpty && report.comparisonReference == nil)
        let best = try #require(report.bestSample)
        #expect(best.id == report.status.best?.id)
        let html = report.html()
        Self.checkStructure(html)
        #expect(Self.count("<svg", in: html) == 5)  // reward, accuracy, entropy, baseline, accuracy against MACs
        #expect(html.contains("best trial #\(best.id)"))
        #expect(html.contains("best #\(best.id)"))
        #expect(html.contains("no reference trial to compare with"))
        #expect(!html.contains("efficientnet-b0<") && !html.contains("no data yet"))
        // The family table lists B0…B7 beside EfficientNet's own counts.
        for variant in ["B1", "B4", "B7"] { #expect(html.contains("<td>\(variant)</td>")) }
        #expect(html.contains("66.35M"))  // EfficientNet-B7's params
        // Moving averages end where `nas status` says.
        let rewards = report.completeSamples.map { $0.reward! }
        #expect(RunReport.movingAverage(rewards).last == report.status.rewardMovingAverage)
    }

    @Test func aRunWithAReferenceComparesWithB0() throws {
        let directory = try Self.makeRun(spaceText: Self.spaceWithReference)
        let report = try RunReport.load(RunLocation(run: directory))
        Self.checkReplay(report)
        #expect(report.referenceNames == [0: "efficientnet-b0"])
        #expect(report.comparisonReference?.id == 0)
        let best = try #require(report.bestSample)
        #expect(!best.reference)
        let html = report.html()
        Self.checkStructure(html)
        #expect(html.contains("efficientnet-b0 (trial #0)"))
        #expect(html.contains("class=\"reference\""))  // the dashed line in the per-trial plots
        #expect(html.contains("class=\"reference-point\""))  // B0's point against MACs
        #expect(html.contains("class=\"num diff\"") || html.contains("class=\"diff\""))
        #expect(html.contains("<span class=\"was\">B0: "))
        // B0 has seven stages, the tiny space three: B0's extra stages are listed, not dropped.
        #expect(Self.count("only in B0: ", in: html) == 4)
        #expect(html.contains("best trial #\(best.id)"))
    }

    @Test func otherStrategiesAreSetBesideTheRun() throws {
        let reinforce = try Self.makeRun(name: "reinforce", spaceText: Self.spaceWithReference, trials: 16)
        let random = try Self.makeRun(name: "random", spaceText: Self.spaceWithReference, trials: 16, strategy: "random")
        var report = try RunReport.load(RunLocation(run: reinforce))
        try report.addComparisons(directories: [random])
        #expect(report.comparisons.count == 1)
        let mine = StrategyOutcome(report), theirs = report.comparisons[0]
        #expect(theirs.strategy == "random" && theirs.run == "random")
        for outcome in [mine, theirs] {
            #expect(outcome.sampled == 16 && outcome.budget == 16 && outcome.bestSoFar.count == 16)
            // Best so far never falls and ends at the best trial's reward.
            #expect(zip(outcome.bestSoFar, outcome.bestSoFar.dropFirst()).allSatisfy { $0 <= $1 })
            #expect(outcome.bestSoFar.last == outcome.best?.reward)
            // Trials to reach the reference: the first sampled trial at or above its reward.
            let reference = try #require(outcome.referenceReward)
            if let reach = outcome.trialsToReference {
                #expect(outcome.bestSoFar[reach - 1] >= reference)
                #expect(reach == 1 || outcome.bestSoFar[reach - 2] < reference)
            } else {
                #expect(outcome.bestSoFar.allSatisfy { $0 < reference })
            }
        }
        let html = report.html()
        Self.checkStructure(html, comparing: true)
        #expect(html.contains("<td>random</td>") && html.contains("<td>reinforce/softmax</td>"))
        #expect(html.contains("class=\"series0\"") && html.contains("class=\"series1\""))
        #expect(html.contains("<h2>4. \(RunReport.comparisonTitle)</h2>") && html.contains("<h2>9. How to reproduce</h2>"))
    }

    /// Runs of different lengths are compared at the same budget: the fewest finished sampled
    /// trials among them, each run's first ones.
    @Test func runsOfDifferentLengthsAreComparedAtTheSameBudget() throws {
        let short = try Self.makeRun(name: "short", spaceText: Self.spaceWithReference, trials: 8)
        let long = try Self.makeRun(name: "long", spaceText: Self.spaceWithReference, trials: 16, strategy: "random")
        var report = try RunReport.load(RunLocation(run: short))
        #expect(report.comparedOutcomes.commonBudget == nil)
        try report.addComparisons(directories: [long])
        let full = report.comparisons[0]
        #expect(full.sampled == 16)
        let (outcomes, common) = report.comparedOutcomes
        #expect(common == 8)
        #expect(outcomes.map(\.sampled) == [8, 8])
        #expect(outcomes[1].bestSoFar == Array(full.bestSoFar.prefix(8)))
        #expect(outcomes[1].best?.reward == outcomes[1].bestSoFar.last)
        #expect(outcomes[1].finished.map(\.id) == Array(full.finished.prefix(8)).map(\.id))
        let html = report.html()
        #expect(html.contains("each is compared at its first 8, the fewest among them"))
        #expect(html.contains("8 of 16"))
    }

    /// Reading a run (status, report) leaves its database's bytes as they were: committed runs
    /// under Runs/ stay unmodified in git.
    @Test func readingARunChangesNoByte() throws {
        let directory = try Self.makeRun(trials: 8)
        let database = RunDirectory(directory).database
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        _ = try RunStatus.load(RunLocation(run: directory))
        _ = try RunReport.load(RunLocation(run: directory)).html()
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before)
    }

    @Test func runsWithAnotherRewardAreNotCompared() throws {
        let reinforce = try Self.makeRun(name: "reinforce", trials: 4)
        let other = try Self.makeRun(name: "other", trials: 4, strategy: "random") { $0.reward.alpha = 0.3 }
        var report = try RunReport.load(RunLocation(run: reinforce))
        #expect {
            try report.addComparisons(directories: [other])
        } throws: { error in
            let message = (error as? SearchError)?.description ?? ""
            return message.contains("its reward (") && message.contains("α 0.3")
        }
        #expect(report.comparisons.isEmpty)
        #expect(throws: SearchError.self) { try report.addComparisons(directories: [Fixtures.temporaryDirectory("missing")]) }
    }

    @Test func failedTrialsAreMarkedAndReplayedAsFailures() throws {
        let evaluator = ReportEvaluator(fails: { $0.trial % 3 == 1 })
        let directory = try Self.makeRun(spaceText: Self.spaceWithReference, evaluator: evaluator)
        let report = try RunReport.load(RunLocation(run: directory))
        Self.checkReplay(report)
        let failed = report.status.trials.filter { $0.state == .failed }
        #expect(failed.count == 4)
        #expect(report.replay.points.last?.statistics.failures == 4)
        let html = report.html()
        Self.checkStructure(html)
        // A cross per failed trial in both per-trial plots, and one in each legend.
        #expect(Self.count("<path class=\"failed\"", in: html) == 2 * failed.count + 2)
        #expect(html.contains("diverged &lt;on purpose&gt; &amp; stopped"))
        #expect(!html.contains("<on purpose>"))
    }

    @Test func textFromTheRunIsEscaped() throws {
        let directory = try Self.makeRun(name: "a<b & \"c\"", trials: 4)
        let report = try RunReport.load(RunLocation(run: directory))
        #expect(report.status.run.name == "a<b & \"c\"")
        let html = report.html()
        Self.checkStructure(html)
        #expect(html.contains("a&lt;b &amp; &quot;c&quot;"))
        #expect(!html.contains("a<b"))
        // The reproduce block quotes the folder for the shell.
        #expect(html.contains("nas status &#39;"))
    }

    @Test func aRunWithNoCompleteTrialRenders() throws {
        // Created but never run: no trial at all.
        let empty = try Self.makeRun(run: false)
        let report = try RunReport.load(RunLocation(run: empty))
        #expect(report.replay.points.isEmpty && report.bestSample == nil)
        let html = report.html()
        Self.checkStructure(html)
        #expect(!html.contains("<svg"))
        #expect(Self.count("no data yet", in: html) == 6)

        // Every trial failed: nothing to plot but the controller still counted its updates.
        let failing = try Self.makeRun(trials: 8, evaluator: ReportEvaluator(fails: { _ in true }))
        let failed = try RunReport.load(RunLocation(run: failing))
        Self.checkReplay(failed)
        #expect(failed.replay.points.count == 2 && failed.replay.points.allSatisfy { $0.statistics.baseline == nil })
        let failedHTML = failed.html()
        Self.checkStructure(failedHTML)
        #expect(failedHTML.contains("no data yet"))
        #expect(failedHTML.contains("0 complete, 8 failed"))
    }

    @Test func paretoFrontHasTheBestAccuracyForItsMACs() throws {
        let report = try RunReport.load(RunLocation(run: try Self.makeRun(trials: 16)))
        let complete = report.status.trials.filter { $0.state == .complete }
        let front = RunReport.paretoFront(complete)
        #expect(!front.isEmpty)
        for trial in complete {
            let dominated = complete.contains { $0.macs! <= trial.macs! && $0.accuracy! > trial.accuracy! && $0.id != trial.id }
            let onFront = front.contains { $0.id == trial.id }
            #expect(onFront ? !dominated : true, "trial \(trial.id)")
            // Off the front: something at most as costly is at least as accurate.
            if !onFront { #expect(complete.contains { $0.id != trial.id && $0.macs! <= trial.macs! && $0.accuracy! >= trial.accuracy! }) }
        }
        #expect(zip(front, front.dropFirst()).allSatisfy { $0.macs! <= $1.macs! && $0.accuracy! < $1.accuracy! })
        // The most accurate trial closes the front.
        #expect(front.last?.accuracy == complete.map { $0.accuracy! }.max())
    }

    @Test func scalingB0ReproducesEfficientNetExactly() throws {
        let family = ScaledFamily(NamedModels.efficientNetB0)
        #expect(family.members.map(\.variant) == ["b1", "b2", "b3", "b4", "b5", "b6", "b7"])
        #expect(family.members.map(\.params) == [7_794_184, 9_109_994, 12_233_232, 19_341_616, 30_389_784, 43_040_704, 66_347_960])
        for member in family.members {
            #expect(member.params == member.efficientNetParams && member.macs == member.efficientNetMACs)
            #expect(member.network.resolution == member.coefficients.resolution)
            let named = try NamedModels.network(named: "efficientnet-\(member.variant)")
            #expect(member.macs == named.resolved().cost.macs)
        }
        #expect(family.baseParams == 5_288_548)
        #expect(try ScaledFamily.variants("b1,b3").map(\.name) == ["b1", "b3"])
        #expect(try ScaledFamily.variants("B0-b2, b5,b1").map(\.name) == ["b0", "b1", "b2", "b5"])
        for bad in ["", "b8", "b3-b1", "b1-b2-b3", "b1,,b2"] {
            #expect(throws: ArchitectureError.self, "\(bad)") { try ScaledFamily.variants(bad) }
        }
        let json = try JSONSerialization.jsonObject(with: Data(family.json().utf8)) as! [String: Any]
        let variants = try #require(json["variants"] as? [[String: Any]])
        #expect(variants.map { $0["params"] as? Int } == family.members.map(\.params))
    }

    @Test func textIsEscapedForHTML() {
        #expect(escapeHTML("<a href='x'>&\"</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;")
        // Axes: round ticks inside the domain.
        let axis = PlotAxis.linear([0.61, 0.87], from: 0, to: 100)
        #expect(axis.ticks.allSatisfy { axis.contains($0) } && axis.ticks.count >= 3)
        let log = PlotAxis.logarithmic([2.6e5, 1.1e6], from: 0, to: 100)
        #expect(log.ticks.contains(1e6) && log.ticks.count >= 3)
    }
}

/// A database run's name becomes a file name in the current folder, whatever it spells.
@Suite struct ReportFileNameTests {
    @Test(arguments: [
        ("b0-rediscovery", "b0-rediscovery"),
        ("../../x", "___.._x"),
        ("/etc/passwd", "_etc_passwd"),
        ("..", "__"),
        ("", "run"),
        ("a b\nc", "a_b_c"),
        ("v1.2", "v1.2"),
    ])
    func fileNamesNeverLeaveTheFolder(name: String, expected: String) {
        let file = RunLocation.fileName(name)
        #expect(file == expected)
        #expect(!file.contains("/") && !file.hasPrefix("."))
    }
}
