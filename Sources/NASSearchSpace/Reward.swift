import Foundation

/// MnasNet's multi-objective reward, ACC × (F/T)^w with w = alpha if F ≤ T else beta, for a
/// cost F that is MACs or measured latency; or EfficientNetV2's training-aware reward
/// A × S^w × P^v (S = training step time over its reference, P = parameters over theirs).
public struct RewardSettings: Codable, Hashable, Sendable {
    public enum Metric: String, Codable, Hashable, Sendable, CaseIterable {
        /// F = multiply-adds at the space's resolution (counted, never measured).
        case macs
        /// F = measured CPU inference time in milliseconds (the caller measures it).
        case latency
        /// EfficientNetV2: F = training step time in seconds (the caller measures it), and
        /// parameters as a second factor.
        case trainingAware = "training-aware"
    }

    /// MnasNet's two settings of (alpha, beta), and TuNAS's absolute reward.
    public enum Preset: String, Codable, Hashable, Sendable, CaseIterable {
        /// alpha = beta = −0.07: cost traded against accuracy on both sides of the target.
        case soft
        /// alpha = 0, beta = −1: no reward for being under the target, a steep penalty over it.
        case hard
        /// TuNAS (Bender et al. 2020): ACC + β·|F/T − 1| with β = −0.1 on both sides, which
        /// pulls the cost onto the target in one search (`Form.absolute`).
        case absolute

        public var alpha: Double {
            switch self {
            case .soft: -0.07
            case .hard: 0
            case .absolute: -0.1
            }
        }

        public var beta: Double {
            switch self {
            case .soft: -0.07
            case .hard: -1
            case .absolute: -0.1
            }
        }

        /// The form stored with this preset: nil for the multiplicative one, which is what
        /// configurations written before the absolute reward mean.
        public var storedForm: Form? { self == .absolute ? .absolute : nil }
    }

    /// How cost enters the reward; w = alpha if F ≤ T, else beta.
    public enum Form: String, Codable, Hashable, Sendable, CaseIterable {
        /// MnasNet: ACC × (F/T)^w.
        case multiplicative
        /// TuNAS: ACC + w·|F/T − 1|.
        case absolute
    }

    public var metric: Metric
    /// T: MACs for `macs`, milliseconds for `latency`; for `trainingAware` the step-time
    /// reference in seconds (S = step / target).
    public var target: Double
    /// The preset alpha and beta came from; nil when both were given as free values.
    public var preset: Preset?
    /// Exponent when F ≤ T.
    public var alpha: Double
    /// Exponent when F > T.
    public var beta: Double
    /// trainingAware only: v of P^v, and P's reference (P = params / paramsReference).
    public var paramsExponent: Double
    public var paramsReference: Double
    /// nil (what runs before the absolute reward stored) = multiplicative.
    public var form: Form?

    /// The form in use.
    public var resolvedForm: Form { form ?? .multiplicative }

    public init(
        metric: Metric = .macs, target: Double, preset: Preset? = .soft, alpha: Double? = nil, beta: Double? = nil,
        paramsExponent: Double = -0.05, paramsReference: Double = 1_000_000
    ) {
        self.metric = metric
        self.target = target
        self.preset = preset
        self.alpha = alpha ?? preset?.alpha ?? Preset.soft.alpha
        self.beta = beta ?? preset?.beta ?? Preset.soft.beta
        self.paramsExponent = paramsExponent
        self.paramsReference = paramsReference
        form = preset?.storedForm
    }

    /// EfficientNetV2's reward: both exponents fixed (w for step time, v for parameters).
    public static func trainingAware(
        stepExponent: Double = -0.07, stepReference: Double = 1, paramsExponent: Double = -0.05,
        paramsReference: Double = 1_000_000
    ) -> RewardSettings {
        RewardSettings(
            metric: .trainingAware, target: stepReference, preset: nil, alpha: stepExponent, beta: stepExponent,
            paramsExponent: paramsExponent, paramsReference: paramsReference)
    }

    /// Whether `evaluate` needs a latency measurement.
    public var needsLatency: Bool { metric == .latency }
    /// Whether `evaluate` needs a training step time.
    public var needsStepTime: Bool { metric == .trainingAware }

    /// The reward of one trained candidate. `latencyMs` is read only by `latency` and
    /// `stepSeconds` only by `trainingAware`; when the metric's measurement is missing (or not
    /// a positive number) the breakdown carries an `error` and a reward of 0 — never a trap.
    public func evaluate(
        accuracy: Double, macs: Int, params: Int, latencyMs: Double?, stepSeconds: Double?
    ) -> RewardBreakdown {
        var components: [String: Double] = ["accuracy": accuracy, "macs": Double(macs), "params": Double(params)]
        if let latencyMs, latencyMs.isFinite { components["latency_ms"] = latencyMs }
        if let stepSeconds, stepSeconds.isFinite { components["step_seconds"] = stepSeconds }

        let cost: Double?
        let costName: String
        switch metric {
        case .macs: (cost, costName) = (Double(macs), "MAC count")
        case .latency: (cost, costName) = (latencyMs, "latency (ms)")
        case .trainingAware: (cost, costName) = (stepSeconds, "training step time (s)")
        }
        func failed(_ message: String) -> RewardBreakdown {
            RewardBreakdown(
                accuracy: accuracy, cost: 0, target: target, exponent: 0, reward: 0, components: components,
                error: message)
        }
        guard let cost else {
            return failed("reward metric \(metric.rawValue) needs a measured \(costName), and none was given")
        }
        guard cost.isFinite, cost > 0 else {
            return failed("reward metric \(metric.rawValue) needs a positive \(costName), got \(cost)")
        }
        guard accuracy.isFinite else { return failed("accuracy \(accuracy) is not finite") }

        let ratio = cost / target
        let exponent = cost <= target ? alpha : beta
        var reward: Double
        components["ratio"] = ratio
        switch resolvedForm {
        case .multiplicative:
            let factor = pow(ratio, exponent)
            reward = accuracy * factor
            components["factor"] = factor
        case .absolute:
            let penalty = exponent * abs(ratio - 1)
            reward = accuracy + penalty
            components["penalty"] = penalty
        }
        if metric == .trainingAware {
            guard params > 0 else { return failed("reward metric training-aware needs a positive parameter count") }
            let paramsRatio = Double(params) / paramsReference
            let paramsFactor = pow(paramsRatio, paramsExponent)
            components["params_ratio"] = paramsRatio
            components["params_factor"] = paramsFactor
            reward *= paramsFactor
        }
        return RewardBreakdown(
            accuracy: accuracy, cost: cost, target: target, exponent: exponent, reward: reward,
            components: components, error: nil)
    }

    enum CodingKeys: String, CodingKey {
        case metric, target, preset, alpha, beta, form
        case paramsExponent = "params_exponent"
        case paramsReference = "params_reference"
    }
}

/// One reward and what it was computed from.
public struct RewardBreakdown: Codable, Hashable, Sendable {
    public var accuracy: Double
    /// F: MACs, latency in ms, or step time in seconds (per the metric).
    public var cost: Double
    /// T (for training-aware: the step-time reference).
    public var target: Double
    /// The w used: alpha if F ≤ T, else beta.
    public var exponent: Double
    public var reward: Double
    /// Everything the reward read or derived, for storage: accuracy, macs, params,
    /// latency_ms, step_seconds, ratio (F/T), factor ((F/T)^w), params_ratio, params_factor.
    public var components: [String: Double]
    /// Set when the metric's measurement was missing; the reward is then 0.
    public var error: String?

    public init(
        accuracy: Double, cost: Double, target: Double, exponent: Double, reward: Double,
        components: [String: Double], error: String? = nil
    ) {
        self.accuracy = accuracy
        self.cost = cost
        self.target = target
        self.exponent = exponent
        self.reward = reward
        self.components = components
        self.error = error
    }
}

/// Numbers with unit suffixes, as space files and `nas search --target` write them.
public enum Quantity {
    /// Counts (MACs, parameters): `400M`, `0.4G`, `300K`.
    public static let countUnits: [String: Double] = ["k": 1e3, "K": 1e3, "M": 1e6, "m": 1e6, "G": 1e9, "g": 1e9, "B": 1e9, "b": 1e9]
    /// Times in milliseconds: `75ms`, `0.075s`.
    public static let millisecondUnits: [String: Double] = ["ms": 1, "s": 1000, "us": 0.001, "µs": 0.001]
    /// Times in seconds: `0.5s`, `500ms`.
    public static let secondUnits: [String: Double] = ["s": 1, "ms": 0.001]

    public enum Problem: Error, Sendable { case malformed, wrongUnit, notPositive }

    /// `text` as a positive number times its unit's factor (`bare` without a unit);
    /// `.wrongUnit` when the suffix is one of `otherUnits` (a time where a count belongs).
    public static func parse(_ text: String, units: [String: Double], bare: Double = 1, otherUnits: [String] = [])
        -> Result<Double, Problem>
    {
        let digits = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
        var number: Double?
        var scale = bare
        if let plain = Double(digits) {
            number = plain
        } else if let suffixStart = digits.firstIndex(where: { $0.isLetter && $0 != "e" && $0 != "E" }) {
            let unit = String(digits[suffixStart...])
            if let factor = units[unit], let value = Double(digits[..<suffixStart].trimmingCharacters(in: .whitespaces)) {
                number = value
                scale = factor
            } else if otherUnits.contains(unit) {
                return .failure(.wrongUnit)
            }
        }
        guard let number, number.isFinite else { return .failure(.malformed) }
        guard number > 0 else { return .failure(.notPositive) }
        // 1e308G is finite as written but not once scaled.
        guard (number * scale).isFinite else { return .failure(.malformed) }
        return .success(number * scale)
    }

    /// A reward target in the metric's unit: MACs, milliseconds, or seconds per step.
    public static func target(_ text: String, metric: RewardSettings.Metric) -> Result<Double, Problem> {
        switch metric {
        case .macs: parse(text, units: countUnits, otherUnits: Array(millisecondUnits.keys))
        case .latency: parse(text, units: millisecondUnits, otherUnits: Array(countUnits.keys))
        case .trainingAware: parse(text, units: secondUnits, otherUnits: Array(countUnits.keys))
        }
    }
}
