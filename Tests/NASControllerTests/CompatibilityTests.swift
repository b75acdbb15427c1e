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

/// From the seed, the same rewards give the same proposals and statistics as the old
/// controller, and the same state, byte for byte.
@Test(arguments: Fixture.all) private func sameProposalsAndStateAsBefore(_ fixture: Fixture) throws {
    var controller = try Controller(config: fixture.config, decisionSizes: fixture.decisionSizes, seed: fixture.seed)
    for round in fixture.rounds {
        let batch = controller.propose(count: round.proposals.count)
        #expect(batch == round.proposals)
        controller.update(decisions: batch, rewards: round.rewards)
        #expect(controller.statistics == round.statistics)
    }
    #expect(try sortedJSON(controller) == fixture.state)
}

/// A state the old controller saved decodes, re-encodes to the same bytes and continues as
/// the old controller did.
@Test(arguments: Fixture.all) private func oldStatesDecodeAndContinue(_ fixture: Fixture) throws {
    var controller = try Controller.decode(json: Data(fixture.state.utf8))
    #expect(try sortedJSON(controller) == fixture.state)
    #expect(controller.statistics == fixture.statistics)
    #expect(controller.mostLikely() == fixture.mostLikely)
    #expect(controller.propose(count: fixture.next.count) == fixture.next)
}
