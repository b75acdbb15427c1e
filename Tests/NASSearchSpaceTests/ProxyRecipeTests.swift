import Foundation
import NASRecipe
import Testing

@testable import NASSearchSpace

/// The proxy settings read their defaults and bounds from the trainer's recipe; these pin
/// that they agree, and that the stored format (runs keep the settings as JSON) is unchanged.
@Suite struct ProxyRecipeTests {
    @Test func proxyDefaultsAreTheTrainersDefaults() {
        let trainer = TrainingConfig()
        var expected = trainer
        expected.resolution = ProxySettings().resolution  // the one proxy-specific recipe value
        #expect(ProxySettings().trainingConfig(seed: trainer.seed) == expected)
        #expect(ProxySettings().resolution == 32)
        // Doubles written as the Float defaults print, not 0.20000000298….
        #expect(ProxySettings().learningRate == 0.2 && ProxySettings().labelSmoothing == 0.1)
        #expect(ProxySettings.resolutionRange == TrainingConfig.resolutionRange)
        #expect(ProxySettings.maxMultiplier == TrainingConfig.maxMultiplier)
        #expect(ProxySettings.maxEpochs == TrainingConfig.maxEpochs)
        #expect(ProxySettings.stepsRange == TrainingConfig.stepsRange)
        #expect(ProxySettings.batchRange == TrainingConfig.batchRange)
        #expect(ProxySettings.threadsRange == TrainingConfig.threadsRange)
    }

    @Test func settingsBecomeARecipeWithOverrides() {
        var proxy = ProxySettings()
        (proxy.steps, proxy.batch, proxy.learningRate, proxy.labelSmoothing) = (300, 64, 0.05, 0)
        (proxy.dropout, proxy.dropConnect, proxy.augment, proxy.threads) = (0.2, 0.1, true, 2)
        (proxy.resolution, proxy.width, proxy.depth, proxy.epochs) = (64, 0.5, 0.75, 3)
        let config = proxy.trainingConfig(seed: 7)
        #expect(config.steps == 300 && config.batchSize == 64 && config.learningRate == 0.05)
        #expect(config.labelSmoothing == 0 && config.dropout == 0.2 && config.dropConnect == 0.1)
        #expect(config.augment && config.threads == 2 && config.resolution == 64 && config.seed == 7)
        #expect(config.width == 0.5 && config.depth == 0.75 && config.epochs == 3)
        // What the proxy does not set stays the trainer's.
        #expect(config.optimizer == TrainingConfig().optimizer && config.schedule == TrainingConfig().schedule)
        #expect(config.warmupFraction == TrainingConfig().warmupFraction && config.emaDecay == nil)
    }

    /// `proxy` of Runs/b0-rediscovery/trials.sqlite's `run.config`, as committed.
    static let storedProxy = #"""
        {"augment":false,"batch":128,"dataset":"fashion-mnist","depth":1,"drop_connect":0,"dropout":0.1,"epochs":1,"label_smoothing":0.1,"learning_rate":0.2,"resolution":32,"threads":1,"width":0.25}
        """#

    @Test func aCommittedRunsSettingsDecodeAsBefore() throws {
        let decoded = try JSONDecoder().decode(ProxySettings.self, from: Data(Self.storedProxy.utf8))
        var expected = ProxySettings()
        expected.width = 0.25
        #expect(decoded == expected)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == Self.storedProxy)
        // The defaults encode as they always did (a command evaluator's budget is this JSON).
        let defaults = String(decoding: try encoder.encode(ProxySettings()), as: UTF8.self)
        #expect(defaults == Self.storedProxy.replacingOccurrences(of: #""width":0.25"#, with: #""width":1"#))
    }
}
