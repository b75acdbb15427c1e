import Foundation
import Testing

@testable import NASSearchSpace

/// Rewards against values computed by hand (Python: 0.8 * 0.5 ** -0.07 …).
@Suite struct RewardTests {
    let accuracy = 0.8

    func reward(_ settings: RewardSettings, macs: Int = 0, params: Int = 1, latency: Double? = nil, step: Double? = nil)
        -> RewardBreakdown
    {
        settings.evaluate(accuracy: accuracy, macs: macs, params: params, latencyMs: latency, stepSeconds: step)
    }

    @Test func softConstraintOnBothSidesOfTheTarget() {
        let soft = RewardSettings(metric: .macs, target: 400e6, preset: .soft)
        let under = reward(soft, macs: 200_000_000)
        #expect(abs(under.reward - 0.839773346898454) < 1e-12)  // 0.8 × 0.5^−0.07
        #expect(under.exponent == -0.07 && under.cost == 200e6 && under.target == 400e6)
        #expect(under.components["ratio"] == 0.5 && under.error == nil)
        let over = reward(soft, macs: 800_000_000)
        #expect(abs(over.reward - 0.7621103984351499) < 1e-12)  // 0.8 × 2^−0.07
        #expect(reward(soft, macs: 400_000_000).reward == accuracy)
    }

    /// TuNAS's absolute reward: ACC + β·|F/T − 1|, β = −0.1 either side.
    @Test func absoluteRewardPullsTheCostOntoTheTarget() throws {
        let absolute = RewardSettings(metric: .macs, target: 400e6, preset: .absolute)
        #expect(absolute.alpha == -0.1 && absolute.beta == -0.1 && absolute.form == .absolute)
        #expect(abs(reward(absolute, macs: 200_000_000).reward - 0.75) < 1e-12)  // 0.8 − 0.1 × 0.5
        #expect(abs(reward(absolute, macs: 800_000_000).reward - 0.7) < 1e-12)  // 0.8 − 0.1 × 1
        #expect(reward(absolute, macs: 400_000_000).reward == accuracy)
        #expect(reward(absolute, macs: 600_000_000).components["penalty"] == -0.05)
        // A free beta keeps the absolute form; older configs (no `form`) stay multiplicative.
        let parsed = try space(minimalSpace.replacingOccurrences(
            of: "reward:\n  target: 400M", with: "reward: {metric: macs, target: 400M, preset: absolute, beta: -0.2}"))
        #expect(parsed.reward.form == .absolute && parsed.reward.beta == -0.2 && parsed.reward.alpha == -0.1)
        let old = try JSONDecoder().decode(
            RewardSettings.self, from: Data(#"{"metric":"macs","target":4e8,"preset":"soft","alpha":-0.07,"beta":-0.07,"params_exponent":-0.05,"params_reference":1e6}"#.utf8))
        #expect(old.resolvedForm == .multiplicative && old.form == nil)
        #expect(String(decoding: try JSONEncoder().encode(old), as: UTF8.self).contains("form") == false)
    }

    @Test func hardConstraintPenalisesOnlyAboveTheTarget() {
        let hard = RewardSettings(metric: .macs, target: 400e6, preset: .hard)
        #expect(hard.alpha == 0 && hard.beta == -1)
        #expect(reward(hard, macs: 200_000_000).reward == 0.8)
        #expect(reward(hard, macs: 400_000_000).exponent == 0)  // F = T takes alpha
        let over = reward(hard, macs: 800_000_000)
        #expect(over.exponent == -1 && abs(over.reward - 0.4) < 1e-15)  // 0.8 × 2^−1
    }

    @Test func freeExponents() throws {
        let s = try space(minimalSpace + "\n  alpha: -0.1\n  beta: -0.5")
        #expect(s.reward.preset == nil && s.reward.alpha == -0.1 && s.reward.beta == -0.5)
        #expect(abs(reward(s.reward, macs: 200_000_000).reward - 0.8574187700290345) < 1e-12)  // 0.8 × 0.5^−0.1
        #expect(abs(reward(s.reward, macs: 800_000_000).reward - 0.5656854249492381) < 1e-12)  // 0.8 × 2^−0.5
        // One free value overrides the preset's.
        let mixed = try space(minimalSpace + "\n  preset: hard\n  beta: -2")
        #expect(mixed.reward.preset == .hard && mixed.reward.alpha == 0 && mixed.reward.beta == -2)
    }

    @Test func latencyNeedsAMeasurement() throws {
        let s = try space(
            minimalSpace.replacingOccurrences(of: "target: 400M", with: "metric: latency\n  target: 75ms"))
        #expect(
            s.reward.metric == .latency && s.reward.target == 75 && s.reward.needsLatency && !s.reward.needsStepTime)
        let measured = reward(s.reward, macs: 1, latency: 150)
        #expect(abs(measured.reward - 0.7621103984351499) < 1e-12)
        #expect(measured.cost == 150 && measured.components["latency_ms"] == 150)
        let missing = reward(s.reward, macs: 1, latency: nil)
        #expect(missing.reward == 0)
        #expect(missing.error == "reward metric latency needs a measured latency (ms), and none was given")
        #expect(reward(s.reward, macs: 1, latency: .nan).error != nil)
        #expect(reward(s.reward, macs: 1, latency: 0).error != nil)
    }

    @Test func trainingAwareReward() throws {
        let s = try space(
            minimalSpace.replacingOccurrences(
                of: "target: 400M", with: "metric: training-aware\n  step-reference: 1s\n  params-reference: 1M"))
        #expect(s.reward.metric == .trainingAware && s.reward.needsStepTime)
        #expect(s.reward.alpha == -0.07 && s.reward.paramsExponent == -0.05 && s.reward.target == 1)
        #expect(s.reward == RewardSettings.trainingAware())
        // A × S^w × P^v = 0.8 × 0.5^−0.07 × 2^−0.05
        let breakdown = reward(s.reward, macs: 1, params: 2_000_000, step: 0.5)
        #expect(abs(breakdown.reward - 0.8111675838320235) < 1e-12)
        #expect(breakdown.components["params_ratio"] == 2 && breakdown.exponent == -0.07)
        #expect(reward(s.reward, params: 2_000_000, step: nil).error?.contains("training step time") == true)
        let custom = try space(
            minimalSpace.replacingOccurrences(
                of: "target: 400M",
                with: "metric: training-aware\n  step-exponent: -0.1\n  step-reference: 250ms\n  params-exponent: 0"))
        #expect(custom.reward.alpha == -0.1 && custom.reward.beta == -0.1 && custom.reward.target == 0.25)
        // 0.8 × (0.375 / 0.25)^−0.1 × 1
        #expect(abs(reward(custom.reward, params: 5, step: 0.375).reward - 0.8 * pow(1.5, -0.1)) < 1e-12)
    }

    @Test(arguments: [
        ("400M", 400e6), ("0.4G", 400e6), ("400000000", 400e6), ("400_000_000", 400e6), ("1.6m", 1.6e6),
        ("25k", 25e3), ("0.39B", 390e6), ("4e8", 4e8),
    ])
    func macTargets(text: String, value: Double) throws {
        let s = try space(minimalSpace.replacingOccurrences(of: "400M", with: text))
        #expect(abs(s.reward.target - value) < 1e-6)
    }

    @Test(arguments: [("75ms", 75.0), ("75", 75), ("0.075s", 75), ("500us", 0.5)])
    func latencyTargets(text: String, value: Double) throws {
        let s = try space(
            minimalSpace.replacingOccurrences(of: "target: 400M", with: "metric: latency\n  target: \(text)"))
        #expect(abs(s.reward.target - value) < 1e-9)
    }

    @Test func breakdownsEncodeForStorage() throws {
        let soft = RewardSettings(metric: .macs, target: 400e6)
        let breakdown = reward(soft, macs: 300_000_000, params: 4_000_000)
        let data = try JSONEncoder().encode(breakdown)
        #expect(try JSONDecoder().decode(RewardBreakdown.self, from: data) == breakdown)
        let missing = RewardSettings(metric: .latency, target: 75).evaluate(
            accuracy: 0.5, macs: 1, params: 1, latencyMs: nil, stepSeconds: nil)
        #expect(try JSONDecoder().decode(RewardBreakdown.self, from: JSONEncoder().encode(missing)) == missing)
        let settings = try JSONEncoder().encode(soft)
        #expect(try JSONDecoder().decode(RewardSettings.self, from: settings) == soft)
    }
}
