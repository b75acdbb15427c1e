import Foundation
import NASSearchSpace
import Testing

/// `ProxySettings.overriding`: the budgets of `nas fidelity` as overrides of a space's proxy.
@Suite struct ProxyOverrideTests {
    @Test func overridesKeepTheRestAndSwitchBetweenStepsAndEpochs() throws {
        var base = ProxySettings()
        base.steps = 300
        base.width = 0.25
        let longer = try base.overriding("epochs=5, learning-rate=0.1")
        #expect(longer.epochs == 5 && longer.steps == nil && longer.learningRate == 0.1 && longer.width == 0.25)
        #expect(longer.differences(from: base) == "epochs=5,learning-rate=0.1")
        let shorter = try longer.overriding("steps=50,width=0.5,resolution=64")
        #expect(shorter.steps == 50 && shorter.width == 0.5 && shorter.resolution == 64)
        // A step budget ignores the epochs, which keep the base's value.
        var same = shorter
        same.epochs = base.epochs
        #expect(try base.overriding(shorter.differences(from: base)) == same)
    }

    @Test func badOverridesAreRefusedInOneLine() {
        let base = ProxySettings()
        for (text, expected) in [("epochs", "not key=value"), ("", "sets nothing"), ("color=red", "color"),
                                 ("width=0", "out of range"), ("steps=10,epochs=2", "not both"), ("batch=1", "batch size")] {
            #expect { try base.overriding(text) } throws: { error in
                let message = "\(error)"
                return message.contains(expected) && !message.contains("\n")
            }
        }
    }
}

@Suite struct ProxyStemStrideTests {
    @Test func aProxyStemStrideReachesTheTrainersRecipe() throws {
        let proxy = try ProxySettings().overriding("stem-stride=1")
        #expect(proxy.stemStride == 1 && proxy.trainingConfig(seed: 1).stemStride == 1)
        #expect(ProxySettings().trainingConfig(seed: 1).stemStride == nil)
        #expect(proxy.differences(from: ProxySettings()) == "stem-stride=1")
        #expect { try ProxySettings().overriding("stem-stride=3") } throws: { "\($0)".contains("stem stride") }
        var cifar = ProxySettings()
        cifar.dataset = "cifar10"
        cifar.data = "c.tar.gz"
        let back = try cifar.overriding("dataset=fashion-mnist,data=~")
        #expect(back.dataset == "fashion-mnist" && back.data == nil)
    }
}

@Suite struct ProxyScheduleTests {
    @Test func scheduleWarmupAndRecalibrationReachTheRecipe() throws {
        let proxy = try ProxySettings().overriding("schedule=constant,warmup=0.2,recalibration=0")
        let config = proxy.trainingConfig(seed: 1)
        #expect(config.schedule == .constant && config.warmupFraction == 0.2 && config.recalibrationBatches == 0)
        #expect(ProxySettings().trainingConfig(seed: 1).recalibrationBatches == 20)
        #expect(proxy.differences(from: ProxySettings()) == "schedule=constant,warmup=0.2,recalibration=0")
        for (text, expected) in [("schedule=linear", "unknown schedule"), ("warmup=1", "fraction"), ("recalibration=-1", "batches")] {
            #expect { try ProxySettings().overriding(text) } throws: { "\($0)".contains(expected) }
        }
    }
}

@Suite struct ProxyEvaluationImagesTests {
    @Test func evaluationImagesReachTheRecipeAndUnsetWithATilde() throws {
        let proxy = try ProxySettings().overriding("evaluation-images=2000,recalibration=5")
        #expect(proxy.evaluationImages == 2000 && proxy.trainingConfig(seed: 1).evaluationImages == 2000)
        #expect(ProxySettings().evaluationImages == nil && ProxySettings().trainingConfig(seed: 1).evaluationImages == nil)
        #expect(proxy.differences(from: ProxySettings()) == "recalibration=5,evaluation-images=2000")
        #expect(proxy.usesSameData(as: ProxySettings()))
        let back = try proxy.overriding("evaluation-images=~")
        #expect(back.evaluationImages == nil && back.differences(from: proxy) == "evaluation-images=~")
        // Stored as "evaluation_images", and only when set (older runs' settings encode as before).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(proxy), as: UTF8.self)
        #expect(json.contains(#""evaluation_images":2000"#))
        #expect(try JSONDecoder().decode(ProxySettings.self, from: Data(json.utf8)) == proxy)
        #expect(!String(decoding: try encoder.encode(ProxySettings()), as: UTF8.self).contains("evaluation"))
    }

    @Test func badEvaluationImagesAreRefusedInOneLine() {
        for (text, expected) in [("evaluation-images=0", "proxy.evaluation-images: 0 is out of range — expected a number of validation images to score from 1 to 10000000"),
                                 ("evaluation-images=-5", "out of range"), ("evaluation-images=many", "'many' is not a number of validation images"),
                                 ("evaluation-images=2.5", "not a number of validation images")] {
            #expect { try ProxySettings().overriding(text) } throws: { error in
                "\(error)".contains(expected) && !"\(error)".contains("\n")
            }
        }
    }
}
