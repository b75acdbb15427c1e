import Foundation

/// Every number and duration SwiftNAS shows a person, in one place.
public enum Formatting {
    /// The shortest text that reads back to the same Double; integers print without ".0".
    /// Used where text is parsed again (block strings, error messages quoting a value).
    public static func shortest(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    /// 3 -> "3 s", 2.5 -> "2.5 s".
    public static func seconds(_ seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e15 ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }

    /// 66 s -> "1m06s", 7384 s -> "2h03m" (progress lines).
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "–" }
        let s = Int(max(0, seconds).rounded())
        return s >= 3600 ? String(format: "%dh%02dm", s / 3600, s % 3600 / 60) : String(format: "%dm%02ds", s / 60, s % 60)
    }

    /// 1,600,000 MACs -> "1.6M" (status tables).
    public static func millions(_ value: Int?) -> String {
        value.map { String(format: "%.1fM", Double($0) / 1e6) } ?? "–"
    }

    /// 385814752 -> "385.8M", 1.8e9 -> "1.80B", 212000 -> "212.0K".
    public static func macs(_ value: Int?) -> String { count(value, millionDigits: 1) }

    /// 5288548 -> "5.29M", 7120 -> "7.1K".
    public static func params(_ value: Int?) -> String { count(value, millionDigits: 2) }

    /// A count in K, M or B: `millionDigits` decimals for millions, one more for billions.
    private static func count(_ value: Int?, millionDigits digits: Int) -> String {
        guard let value else { return "–" }
        let v = Double(value)
        if v >= 1e9 { return String(format: "%.\(digits + 1)fB", v / 1e9) }
        if v >= 1e6 { return String(format: "%.\(digits)fM", v / 1e6) }
        if v >= 1e3 { return String(format: "%.1fK", v / 1e3) }
        return String(value)
    }

    /// Accuracy or reward: "0.8731".
    public static func fraction(_ value: Double?) -> String {
        guard let value else { return "–" }
        return value.isFinite ? String(format: "%.4f", value) : String(describing: value)
    }

    /// A fixed number of decimals: (0.12345, 3) -> "0.123"; nil -> "–".
    public static func fixed(_ value: Double?, digits: Int) -> String {
        value.map { String(format: "%.\(digits)f", $0) } ?? "–"
    }

    /// How many times `part` is `whole`: "1.35x", "0.031x" (two significant digits below 0.1);
    /// `missing` when `whole` is not positive.
    public static func ratio(_ part: Int, _ whole: Int, sign: String = "x", missing: String = "-") -> String {
        guard whole > 0 else { return missing }
        let r = Double(part) / Double(whole)
        return String(format: r >= 0.1 ? "%.2f" : "%.2g", r) + sign
    }

    /// A tick on a MACs axis: "300K", "1.5M", "2B".
    public static func macsTick(_ value: Double) -> String {
        func short(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%g", (v * 100).rounded() / 100) }
        if value >= 1e9 { return short(value / 1e9) + "B" }
        if value >= 1e6 { return short(value / 1e6) + "M" }
        if value >= 1e3 { return short(value / 1e3) + "K" }
        return short(value)
    }

    /// 1.0 -> "1", 0.25 -> "0.25" (printf's %g: at most six significant digits).
    public static func compact(_ value: Double) -> String { value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%g", value) }

    /// 3723 s -> "1h 02m 03s" (the report's style).
    public static func spelledDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return h > 0 ? String(format: "%dh %02dm %02ds", h, m, s) : String(format: "%dm %02ds", m, s)
    }

    public static func date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}
