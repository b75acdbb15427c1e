import Foundation
import Testing

@testable import NASController

/// Fixtures/controller_states.json, made by the controller of commit 8ed3513 — one `Controller`
/// that switched on the strategy, before strategies became types — with
/// Fixtures/make_controller_states.sh: per strategy and policy, four rounds from a seed
/// (proposals, rewards with failures, statistics), the state after them and what that state
/// proposes next.
private struct Fixture: Decodable, CustomTestStringConvertible {
    struct Round: Decodable {
        var proposals: [[Int]]
        var rewards: [Double?]
        var statistics: ControllerStatistics
    }

    var name: String
    var config: ControllerConfig
    var decisionSizes: [Int]
    var seed: UInt64
    var rounds: [Round]
    var state: String
    var next: [[Int]]
    var mostLikely: [Int]
    var statistics: ControllerStatistics

    var testDescription: String { name }

    static let all: [Fixture] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/controller_states.json")
        return try! JSONDecoder().decode([Fixture].self, from: Data(contentsOf: url))
    }()
}

private func sortedJSON(_ controller: Controller) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    return String(decoding: try encoder.encode(controller), as: UTF8.self)
}

@Test func fixturesCoverEveryStrategyAndPolicy() {
    #expect(Set(Fixture.all.map(\.config.strategy)) == Set(StrategyKind.allCases))
    #expect(Set(Fixture.all.filter { $0.config.strategy == .reinforce }.map(\.config.policy)) == Set(PolicyKind.allCases))
    // Evolution got past its random start (population full, so tournaments and mutations ran).
    #expect(Fixture.all.contains { $0.config.strategy == .evolution && $0.statistics.populationSize == $0.config.population })
}

extension Fixture {
    /// The LSTM policy now runs in single precision, batched: its sums round differently.
    var isLSTM: Bool { config.strategy == .reinforce && config.policy == .lstm }
}

/// Statistics equal, or for the LSTM within single precision's rounding (its greedy entropy).
private func expectSame(_ a: ControllerStatistics, _ b: ControllerStatistics, _ fixture: Fixture) {
    guard fixture.isLSTM, let x = a.entropy, let y = b.entropy else { return #expect(a == b) }
    #expect(abs(x - y) < 1e-4)
    var (a, b) = (a, b)
    (a.entropy, b.entropy) = (nil, nil)
    #expect(a == b)
}

/// From the seed, the same rewards give the same proposals and statistics as the old
/// controller, and the same state, byte for byte (the LSTM's: the same proposals and the
/// same most likely architecture; its parameters differ by rounding).
@Test(arguments: Fixture.all) private func sameProposalsAndStateAsBefore(_ fixture: Fixture) throws {
    var controller = try Controller(config: fixture.config, decisionSizes: fixture.decisionSizes, seed: fixture.seed)
    for round in fixture.rounds {
        let batch = controller.propose(count: round.proposals.count)
        #expect(batch == round.proposals)
        controller.update(decisions: batch, rewards: round.rewards)
        expectSame(controller.statistics, round.statistics, fixture)
    }
    if fixture.isLSTM {
        #expect(controller.mostLikely() == fixture.mostLikely)
        #expect(controller.propose(count: fixture.next.count) == fixture.next)
    } else {
        #expect(try sortedJSON(controller) == fixture.state)
    }
}

/// A state the old controller saved decodes, re-encodes to the same bytes and continues as
/// the old controller did.
@Test(arguments: Fixture.all) private func oldStatesDecodeAndContinue(_ fixture: Fixture) throws {
    var controller = try Controller.decode(state: Data(fixture.state.utf8))
    #expect(try sortedJSON(controller) == fixture.state)
    expectSame(controller.statistics, fixture.statistics, fixture)
    #expect(controller.mostLikely() == fixture.mostLikely)
    #expect(controller.propose(count: fixture.next.count) == fixture.next)
}
