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
