import Foundation
import NASRandom
import Testing

import SyntheticSearch

@testable import NASController

/// Configurations covering every strategy and policy, small enough for debug builds.
let stateConfigs: [ControllerConfig] = [
    .recommended(policy: .softmax),
    .with { $0.policy = .lstm; $0.hiddenSize = 16 },
    .with { $0.policy = .lstm; $0.hiddenSize = 16; $0.normalizeAdvantage = false; $0.entropyWeight = 0; $0.tanhConstant = 0 },
    .with { $0.strategy = .random },
    .with { $0.strategy = .evolution; $0.population = 12; $0.tournament = 3 },
]

private func encode(_ c: Controller) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(c)
}

/// Six propose/update rounds; with `reload`, the controller is encoded and decoded before
/// every round, as a killed and resumed search would do. Returns every proposal and the final state.
private func rounds(_ config: ControllerConfig, reload: Bool) throws -> ([[[Int]]], Data) {
    let task = SyntheticTask(.interacting, block: [3, 2, 2, 3], blocks: 3, seed: 7)
    var controller = try Controller(config: config, decisionSizes: task.sizes, seed: 42)
    var proposals: [[[Int]]] = []
    for round in 0..<6 {
        if reload { controller = try Controller.decode(state: try controller.encodedState()) }
        let batch = controller.propose(count: 8)
        proposals.append(batch)
        let rewards: [Double?] = batch.enumerated().map { i, a in i == round ? nil : task.reward(a, trial: round * 8 + i) }
        controller.update(decisions: batch, rewards: rewards)
    }
    return (proposals, try controller.encodedState())
}

@Test(arguments: stateConfigs) func resumedSearchIsBitIdentical(_ config: ControllerConfig) throws {
    let (straight, straightState) = try rounds(config, reload: false)
    let (resumed, resumedState) = try rounds(config, reload: true)
    #expect(straight == resumed)
    #expect(straightState == resumedState)
    // The proposals are not trivially constant.
    #expect(Set(straight.joined()).count > 8)
}

/// Every Double survives JSON exactly (parameters, Adam moments, baseline).
@Test func doublesRoundTripExactly() throws {
    var controller = try Controller(config: .with { $0.policy = .lstm; $0.hiddenSize = 8 }, decisionSizes: [2, 3, 4], seed: 1)
    let batch = controller.propose(count: 4)
    controller.update(decisions: batch, rewards: [0.1, 0.7, 1 / 3, 0.2])
    let decoded = try JSONDecoder().decode(Controller.self, from: try encode(controller))
    #expect(decoded.reinforce.parameters == controller.reinforce.parameters)
    #expect(decoded.reinforce.adam == controller.reinforce.adam)
    #expect(decoded.reinforce.baseline == controller.reinforce.baseline)
    #expect(decoded.reinforce.meanSquareAdvantage == controller.reinforce.meanSquareAdvantage)
    #expect(decoded.generator == controller.generator)
    #expect(decoded.statistics == controller.statistics)
    #expect(decoded.mostLikely() == controller.mostLikely())
}

@Test(arguments: stateConfigs) func proposalsDependOnlyOnSeedAndRewards(_ config: ControllerConfig) throws {
    let sizes = [3, 2, 2, 3, 3, 3]
    func run(seed: UInt64, rewardScale: Double) throws -> [[Int]] {
        var c = try Controller(config: config, decisionSizes: sizes, seed: seed)
        var all: [[Int]] = []
        for _ in 0..<4 {
            let batch = c.propose(count: 6)
            all += batch
            c.update(decisions: batch, rewards: batch.map { a in rewardScale * Double(a.reduce(0, +)) + Double(a[0]) })
        }
        return all
    }
    #expect(try run(seed: 5, rewardScale: 1) == run(seed: 5, rewardScale: 1))
    #expect(try run(seed: 5, rewardScale: 1) != run(seed: 6, rewardScale: 1))
    if config.strategy != .random {
        #expect(try run(seed: 5, rewardScale: 1) != run(seed: 5, rewardScale: -1))
    }
}

// MARK: - Refusals

private func tamper(_ state: Data, _ change: (inout [String: Any]) -> Void) throws -> Data {
    var object = try JSONSerialization.jsonObject(with: state) as! [String: Any]
    change(&object)
    return try JSONSerialization.data(withJSONObject: object)
}

/// Format 1 stored parameters and Adam moments as JSON number arrays (runs committed before
/// format 2 hold such states): they still decode, to the same controller.
@Test func formatOneStatesStillDecode() throws {
    var c = try Controller(config: .with { $0.policy = .lstm; $0.hiddenSize = 8 }, decisionSizes: [2, 3, 4], seed: 5)
    c.update(decisions: c.propose(count: 3), rewards: [0.5, 0.25, 0.75])
    let current = try encode(c)
    let packed = try JSONSerialization.jsonObject(with: current) as! [String: Any]
    #expect(packed["format"] as? Int == 2 && packed["parameters"] is String)
    let old = try tamper(current) { object in
        object["format"] = 1
        object["parameters"] = c.reinforce.parameters
        var adam = object["adam"] as! [String: Any]
        let decoded = try! Controller.decode(state: current)
        adam["first"] = decoded.reinforce.adam.first
        adam["second"] = decoded.reinforce.adam.second
        object["adam"] = adam
    }
    var fromOld = try Controller.decode(state: old)
    var fromNew = try Controller.decode(state: current)
    #expect(fromOld.reinforce.parameters == c.reinforce.parameters && fromNew.reinforce.parameters == c.reinforce.parameters)
    #expect(fromOld.reinforce.adam == fromNew.reinforce.adam && fromNew.reinforce.adam == c.reinforce.adam)
    #expect(fromOld.propose(count: 4) == fromNew.propose(count: 4))
}

@Test func inconsistentStatesAreRefused() throws {
    var c = try Controller(config: .with { $0.policy = .softmax }, decisionSizes: [2, 3], seed: 1)
    c.update(decisions: c.propose(count: 2), rewards: [0.5, 0.25])
    let state = try encode(c)
    #expect(try Controller.decode(state: state).reinforce.parameters == c.reinforce.parameters)

    func refused(_ change: (inout [String: Any]) -> Void) throws -> ControllerError? {
        let tampered = try tamper(state, change)
        do {
            _ = try Controller.decode(state: tampered)
            return nil
        } catch { return error }
    }
    #expect(try refused { $0["format"] = 4 } == .undecodableState("format 4, expected 1…3"))
    #expect(try refused { $0["parameters"] = [0.0, 1.0] }
        == .undecodableState("2 parameters, expected 5 for this policy and decisions"))
    #expect(try refused { $0["generator"] = ["state": [0, 0, 0, 0]] }
        == .undecodableState("generator state must be four words, not all zero"))
    #expect(try refused { $0["decisionSizes"] = [] as [Int] } == .undecodableState(ControllerError.noDecisions.description))
    #expect(try refused { $0["best"] = ["decisions": [2, 0], "reward": 1.0] }
        == .undecodableState("member: decision 0 = 2, expected 0..<2"))
    #expect(try refused { $0["config"] = ["learningRate": -1] }
        == .undecodableState("controller config: learningRate = -1.0, expected > 0"))
    let missing = try refused { $0.removeValue(forKey: "adam") }
    #expect(missing?.description.hasPrefix("controller state: missing adam") == true)
    do {
        _ = try Controller.decode(state: Data("not json".utf8))
        Issue.record("garbage decoded")
    } catch {
        guard case .undecodableState = error else { Issue.record("\(error)"); return }
        #expect(!error.description.contains("\n"))
    }
}

/// Format 3 (what searches save): the arrays as raw bytes after the JSON, exact, a quarter
/// smaller than format 2 for an LSTM; a damaged header or body is refused in one line.
@Test func binaryStatesRoundTripAndAreChecked() throws {
    var c = try Controller(config: .with { $0.policy = .lstm; $0.hiddenSize = 16 }, decisionSizes: [2, 3, 4], seed: 3)
    c.update(decisions: c.propose(count: 8), rewards: (0..<8).map { Double($0) / 7 })
    let state = try c.encodedState()
    #expect(state.starts(with: Data("SNASCTL3".utf8)))
    let json = try encode(c)
    #expect(state.count * 4 < json.count * 3)
    var decoded = try Controller.decode(state: state)
    #expect(decoded.reinforce.parameters == c.reinforce.parameters && decoded.reinforce.adam == c.reinforce.adam)
    #expect(try decoded.encodedState() == state)
    #expect(decoded.propose(count: 4) == c.propose(count: 4))
    let damaged: [Data] = [
        state.prefix(state.count - 1),                                          // ends early
        state + Data([0]),                                                      // bytes after it
        state.prefix(8) + Data(repeating: 0xFF, count: 8) + state.dropFirst(16), // a length past the end
    ]
    for bytes in damaged {
        do {
            _ = try Controller.decode(state: bytes)
            Issue.record("a damaged state decoded")
        } catch {
            guard case .undecodableState = error else { Issue.record("\(error)"); continue }
            #expect(!error.description.contains("\n"))
        }
    }
}

@Test func evolutionStateIsValidated() throws {
    var c = try Controller(config: .with { $0.strategy = .evolution; $0.population = 2; $0.tournament = 1 }, decisionSizes: [2, 2], seed: 1)
    c.update(decisions: [[0, 1], [1, 1]], rewards: [0.5, 0.25])
    let state = try encode(c)
    let members: [[String: Any]] = (0..<3).map { _ in ["decisions": [0, 0], "reward": 0.0] }
    let tampered = try tamper(state) { $0["population"] = members }
    do {
        _ = try Controller.decode(state: tampered)
        Issue.record("oversized population decoded")
    } catch {
        #expect(error == .undecodableState("population larger than 2"))
    }
}

@Test func configDecodesPartiallyAndValidates() throws {
    let partial = try JSONDecoder().decode(ControllerConfig.self, from: Data(#"{"strategy": "evolution", "population": 50}"#.utf8))
    var expected = ControllerConfig()
    expected.strategy = .evolution
    expected.population = 50
    #expect(partial == expected)
    #expect(try JSONDecoder().decode(ControllerConfig.self, from: JSONEncoder().encode(ControllerConfig())) == ControllerConfig())

    let cases: [(ControllerConfig, String)] = [
        (.with { $0.hiddenSize = 0 }, "controller config: hiddenSize = 0, expected >= 1"),
        (.with { $0.learningRate = 0 }, "controller config: learningRate = 0.0, expected > 0"),
        (.with { $0.learningRate = .nan }, "controller config: learningRate = nan, expected > 0"),
        (.with { $0.entropyWeight = -1 }, "controller config: entropyWeight = -1.0, expected >= 0"),
        (.with { $0.baselineDecay = 1 }, "controller config: baselineDecay = 1.0, expected in [0, 1)"),
        (.with { $0.tanhConstant = -1 }, "controller config: tanhConstant = -1.0, expected >= 0"),
        (.with { $0.gradientClip = .infinity }, "controller config: gradientClip = inf, expected >= 0"),
        (.with { $0.initRange = -0.1 }, "controller config: initRange = -0.1, expected >= 0"),
        (.with { $0.population = 1 }, "controller config: population = 1, expected >= 2"),
        (.with { $0.population = 10; $0.tournament = 11 },
         "controller config: tournament = 11, expected in 1...population (10)"),
    ]
    for (config, message) in cases {
        #expect(throws: ControllerError.self) { try config.validate() }
        do { try config.validate() } catch { #expect(error.description == message) }
        #expect(throws: ControllerError.self) { try Controller(config: config, decisionSizes: [2], seed: 0) }
    }
}

@Test func badSpacesAndUpdatesAreRefused() throws {
    #expect(throws: ControllerError.noDecisions) { try Controller(config: .init(), decisionSizes: [], seed: 0) }
    #expect(throws: ControllerError.invalidDecisionSize(index: 1, size: 0)) {
        try Controller(config: .init(), decisionSizes: [2, 0], seed: 0)
    }
    let c = try Controller(config: .init(), decisionSizes: [2, 3], seed: 0)
    #expect(throws: ControllerError.mismatchedUpdate(decisions: 1, rewards: 2)) {
        try c.check(decisions: [[0, 0]], rewards: [1, nil])
    }
    #expect(throws: ControllerError.invalidDecisions(trial: 1, detail: "1 decisions, expected 2")) {
        try c.check(decisions: [[0, 0], [1]], rewards: [1, 2])
    }
    #expect(throws: ControllerError.invalidDecisions(trial: 0, detail: "decision 1 = 3, expected 0..<3")) {
        try c.check(decisions: [[0, 3]], rewards: [nil])
    }
    try c.check(decisions: [[1, 2]], rewards: [nil])
    for error in [ControllerError.noDecisions, .invalidCount(-1), .mismatchedUpdate(decisions: 1, rewards: 2),
                  .undecodableState("x"), .invalidDecisionSize(index: 0, size: 0)] {
        #expect(!error.description.contains("\n") && !error.description.isEmpty)
    }
}

/// Each strategy's state encodes on its own (config, sizes and its fields) and decodes to a
/// strategy that continues identically.
@Test(arguments: stateConfigs) func strategiesRoundTripOnTheirOwn(_ config: ControllerConfig) throws {
    var controller = try Controller(config: config, decisionSizes: [3, 2, 1, 4], seed: 3)
    for _ in 0..<3 {
        let batch = controller.propose(count: 6)
        controller.update(decisions: batch, rewards: batch.map { a in a.first == 0 ? nil : Double(a.reduce(0, +)) })
    }
    #expect(ObjectIdentifier(type(of: controller.strategy)) == ObjectIdentifier(config.strategy.type))
    try roundTripsAlone(controller.strategy)
}

private func roundTripsAlone<S: SearchStrategy>(_ strategy: S) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    var original = strategy
    var decoded = try JSONDecoder().decode(S.self, from: encoder.encode(strategy))
    #expect(try encoder.encode(original) == encoder.encode(decoded))
    #expect(original.statistics == decoded.statistics)
    var g1 = SeededGenerator(seed: 9), g2 = SeededGenerator(seed: 9)
    #expect(original.propose(count: 5, generator: &g1) == decoded.propose(count: 5, generator: &g2))
}
