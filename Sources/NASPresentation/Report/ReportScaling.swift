import Foundation
import NASFormatting

extension RunReport {
    /// The section of a coefficient search's report, after "Run".
    public static let scalingTitle = "Compound coefficients"

    /// Every grid point's accuracy (its seed spread) against its φ = 1 MACs, the chosen point
    /// and the paper's, then the chosen coefficients' family beside EfficientNet's B1…B7.
    func scalingSection(_ result: ScalingResult) -> String {
        let e = escapeHTML
        func number(_ value: Double?) -> String { Formatting.fixed(value, digits: 4) }
        var parts = ["<p>The baseline <code>\(e(result.baseline))</code> with depth × α, width × β and resolution × γ, trained at the proxy's budget with \(result.seeds) seed\(result.seeds == 1 ? "" : "s") per point; every point has α·β²·γ² near 2, so each is a network about twice the baseline's MACs. The chosen point has the best mean accuracy.</p>"]
        if let plot = plot(result) { parts.append(plot) }
        parts.append("<table>\n<thead><tr><th>α</th><th>β</th><th>γ</th><th class=\"num\">α·β²·γ²</th><th class=\"num\">φ = 1 MACs</th><th class=\"num\">trained MACs</th><th class=\"num\">seeds done</th><th class=\"num\">mean accuracy</th><th class=\"num\">seed range</th><th></th></tr></thead>\n<tbody>")
        for index in result.ranked {
            let point = result.points[index], c = point.coefficients
            let note = index == result.chosen ? "<strong>chosen</strong>" : index == result.paper ? "EfficientNet's" : ""
            let range = point.range.map { "\(number($0[0]))–\(number($0[1]))" } ?? "–"
            parts.append("<tr><td>\(Formatting.fixed(c.alpha, digits: 2))</td><td>\(Formatting.fixed(c.beta, digits: 2))</td><td>\(Formatting.fixed(c.gamma, digits: 2))</td>"
                         + "<td class=\"num\">\(Formatting.fixed(point.macsFactor, digits: 3))</td><td class=\"num\">\(Formatting.macs(point.macs))</td><td class=\"num\">\(Formatting.macs(point.proxyMACs))</td>"
                         + "<td class=\"num\">\(point.complete)/\(result.seeds)</td><td class=\"num\">\(number(point.accuracy))</td><td class=\"num\">\(range)</td><td>\(note)</td></tr>")
        }
        parts.append("</tbody>\n</table>")
        guard !result.family.isEmpty else { return parts.joined(separator: "\n") }
        parts.append("<p>The chosen coefficients' family: depth α<sup>φ</sup>, width β<sup>φ</sup>, resolution × γ<sup>φ</sup>, counted at each member's resolution, beside EfficientNet's published B1…B7 (its official rounded table).</p>")
        parts.append("<table>\n<thead><tr><th>φ</th><th class=\"num\">width</th><th class=\"num\">depth</th><th class=\"num\">resolution</th><th class=\"num\">params</th><th class=\"num\">MACs</th><th>EfficientNet</th><th class=\"num\">its params</th><th class=\"num\">its MACs</th></tr></thead>\n<tbody>")
        for member in result.family {
            parts.append("<tr><td>\(member.phi)</td><td class=\"num\">\(Formatting.fixed(member.width, digits: 3))</td><td class=\"num\">\(Formatting.fixed(member.depth, digits: 3))</td><td class=\"num\">\(member.resolution)</td>"
                         + "<td class=\"num\">\(Formatting.params(member.params))</td><td class=\"num\">\(Formatting.macs(member.macs))</td><td>\(e(member.efficientNet))</td>"
                         + "<td class=\"num\">\(Formatting.params(member.efficientNetParams))</td><td class=\"num\">\(Formatting.macs(member.efficientNetMACs))</td></tr>")
        }
        parts.append("</tbody>\n</table>")
        return parts.joined(separator: "\n")
    }

    /// Mean accuracy against φ = 1 MACs, one dot per point with its seed range.
    private func plot(_ result: ScalingResult) -> String? {
        let done = result.points.filter { $0.accuracy != nil }
        guard !done.isEmpty else { return nil }
        var plot = Plot(x: done.map { Double($0.macs) }, y: done.flatMap { $0.range ?? [] }, width: 820, height: 360)
        for point in done { plot.line([(Double(point.macs), point.range![0]), (Double(point.macs), point.range![1])], className: "interval") }
        plot.dots(done.map { (Double($0.macs), $0.accuracy!) }, className: "dot",
                  titles: done.map { "\($0.coefficients.label): \(Formatting.fixed($0.accuracy, digits: 4)), \(Formatting.macs($0.macs)) MACs" })
        if let chosen = result.chosen, let accuracy = result.points[chosen].accuracy {
            plot.highlight((Double(result.points[chosen].macs), accuracy), label: "chosen " + result.points[chosen].coefficients.label, className: "best")
        }
        if let paper = result.paper, let accuracy = result.points[paper].accuracy, paper != result.chosen {
            plot.highlight((Double(result.points[paper].macs), accuracy), label: "EfficientNet's", className: "reference-point", diamond: true, labelBelow: true)
        }
        plot.legend = [(Plot.dotSwatch("dot"), "grid point (seed range)"), (Plot.ringSwatch("best"), "chosen"), (Plot.diamondSwatch("reference-point"), "EfficientNet's 1.2, 1.1, 1.15")]
        return "<div class=\"plots\"><figure class=\"wide\">" + plot.svg(title: "Accuracy of each grid point against its MACs", xLabel: "MACs of the φ = 1 network",
                                                                     yLabel: "mean accuracy", xTick: Formatting.macsTick)
            + "<figcaption>Grid points: mean accuracy and seed range against the φ = 1 network's MACs</figcaption></figure></div>"
    }
}
