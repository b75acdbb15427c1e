import Foundation
import NASController
import NASPresentation
import NASSearchSpace
import NASStore
import NASTestSupport
import Testing

@testable import NASSearch

/// Leader evaluations: once the budget is spent, the controller's most likely architecture is
/// evaluated several times, and their mean is the search's result beside the best trial.
@Suite struct LeaderTests {
    static func records(_ directory: String) throws -> [TrialRecord] {
        let store = try SQLiteTrialStore(path: RunDirectory(directory).database, mode: .readOnly)
        return try store.trials(run: try #require(try store.runs().first).id)
    }

    @Test func theMostLikelyArchitectureIsEvaluatedAfterTheBudget() throws {
        let directory = Fixtures.temporaryDirectory()
        let config = try Fixtures.config(trials: 12, batch: 4, leaders: 3)
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText, config: config,
                          evaluator: FakeEvaluator(jitter: true)).run()
        let records = try Self.records(directory)
        let sampled = records.filter { $0.role == .sampled }, leaders = records.filter { $0.role == .leader }
        #expect(sampled.count == 12 && leaders.count == 3)
        // Last, in one batch of their own after the last sampled one, each with its own seed.
        #expect(records.suffix(3).allSatisfy { $0.role == .leader })
        #expect(Set(leaders.map(\.batch)) == [sampled.map(\.batch).max()! + 1])
        #expect(Set(leaders.map(\.seed)).count == 3 && Set(leaders.map(\.architecture)).count == 1)
        // The architecture is the saved controller's greedy choice, and the controller did not
        // learn from its own leader: it updated once per sampled batch.
        let store = try SQLiteTrialStore(path: RunDirectory(directory).database, mode: .readOnly)
        let state = try #require(try store.controllerState(run: try store.runs()[0].id))
        let controller = try Controller.decode(state: state.state)
        #expect(leaders[0].decisions == controller.mostLikely())
        #expect(controller.statistics.updates == 3)

        let status = try RunStatus.load(RunLocation(run: directory))
        let leader = try #require(status.leader)
        #expect(leader.trials == leaders.map(\.number) && leader.complete == 3)
        let mean = leaders.compactMap(\.result?.reward).reduce(0, +) / 3
        #expect(abs(leader.reward! - mean) < 1e-12)
        #expect(status.finished == 12 && status.best.map { $0.role == .sampled } == true)
        #expect(status.text().contains("leader: the controller's most likely architecture"))
        #expect(status.json().contains("\"leader\":{"))
        let (exported, _, _) = try Export.trial(RunLocation(run: directory), selector: "leader")
        #expect(leaders.map(\.number).contains(exported.id) && exported.role == .leader)
    }

    @Test func resumingAFinishedRunAddsNothingAndARaisedBudgetGetsANewLeader() throws {
        let directory = Fixtures.temporaryDirectory()
        try Search.create(location: RunLocation(run: directory), spaceText: Fixtures.spaceText,
                          config: try Fixtures.config(trials: 8, leaders: 2), evaluator: FakeEvaluator()).run()
        let before = try Self.records(directory)
        try Search.resume(location: RunLocation(run: directory), evaluator: FakeEvaluator()).run()
        #expect(try Self.records(directory) == before)

        try Search.resume(location: RunLocation(run: directory), trials: 12, evaluator: FakeEvaluator()).run()
        let after = try Self.records(directory)
        #expect(after.count { $0.role == .sampled } == 12 && after.count { $0.role == .leader } == 4)
        #expect(after.suffix(2).allSatisfy { $0.role == .leader })
        let status = try RunStatus.load(RunLocation(run: directory))
        #expect(status.leader?.trials == after.suffix(2).map(\.number))
    }

    @Test func newReinforceRunsHaveLeadersOthersAndOldRunsDoNot() throws {
        var options = SearchOptions()
        #expect(try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").leaderEvaluations
                == SearchConfig.recommendedLeaderEvaluations)
        options.strategy = .evolution
        #expect(try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").leaderEvaluations == nil)
        options.leaderEvaluations = 2
        #expect(try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").leaderEvaluations == 2)
        options = SearchOptions()
        options.leaderEvaluations = 0
        #expect(try options.config(space: Fixtures.space, spaceFile: "tiny.yaml").leaderEvaluations == nil)
        options.leaderEvaluations = 17
        #expect {
            try options.config(space: Fixtures.space, spaceFile: "tiny.yaml")
        } throws: { "\($0)".contains("--leader-evaluations must be from 0 to 16") }
        // A stored config from before leaders existed decodes to none.
        var old = try Fixtures.config(leaders: 0).json()
        #expect(!old.contains("leaderEvaluations"))
        old = old.replacingOccurrences(of: "\"workers\"", with: "\"unknownFutureField\":1,\"workers\"")
        #expect(try SearchConfig.decode(old).leaderEvaluations == nil)
    }

    @Test func rolesComeFromTheReferenceFlagAndTheBatch() {
        #expect(TrialRole(isReference: false, batch: 0) == .sampled)
        #expect(TrialRole(isReference: false, batch: 9) == .sampled)
        #expect(TrialRole(isReference: true, batch: 0) == .reference)
        #expect(TrialRole(isReference: true, batch: 3) == .leader)
    }
}
