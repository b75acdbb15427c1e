import Foundation
import NASSearch

/// Text made safe for HTML and SVG (element content and attribute values alike).
func escapeHTML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}

/// One axis: a domain mapped linearly (or by log10) onto a pixel range, with tick values.
struct PlotAxis {
    var lower: Double
    var upper: Double
    var logarithmic: Bool
    /// Pixel positions of `lower` and `upper` (for y, lower is at the bottom).
    var from: Double
    var to: Double
    /// Ticks only at whole numbers (trial ids, batches).
    var integer = false

    /// A linear axis over `values`, widened to round tick steps; a single value gets a span.
    static func linear(_ values: [Double], from: Double, to: Double, includeZero: Bool = false) -> PlotAxis {
        var lower = values.min() ?? 0, upper = values.max() ?? 1
        if includeZero { lower = min(lower, 0) }
        if upper - lower < 1e-12 {
            let half = max(abs(upper) * 0.05, 0.01)
            lower -= half
            upper += half
        }
        // Room below for the failure crosses, above for labels.
        let span = upper - lower
        lower -= includeZero && lower == 0 ? 0 : span * 0.1
        upper += span * 0.14
        let step = niceStep((upper - lower) / 5)
        return PlotAxis(lower: (lower / step).rounded(.down) * step, upper: (upper / step).rounded(.up) * step,
                        logarithmic: false, from: from, to: to)
    }

    /// A log10 axis over positive `values`, padded by a factor on each side.
    static func logarithmic(_ values: [Double], from: Double, to: Double) -> PlotAxis {
        let positive = values.filter { $0 > 0 }
        var lower = positive.min() ?? 1, upper = positive.max() ?? 10
        if upper / lower < 1.5 {
            let middle = (lower * upper).squareRoot()
            lower = middle / 1.5
            upper = middle * 1.5
        }
        return PlotAxis(lower: lower / 1.12, upper: upper * 1.12, logarithmic: true, from: from, to: to)
    }

    func callAsFunction(_ value: Double) -> Double {
        let t = logarithmic ? (log10(value) - log10(lower)) / (log10(upper) - log10(lower)) : (value - lower) / (upper - lower)
        return from + t * (to - from)
    }

    func contains(_ value: Double) -> Bool { value >= lower - 1e-12 && value <= upper + 1e-12 && (!logarithmic || value > 0) }

    /// Round values inside the domain, about five of them.
    var ticks: [Double] {
        if logarithmic {
            let decades = Int(log10(lower).rounded(.down))...Int(log10(upper).rounded(.up))
            for multiples in [[1.0], [1, 2, 5], [1, 2, 3, 5, 7], [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9]] {
                let values = decades.flatMap { d in multiples.map { $0 * pow(10, Double(d)) } }.filter(contains)
                if values.count >= 3 || multiples.count == 10 { return values }
            }
            return []
        }
        let step = integer ? max(1, niceStep((upper - lower) / 5)) : niceStep((upper - lower) / 5)
        var values: [Double] = []
        var value = (lower / step).rounded(.up) * step
        while value <= upper + step * 1e-9 {
            values.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return values
    }

    /// Decimals that tell the ticks apart.
    var decimals: Int {
        guard !logarithmic else { return 0 }
        return max(0, -Int(log10(niceStep((upper - lower) / 5)).rounded(.down)))
    }
}

/// 1, 2 or 5 times a power of ten, near `raw`.
func niceStep(_ raw: Double) -> Double {
    guard raw > 0, raw.isFinite else { return 1 }
    let magnitude = pow(10, log10(raw).rounded(.down))
    let r = raw / magnitude
    return (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * magnitude
}

/// A small hand-written SVG chart: a frame with ticks and labels, then marks added in order.
/// Colours and line styles come from the page's CSS classes (`ReportHTML.style`).
struct Plot {
    var width = 600.0, height = 300.0
    var left = 62.0, right = 18.0, top = 30.0, bottom = 46.0

    var x: PlotAxis
    var y: PlotAxis
    var marks: [String] = []
    var legend: [(shape: String, label: String)] = []

    init(x xValues: [Double], y yValues: [Double], logX: Bool = false, yIncludesZero: Bool = false, integerX: Bool = false,
         width: Double = 600, height: Double = 300) {
        self.width = width
        self.height = height
        let xFrom = left, xTo = width - right
        if logX {
            x = .logarithmic(xValues, from: xFrom, to: xTo)
        } else if integerX {
            let lower = (xValues.min() ?? 0), upper = max(xValues.max() ?? 1, lower + 1)
            let pad = max(0.5, (upper - lower) * 0.03)
            x = PlotAxis(lower: lower - pad, upper: upper + pad, logarithmic: false, from: xFrom, to: xTo, integer: true)
        } else {
            x = .linear(xValues, from: xFrom, to: xTo)
        }
        y = .linear(yValues, from: height - bottom, to: top, includeZero: yIncludesZero)
    }

    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    mutating func dots(_ points: [(Double, Double)], className: String, radius: Double = 3.2, titles: [String]? = nil) {
        for (index, point) in points.enumerated() where x.contains(point.0) && y.contains(point.1) {
            let title = titles.map { "<title>\(escapeHTML($0[index]))</title>" } ?? ""
            marks.append("<circle class=\"\(className)\" cx=\"\(Self.number(x(point.0)))\" cy=\"\(Self.number(y(point.1)))\" r=\"\(radius)\">\(title)</circle>")
        }
    }

    mutating func line(_ points: [(Double, Double)], className: String) {
        let inside = points.filter { x.contains($0.0) && y.contains($0.1) }
        guard inside.count >= 2 else { return }
        let path = inside.map { "\(Self.number(x($0.0))),\(Self.number(y($0.1)))" }.joined(separator: " ")
        marks.append("<polyline class=\"\(className)\" points=\"\(path)\"/>")
    }

    /// A staircase through `points` (sorted by x): flat until the next point's x, then up;
    /// the last level runs to the right edge.
    mutating func steps(_ points: [(Double, Double)], className: String) {
        guard let first = points.first else { return }
        var path: [(Double, Double)] = [first]
        for point in points.dropFirst() {
            path.append((point.0, path.last!.1))
            path.append(point)
        }
        var coordinates = path.map { (x($0.0), y($0.1)) }
        coordinates.append((x.to, coordinates.last!.1))
        marks.append("<polyline class=\"\(className)\" points=\"\(coordinates.map { "\(Self.number($0.0)),\(Self.number($0.1))" }.joined(separator: " "))\"/>")
    }

    /// A dashed horizontal line across the plot with a label above one end (the left by
    /// default: a search's best trials tend to come late, on the right).
    mutating func horizontal(_ value: Double, label: String, className: String, labelAtRight: Bool = false) {
        guard y.contains(value) else { return }
        let py = Self.number(y(value))
        marks.append("<line class=\"\(className)\" x1=\"\(Self.number(x.from))\" y1=\"\(py)\" x2=\"\(Self.number(x.to))\" y2=\"\(py)\"/>")
        let (lx, anchor) = labelAtRight ? (x.to - 4, "end") : (x.from + 4, "start")
        marks.append("<text class=\"label \(className)-label\" x=\"\(Self.number(lx))\" y=\"\(Self.number(y(value) - 5))\" text-anchor=\"\(anchor)\">\(escapeHTML(label))</text>")
    }

    /// A dashed vertical line with a label at its top.
    mutating func vertical(_ value: Double, label: String, className: String) {
        guard x.contains(value) else { return }
        let px = Self.number(x(value))
        marks.append("<line class=\"\(className)\" x1=\"\(px)\" y1=\"\(Self.number(y.to))\" x2=\"\(px)\" y2=\"\(Self.number(y.from))\"/>")
        marks.append("<text class=\"label \(className)-label\" x=\"\(Self.number(x(value) + 4))\" y=\"\(Self.number(y.from - 6))\">\(escapeHTML(label))</text>")
    }

    /// Crosses along the bottom of the plot (failed trials have no y).
    mutating func crossesAtBottom(_ xs: [Double], className: String, titles: [String]) {
        for (value, title) in zip(xs, titles) where x.contains(value) {
            let px = x(value), py = y.from - 6
            marks.append("<path class=\"\(className)\" d=\"M\(Self.number(px - 4)),\(Self.number(py - 4))l8,8m0,-8l-8,8\"><title>\(escapeHTML(title))</title></path>")
        }
    }

    /// A highlighted point: a ring (or a diamond) and a label beside it.
    mutating func highlight(_ point: (Double, Double), label: String, className: String, diamond: Bool = false, labelBelow: Bool = false) {
        guard x.contains(point.0), y.contains(point.1) else { return }
        let px = x(point.0), py = y(point.1)
        if diamond {
            marks.append("<path class=\"\(className)\" d=\"M\(Self.number(px)),\(Self.number(py - 7))l7,7l-7,7l-7,-7z\"/>")
        } else {
            marks.append("<circle class=\"\(className)\" cx=\"\(Self.number(px))\" cy=\"\(Self.number(py))\" r=\"7\"/>")
        }
        let anchor = px > (x.from + x.to) / 2 ? "end" : "start"
        let dx = anchor == "end" ? -10.0 : 10.0
        let dy = labelBelow ? 17.0 : -9.0
        marks.append("<text class=\"label \(className)-label\" x=\"\(Self.number(px + dx))\" y=\"\(Self.number(py + dy))\" text-anchor=\"\(anchor)\">\(escapeHTML(label))</text>")
    }

    /// The whole chart: frame, grid, ticks and labels, the marks, the legend.
    func svg(title: String, xLabel: String, yLabel: String, xTick: (Double) -> String, yTick: ((Double) -> String)? = nil) -> String {
        let w = width, h = height
        var parts: [String] = []
        parts.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" viewBox=\"0 0 \(Self.number(w)) \(Self.number(h))\" role=\"img\" aria-label=\"\(escapeHTML(title))\">")
        parts.append("<title>\(escapeHTML(title))</title>")
        let decimals = y.decimals
        let yFormat = yTick ?? { String(format: "%.\(decimals)f", $0) }
        for tick in y.ticks {
            let py = Self.number(y(tick))
            parts.append("<line class=\"grid\" x1=\"\(Self.number(x.from))\" y1=\"\(py)\" x2=\"\(Self.number(x.to))\" y2=\"\(py)\"/>")
            parts.append("<line class=\"axis\" x1=\"\(Self.number(x.from - 5))\" y1=\"\(py)\" x2=\"\(Self.number(x.from))\" y2=\"\(py)\"/>")
            parts.append("<text class=\"tick\" x=\"\(Self.number(x.from - 8))\" y=\"\(Self.number(y(tick) + 4))\" text-anchor=\"end\">\(escapeHTML(yFormat(tick)))</text>")
        }
        for tick in x.ticks {
            let px = Self.number(x(tick))
            parts.append("<line class=\"grid\" x1=\"\(px)\" y1=\"\(Self.number(y.to))\" x2=\"\(px)\" y2=\"\(Self.number(y.from))\"/>")
            parts.append("<line class=\"axis\" x1=\"\(px)\" y1=\"\(Self.number(y.from))\" x2=\"\(px)\" y2=\"\(Self.number(y.from + 5))\"/>")
            parts.append("<text class=\"tick\" x=\"\(px)\" y=\"\(Self.number(y.from + 18))\" text-anchor=\"middle\">\(escapeHTML(xTick(tick)))</text>")
        }
        parts.append("<rect class=\"frame\" x=\"\(Self.number(x.from))\" y=\"\(Self.number(y.to))\" width=\"\(Self.number(x.to - x.from))\" height=\"\(Self.number(y.from - y.to))\"/>")
        parts += marks
        parts.append("<text class=\"axis-label\" x=\"\(Self.number((x.from + x.to) / 2))\" y=\"\(Self.number(h - 8))\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>")
        parts.append("<text class=\"axis-label\" transform=\"translate(14 \(Self.number((y.from + y.to) / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeHTML(yLabel))</text>")
        // Legend: one row along the top, left to right.
        var lx = x.from
        for entry in legend {
            parts.append("<g transform=\"translate(\(Self.number(lx)) 12)\">\(entry.shape)<text class=\"legend\" x=\"14\" y=\"4\">\(escapeHTML(entry.label))</text></g>")
            lx += 26 + Double(entry.label.count) * 6.2
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    // Legend swatches, drawn around (0, 0).
    static func dotSwatch(_ className: String) -> String { "<circle class=\"\(className)\" cx=\"5\" cy=\"0\" r=\"3.2\"/>" }
    static func lineSwatch(_ className: String) -> String { "<line class=\"\(className)\" x1=\"-2\" y1=\"0\" x2=\"11\" y2=\"0\"/>" }
    static func crossSwatch(_ className: String) -> String { "<path class=\"\(className)\" d=\"M1,-4l8,8m0,-8l-8,8\"/>" }
    static func ringSwatch(_ className: String) -> String { "<circle class=\"\(className)\" cx=\"5\" cy=\"0\" r=\"5\"/>" }
    static func diamondSwatch(_ className: String) -> String { "<path class=\"\(className)\" d=\"M5,-5l5,5l-5,5l-5,-5z\"/>" }
}
