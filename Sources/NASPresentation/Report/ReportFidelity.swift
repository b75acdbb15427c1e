import Foundation
import NASFormatting

extension RunReport {
    /// The section of a fidelity study's report, after "Run".
    public static let fidelityTitle = "Rank fidelity"

    /// Each budget against the reference, then every candidate's accuracies.
    func fidelitySection(_ study: StudyResult) -> String {
        let e = escapeHTML
        func tau(_ value: Double?) -> String { Formatting.fixed(value, digits: 3) }
        var parts = ["<p>\(study.candidates) correlation candidates, trained at every budget; each budget's mean accuracies ranked against the reference's. "
                     + "Free baselines: MACs alone τ <strong>\(tau(study.macsKendall))</strong>, parameters alone τ \(tau(study.paramsKendall)); "
                     + "the ceiling, the reference's own seed-to-seed τ: <strong>\(tau(study.referenceSeedKendall))</strong>.</p>"]
        parts.append("<table>\n<thead><tr><th>budget</th><th class=\"num\">seeds</th><th class=\"num\">done</th><th class=\"num\">s per training</th><th class=\"num\">mean accuracy</th>"
                     + "<th class=\"num\">Kendall τ</th><th class=\"num\">τ, 90% interval</th><th class=\"num\">resamples with τ above MACs'</th><th class=\"num\">Spearman ρ</th><th class=\"num\">τ, better half</th><th class=\"num\">top-k overlap</th><th class=\"num\">seed vs seed τ</th></tr></thead>\n<tbody>")
        for budget in study.budgets {
            let cells = study.cells(budget)
            parts.append("<tr><td><code>\(e(budget.label))</code></td>" + cells.map { "<td class=\"num\">\(e($0))</td>" }.joined() + "</tr>")
        }
        parts.append("</tbody>\n</table>")
        if let curve = curve(study) { parts.append(curve) }
        parts.append("<table>\n<thead><tr><th class=\"num\">trial</th><th class=\"num\">MACs</th><th class=\"num\">params</th>"
                     + study.budgets.map { "<th class=\"num\"><code>\(e($0.label))</code></th>" }.joined() + "<th class=\"num\">reference seeds</th></tr></thead>\n<tbody>")
        func referenceMean(_ row: StudyResult.Candidate) -> Double { row.accuracy[study.reference] ?? -1 }
        for row in study.rows.sorted(by: { referenceMean($0) > referenceMean($1) }) {
            let range = row.referenceRange.map { "\(Formatting.fixed($0[0], digits: 4))–\(Formatting.fixed($0[1], digits: 4))" } ?? "–"
            parts.append("<tr><td class=\"num\">#\(row.trial)</td><td class=\"num\">\(Formatting.macs(row.macs))</td><td class=\"num\">\(Formatting.params(row.params))</td>"
                         + row.accuracy.map { "<td class=\"num\">\(Formatting.fixed($0, digits: 4))</td>" }.joined() + "<td class=\"num\">\(range)</td></tr>")
        }
        parts.append("</tbody>\n</table>\n<p>Rows sorted by the reference's mean accuracy; MACs at the space's resolution. Kendall τ is τ-b (ties counted); its interval is a 90% percentile bootstrap over the candidates (2,000 resamples), and “above MACs'” is the share of those resamples in which the budget's τ exceeds that of MACs alone; the better half is the reference's; top-k overlap is the share of the reference's k best that are also the budget's k best.</p>")
        return parts.joined(separator: "\n")
    }

    /// τ against seconds per training, one point per budget with its 90% interval, beside the
    /// MACs baseline and the reference's seed-vs-seed ceiling: what a budget buys.
    private func curve(_ study: StudyResult) -> String? {
        let points = study.budgets.compactMap { budget -> (label: String, seconds: Double, tau: Double, low: Double, high: Double)? in
            guard let seconds = budget.secondsPerTraining, let summary = budget.fidelity, let tau = summary.kendall else { return nil }
            return (budget.label, seconds, tau, summary.kendallBootstrap?.low ?? tau, summary.kendallBootstrap?.high ?? tau)
        }
        guard !points.isEmpty else { return nil }
        let levels = points.flatMap { [$0.low, $0.high] } + [study.macsKendall, study.referenceSeedKendall].compactMap { $0 }
        var plot = Plot(x: points.map(\.seconds), y: levels, logX: true)
        for point in points { plot.line([(point.seconds, point.low), (point.seconds, point.high)], className: "interval") }
        plot.dots(points.map { ($0.seconds, $0.tau) }, className: "dot", radius: 4.5,
                  titles: points.map { "\($0.label): τ \(Formatting.fixed($0.tau, digits: 3)) [\(Formatting.fixed($0.low, digits: 3)), \(Formatting.fixed($0.high, digits: 3))], \(Formatting.fixed($0.seconds, digits: 1)) s" })
        for point in points where plot.x.contains(point.seconds) && plot.y.contains(point.tau) {
            // Beside the dot, on the side with room.
            let px = plot.x(point.seconds), right = px < (plot.x.from + plot.x.to) / 2
            plot.marks.append("<text class=\"label\" x=\"\(Plot.number(px + (right ? 8 : -8)))\" y=\"\(Plot.number(plot.y(point.tau) - 6))\" text-anchor=\"\(right ? "start" : "end")\">\(escapeHTML(point.label))</text>")
        }
        if let macs = study.macsKendall { plot.horizontal(macs, label: "MACs alone", className: "reference", labelAtRight: true) }
        if let ceiling = study.referenceSeedKendall { plot.horizontal(ceiling, label: "reference seed vs seed", className: "target", labelAtRight: true) }
        plot.legend = [(Plot.dotSwatch("dot"), "budget (90% interval)"), (Plot.lineSwatch("reference"), "MACs alone"),
                       (Plot.lineSwatch("target"), "ceiling")]
        return "<div class=\"plots\"><figure>" + plot.svg(title: "Kendall τ against seconds per training", xLabel: "seconds per training (log scale)",
                                                            yLabel: "Kendall τ", xTick: { Formatting.shortest($0) })
            + "<figcaption>Rank fidelity against cost, one point per budget</figcaption></figure></div>"
    }
}
