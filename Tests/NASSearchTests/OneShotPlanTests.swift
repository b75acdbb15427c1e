import Foundation
import NASSearch
import NASSearchSpace
import Testing

@Suite struct OneShotPlanTests {
    @Test func uniformPathSamplingDrawsEveryStepUniformly() {
        let tuNAS = OneShotPlan(steps: 100, warmup: 0.25, interval: 5, scoreImages: 64)
        #expect(tuNAS.uniformPath(at: 24) && !tuNAS.uniformPath(at: 25) && !tuNAS.uniformPath(at: 99))
        let fair = OneShotPlan(steps: 100, warmup: 0.25, interval: 5, scoreImages: 64, pathSampling: .uniform)
        #expect((0..<100).allSatisfy(fair.uniformPath(at:)))
        #expect(fair.updates == tuNAS.updates)
    }

    /// Runs made before path sampling existed store no such key and read as TuNAS's; a plan
    /// asking for the policy stores nothing either, so their stored configuration is unchanged.
    @Test func policySamplingIsStoredAsBefore() throws {
        let plan = OneShotPlan(steps: 100, scoreImages: 64, pathSampling: .policy)
        let text = String(decoding: try JSONEncoder().encode(plan), as: UTF8.self)
        #expect(!text.contains("path"))
        let read = try JSONDecoder().decode(OneShotPlan.self, from: Data(text.utf8))
        #expect(read == plan && read.uniformPath(at: 25) == false)
        let fair = OneShotPlan(steps: 100, scoreImages: 64, pathSampling: .uniform)
        #expect(try JSONDecoder().decode(OneShotPlan.self, from: JSONEncoder().encode(fair)).pathSampling == .uniform)
    }

    /// Without the sandwich rule a plan stores no key (runs made before it read as off).
    @Test func sandwichIsStoredOnlyWhenOn() throws {
        let plain = OneShotPlan(steps: 100, scoreImages: 64)
        #expect(!String(decoding: try JSONEncoder().encode(plain), as: UTF8.self).contains("sandwich"))
        let sandwich = OneShotPlan(steps: 100, scoreImages: 64, sandwich: true)
        #expect(try JSONDecoder().decode(OneShotPlan.self, from: JSONEncoder().encode(sandwich)).sandwich == true)
    }
}

@Suite struct OneShotVerificationTests {
    let proxy = ProxySettings()

    @Test func randomSampleIsParsedAndRefusedByName() throws {
        let (spread, rung) = try OneShotVerification.parse("top=2,random=12,sample=macs,epochs=2", over: proxy)
        #expect(spread.sample == .macs && spread.random == 12 && rung.proxy.epochs == 2)
        #expect(try OneShotVerification.parse("top=2", over: proxy).0.sample == nil)
        #expect(try OneShotVerification.parse("sample=uniform", over: proxy).0.sample == nil)
        #expect(throws: SearchError.self) { try OneShotVerification.parse("sample=spread", over: proxy) }
        #expect(throws: SearchError.self) { try OneShotVerification.parse("sample", over: proxy) }
    }

    /// Runs saved before `sample` existed read as uniform; a uniform sample stores no key.
    @Test func uniformSampleIsStoredAsBefore() throws {
        let uniform = OneShotVerification(top: 2, random: 3)
        let text = String(decoding: try JSONEncoder().encode(uniform), as: UTF8.self)
        #expect(!text.contains("sample"))
        #expect(try JSONDecoder().decode(OneShotVerification.self, from: Data(text.utf8)) == uniform)
        let spread = OneShotVerification(top: 2, random: 3, sample: .macs)
        #expect(try JSONDecoder().decode(OneShotVerification.self, from: JSONEncoder().encode(spread)) == spread)
    }
}
