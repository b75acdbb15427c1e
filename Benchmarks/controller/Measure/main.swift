import Foundation
import NASController
import SyntheticSearch

// The measurement behind the defaults in Docs/CONTROLLER.md:
//
//     swift run -c release controller-benchmark softmax|decay|lstm|lstm2|lstm3|finalists|evolution|defaults \
//         [--noise 0.01] [--seeds 5] [--budgets 400,2000]
//
// Prints, per configuration, task and budget: mean best value over the seeds, how many seeds
// sampled the optimum, mean samples to the optimum (over those that did), and the mean value
// of the last 10% of samples; then, after ||, the mean best value over tasks and budgets.
// --noise sets the evaluation noise; fewer seeds or smaller budgets give a quick check.

func option(_ name: String) -> String? {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

let usage = "usage: controller-benchmark GRID [--noise X] [--seeds N] [--budgets A,B,...]"
let arguments = Array(CommandLine.arguments.dropFirst())
let which = arguments.first.flatMap { $0.hasPrefix("--") ? nil : $0 } ?? "defaults"
let budgets = (option("--budgets") ?? "400,2000").split(separator: ",").map { Int($0) ?? 0 }
guard let noise = Double(option("--noise") ?? "0.01"), let seedCount = Int(option("--seeds") ?? "5"), seedCount > 0,
      !budgets.isEmpty, budgets.allSatisfy({ $0 > 0 })
else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
let seeds = (1...seedCount).map(UInt64.init)
let tasks: [(UInt64) -> SyntheticTask] = [
    { SyntheticTask(.separable, seed: $0, noise: noise) },
    { SyntheticTask(.interacting, seed: $0, noise: noise) },
    { SyntheticTask(.separable, block: [3, 2, 2, 3], blocks: 3, seed: $0, noise: noise) },
]
var grid: [(String, ControllerConfig)] = []
@MainActor func add(_ name: String, _ change: (inout ControllerConfig) -> Void) { grid.append((name, .with(change))) }
switch which {
case "softmax":
    for lr in [0.02, 0.05, 0.1, 0.2] {
        for normalize in [true, false] {
            for entropy in [0.0, 0.01] {
                for tanh in [0.0, 2.5] {
                    add("softmax lr \(lr) norm \(normalize) ent \(entropy) tanh \(tanh)") {
                        $0.policy = .softmax; $0.learningRate = lr; $0.normalizeAdvantage = normalize
                        $0.entropyWeight = entropy; $0.tanhConstant = tanh; $0.baselineDecay = 0.9
                    }
                }
            }
        }
    }
case "decay":
    for decay in [0.5, 0.7, 0.8, 0.9, 0.95, 0.99] {
        for normalize in [true, false] {
            add("softmax decay \(decay) norm \(normalize)") {
                $0.policy = .softmax; $0.baselineDecay = decay; $0.normalizeAdvantage = normalize
                $0.learningRate = 0.2; $0.entropyWeight = 0.01; $0.tanhConstant = 2.5
            }
        }
    }
case "lstm":
    for lr in [0.003, 0.01, 0.03] {
        for tanh in [0.0, 2.5] {
            add("lstm lr \(lr) tanh \(tanh)") {
                $0.policy = .lstm; $0.learningRate = lr; $0.tanhConstant = tanh; $0.baselineDecay = 0.9
                $0.entropyWeight = 0
            }
        }
    }
case "lstm2":
    for lr in [0.001, 0.002] {
        add("lstm lr \(lr) tanh 2.5") {
            $0.policy = .lstm; $0.learningRate = lr; $0.baselineDecay = 0.9; $0.entropyWeight = 0
        }
    }
    add("lstm lr 0.003 tanh 2.5 ent 0.01") {
        $0.policy = .lstm; $0.learningRate = 0.003; $0.baselineDecay = 0.9; $0.entropyWeight = 0.01
    }
case "lstm3":
    for entropy in [0.0, 0.01] {
        add("lstm lr 0.003 decay 0.7 ent \(entropy)") {
            $0.policy = .lstm; $0.learningRate = 0.003; $0.baselineDecay = 0.7; $0.entropyWeight = entropy
        }
    }
case "finalists":
    for lr in [0.1, 0.2] {
        for entropy in [0.0, 0.01] {
            add("softmax lr \(lr) ent \(entropy) decay 0.7") {
                $0.policy = .softmax; $0.learningRate = lr; $0.entropyWeight = entropy; $0.baselineDecay = 0.7
            }
        }
    }
    add("evolution") { $0.strategy = .evolution }
    add("random") { $0.strategy = .random }
case "lstmbias":
    // The LSTM's output biases at a softmax-like step, its shared weights at 0.003.
    add("lstm (default)") { _ in }
    for rate in [0.05, 0.1, 0.2] {
        add("lstm bias lr \(rate)") { $0.biasLearningRate = rate }
    }
    grid.append(("recommended softmax", .recommended(policy: .softmax)))
    add("evolution") { $0.strategy = .evolution }
case "ppo":
    // Several clipped passes per batch (MnasNet's PPO), with and without the bias step.
    add("lstm (default)") { _ in }
    for epochs in [2, 4] {
        add("lstm ppo \(epochs)") { $0.ppoEpochs = epochs }
        add("lstm ppo \(epochs) bias lr 0.1") { $0.ppoEpochs = epochs; $0.biasLearningRate = 0.1 }
    }
    add("softmax ppo 4") { $0 = .recommended(policy: .softmax); $0.ppoEpochs = 4 }
case "evolution":
    for population in [16, 32, 64, 100] {
        for tournament in [2, 4, 8, 16, 25] where tournament < population {
            add("evolution P \(population) S \(tournament)") {
                $0.strategy = .evolution; $0.population = population; $0.tournament = tournament
            }
        }
    }
default:
    add("default") { _ in }
    grid.append(("recommended softmax", .recommended(policy: .softmax)))
    add("random") { $0.strategy = .random }
    add("evolution") { $0.strategy = .evolution }
}
for (name, config) in grid {
    var line = name.padding(toLength: 44, withPad: " ", startingAt: 0)
    var summary = 0.0
    for makeTask in tasks {
        for budget in budgets {
            var results: [RunResult] = []
            for seed in seeds {
                results.append(try! runSearch(config, makeTask(seed), seed: seed, budget: budget))
            }
            let best = results.map(\.best).reduce(0, +) / Double(results.count)
            let hits = results.compactMap(\.samplesToOptimum)
            let final = results.map(\.finalMean).reduce(0, +) / Double(results.count)
            summary += best
            line += String(format: " | %.3f %d/%d %5@ %.3f", best, hits.count, results.count,
                           hits.isEmpty ? "-" : "\(hits.reduce(0, +) / hits.count)", final)
        }
    }
    line += String(format: " || %.4f", summary / Double(tasks.count * budgets.count))
    print(line)
}
