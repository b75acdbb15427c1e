// Writes controller_states.json: for each strategy and policy, the proposals, rewards and
// statistics of four rounds from a fixed seed, the encoded state after them, and what that
// state proposes next. Not part of any target; make_controller_states.sh compiles it together
// with Sources/NASRandom and Sources/NASController of a chosen commit.
import Foundation

struct Round: Codable {
    var proposals: [[Int]]
    var rewards: [Double?]
    var statistics: ControllerStatistics
}

struct Case: Codable {
    var name: String
    var config: ControllerConfig
    var decisionSizes: [Int]
    var seed: UInt64
    var rounds: [Round]
    /// The state after the rounds, as `JSONEncoder` with `.sortedKeys` wrote it.
    var state: String
    /// What a controller decoded from `state` proposes next (8), and its read-outs.
    var next: [[Int]]
    var mostLikely: [Int]
    var statistics: ControllerStatistics
}

func config(_ change: (inout ControllerConfig) -> Void) -> ControllerConfig {
    var c = ControllerConfig()
    change(&c)
    return c
}

/// A reward that depends only on the architecture and the trial number; some trials fail.
func reward(_ a: [Int], round: Int, index: Int) -> Double? {
    if index == round || round == 2 && index % 3 == 0 { return nil }
    if round == 3 && index == 7 { return nil }
    let value = a.enumerated().reduce(0.0) { $0 + Double(($1.element * (2 * $1.offset + 1)) % 5) }
    return value / Double(5 * a.count) + 0.001 * Double(round * 8 + index)
}

let sizes = [3, 2, 1, 3, 4, 2, 3]
let cases: [(String, ControllerConfig)] = [
    ("softmax", .recommended(policy: .softmax)),
    ("lstm", config { $0.policy = .lstm; $0.hiddenSize = 4 }),
    ("lstm-plain", config { $0.policy = .lstm; $0.hiddenSize = 3; $0.normalizeAdvantage = false; $0.entropyWeight = 0; $0.tanhConstant = 0; $0.gradientClip = 0 }),
    ("random", config { $0.strategy = .random }),
    ("evolution", config { $0.strategy = .evolution; $0.population = 6; $0.tournament = 3 }),
]

let encoder = JSONEncoder()
encoder.outputFormatting = .sortedKeys
var output: [Case] = []
for (name, c) in cases {
    var controller = try Controller(config: c, decisionSizes: sizes, seed: 2026)
    var rounds: [Round] = []
    for round in 0..<4 {
        let batch = controller.propose(count: 8)
        let rewards = batch.enumerated().map { reward($1, round: round, index: $0) }
        controller.update(decisions: batch, rewards: rewards)
        rounds.append(Round(proposals: batch, rewards: rewards, statistics: controller.statistics))
    }
    let state = try encoder.encode(controller)
    var decoded = try Controller.decode(state: state)
    output.append(Case(
        name: name, config: c, decisionSizes: sizes, seed: 2026, rounds: rounds, state: String(decoding: state, as: UTF8.self),
        next: decoded.propose(count: 8), mostLikely: decoded.mostLikely(), statistics: decoded.statistics))
}
let pretty = JSONEncoder()
pretty.outputFormatting = [.sortedKeys, .prettyPrinted]
FileHandle.standardOutput.write(try pretty.encode(output))
