import Foundation
import NASFormatting

extension RunReport {
    /// The section of a weight-sharing search's report, after "Controller".
    public static let weightSharingTitle = "Weight sharing"

    /// The schedule, the verified architectures' shared-weights accuracy against their
    /// stand-alone mean (one dot each, the found one and the references marked), the rank
    /// agreement, and the table.
    func weightSharingSection(_ summary: WeightSharingSummary) -> String {
        let e = escapeHTML
        func fixed(_ value: Double?, _ digits: Int = 4) -> String { Formatting.fixed(value, digits: digits) }
        var parts = ["<p>\(summary.stepsDone) of \(summary.steps) shared-weight steps (\(summary.warmupSteps) with uniformly drawn paths before the controller learned), "
                     + "\(summary.updates) controller updates on architectures scored with the shared weights. "
                     + "The found architecture (the policy's most likely), the \(summary.top) best-scored, the references and a uniform sample were then trained from scratch; "
                     + "shared weights against stand-alone: Kendall τ <strong>\(fixed(summary.kendall, 3))</strong>, Spearman ρ \(fixed(summary.spearman, 3))"
                     + (summary.seedKendall.map { "; the stand-alone ranking's own noise, one seed against another: τ \(fixed($0, 3))" } ?? "") + ".</p>"]
        let all = summary.verified.enumerated().map { ($0.element, $0.offset == 0 ? "found" : $0.offset <= summary.top ? "best-scored" : "random") }
            + summary.references.map { ($0, "reference") }
        let points = all.compactMap { entry -> (Double, Double, String, Int)? in
            guard let shared = entry.0.sharedAccuracy, let alone = entry.0.standAlone?.accuracy else { return nil }
            return (shared, alone, entry.1, entry.0.trial)
        }
        if !points.isEmpty {
            var plot = Plot(x: points.map(\.0), y: points.map(\.1))
            plot.dots(points.filter { $0.2 != "reference" }.map { ($0.0, $0.1) }, className: "dot",
                      titles: points.filter { $0.2 != "reference" }.map { "trial #\($0.3) (\($0.2)): shared \(fixed($0.0)), stand-alone \(fixed($0.1))" })
            for point in points where point.2 == "reference" {
                plot.highlight((point.0, point.1), label: referenceNames[point.3] ?? "reference", className: "reference-point", diamond: true, labelBelow: true)
            }
            if let found = points.first(where: { $0.2 == "found" }) { plot.highlight((found.0, found.1), label: "found #\(found.3)", className: "best") }
            plot.legend = [(Plot.dotSwatch("dot"), "verified architecture"), (Plot.ringSwatch("best"), "found"), (Plot.diamondSwatch("reference-point"), "reference")]
            parts.append("<div class=\"plots\"><figure>" + plot.svg(title: "Stand-alone against shared-weights accuracy", xLabel: "shared-weights accuracy",
                                                                     yLabel: "stand-alone mean accuracy", xTick: { Formatting.fixed($0, digits: 2) })
                         + "<figcaption>Does the supernet rank as training from scratch does?</figcaption></figure></div>")
        }
        parts.append("<table>\n<thead><tr><th class=\"num\">trial</th><th>what</th><th class=\"num\">MACs</th><th class=\"num\">shared-weights accuracy</th>"
                     + "<th class=\"num\">stand-alone accuracy</th><th class=\"num\">stand-alone reward</th><th class=\"num\">reward range</th><th class=\"num\">seeds</th></tr></thead>\n<tbody>")
        for (verified, kind) in all {
            let alone = verified.standAlone
            let range = alone?.rewardRange.map { "\(fixed($0[0]))–\(fixed($0[1]))" } ?? "–"
            parts.append("<tr><td class=\"num\">#\(verified.trial)</td><td>\(e(kind))</td><td class=\"num\">\(Formatting.macs(alone?.macs))</td>"
                         + "<td class=\"num\">\(fixed(verified.sharedAccuracy))</td><td class=\"num\">\(fixed(alone?.accuracy))</td><td class=\"num\">\(fixed(alone?.reward))</td>"
                         + "<td class=\"num\">\(range)</td><td class=\"num\">\(alone.map { "\($0.complete)/\($0.trials.count)" } ?? "–")</td></tr>")
        }
        parts.append("</tbody>\n</table>\n<p>Shared-weights accuracy: the final supernet's, on the verification's validation images; stand-alone: the mean over seeds of training from scratch at the verification budget (the run's promotion rung).</p>")
        return parts.joined(separator: "\n")
    }

    /// The header's result of a weight-sharing search: the found architecture, trained alone.
    var weightSharingResult: String? {
        guard let found = status.weightSharing?.found, let alone = found.standAlone, alone.complete > 0 else { return nil }
        let range = alone.rewardRange.map { " (\(Formatting.fraction($0[0]))–\(Formatting.fraction($0[1])))" } ?? ""
        return "found: trial #\(found.trial)'s architecture, stand-alone mean reward \(Formatting.fraction(alone.reward))\(range) over \(alone.complete) seeds"
    }
}
