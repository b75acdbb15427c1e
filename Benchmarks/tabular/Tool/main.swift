// The tabular benchmark (Benchmarks/tabular/README.md).
//
//   tabular-benchmark build SPACE TABLE [--seeds N] [--limit K] [--workers W] [--steps S]
//       Trains every architecture of SPACE with seeds 1…N through the built-in evaluator (the
//       product's own trainer and proxy settings) and appends one CSV row per training to
//       TABLE. Resumable: rows already in TABLE are skipped, so it can be run in pieces.
//   tabular-benchmark lookup TABLE
//       An evaluator command: reads a trial's JSON on stdin, answers {"accuracy": …} with ONE
//       seed's accuracy of that architecture, picked by the trial's seed (as noisy as a
//       real proxy training).
//   tabular-benchmark summary TABLE
//       Seed agreement (Kendall τ between seeds 1 and 2), accuracy spread, rank cut-offs.
//   tabular-benchmark fidelity PROXY_TABLE REFERENCE_TABLE
//       How a cheaper table (e.g. built with --steps 300) ranks the architectures against the
//       reference table's seed means (`FidelitySummary`): τ, ρ, τ over the better half, top-k
//       overlap, the MACs and parameter baselines, each table's seed agreement.
import Foundation
import NASArchitecture
import NASEvaluation
import NASFidelity
import NASSearchSpace
import Synchronization
import TabularBenchmark

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("tabular-benchmark: \(message)\n".utf8))
    exit(1)
}

func option(_ name: String, _ arguments: [String]) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}

/// Every point of the space, in odometer order (the last decision fastest).
func allChoices(_ sizes: [Int]) -> [[Int]] {
    sizes.reduce([[]]) { partial, size in partial.flatMap { prefix in (0..<size).map { prefix + [$0] } } }
}

// line-budget: the build loop, read top to bottom: jobs, workers, one appended row per training.
func build(_ arguments: [String]) {
    guard arguments.count >= 2 else { fail("build SPACE TABLE [--seeds N] [--limit K] [--workers W] [--steps S]") }
    let (spacePath, tablePath) = (arguments[0], arguments[1])
    let seeds = UInt64(option("--seeds", arguments) ?? "2") ?? 2
    let limit = Int(option("--limit", arguments) ?? "") ?? Int.max
    let workers = Int(option("--workers", arguments) ?? "2") ?? 2
    guard let text = try? String(contentsOfFile: spacePath, encoding: .utf8) else { fail("cannot read \(spacePath)") }
    let space: SearchSpace
    do { space = try SearchSpace.parse(text, file: spacePath) } catch { fail(error.description) }
    var proxy = space.proxy
    if let steps = option("--steps", arguments).flatMap(Int.init) { proxy.steps = steps }
    let done = Set(BenchmarkTable(path: tablePath).rows.map { "\($0.key)#\($0.seed)" })
    var jobs: [(choices: [Int], network: Network, seed: UInt64)] = []
    for choices in allChoices(space.decisionSizes) {
        let network: Network
        do { network = try space.architecture(for: choices) } catch { fail(error.description) }
        for seed in 1...seeds where !done.contains("\(BenchmarkTable.key(network.timmArchDef))#\(seed)") {
            jobs.append((choices, network, seed))
        }
    }
    let todo = Array(jobs.prefix(limit))
    let budget = proxy
    FileHandle.standardError.write(Data("\(done.count) trainings in \(tablePath); \(todo.count) to go\n".utf8))
    guard !todo.isEmpty else { return }
    let evaluator: BuiltinEvaluator
    do { evaluator = try BuiltinEvaluator.load(proxy: proxy, cacheDirectory: ".build/data-cache", progress: nil) } catch {
        fail(error.description)
    }
    if !FileManager.default.fileExists(atPath: tablePath) {
        FileManager.default.createFile(atPath: tablePath, contents: Data((TabularRow.header + "\n").utf8))
    }
    guard let handle = FileHandle(forWritingAtPath: tablePath) else { fail("cannot write \(tablePath)") }
    handle.seekToEndOfFile()
    let lock = NSLock()
    let next = Mutex(0)
    let started = Date()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while true {
            let index: Int? = next.withLock { value in defer { value += 1 }; return value < todo.count ? value : nil }
            guard let index else { return }
            let job = todo[index]
            let start = Date()
            let evaluation = EvaluationJob(trial: index, seed: job.seed, network: job.network, decisions: [], proxy: budget,
                                           isReference: false)
            let accuracy: Double
            do { accuracy = try evaluator.evaluate(evaluation) { _ in }.accuracy } catch {
                FileHandle.standardError.write(Data("training failed: \(error)\n".utf8))
                continue
            }
            let cost = job.network.resolved(resolution: space.resolution).cost
            let row = TabularRow(key: BenchmarkTable.key(job.network.timmArchDef), choices: job.choices, seed: job.seed, accuracy: accuracy,
                          macs: cost.macs, params: cost.params, seconds: Date().timeIntervalSince(start))
            lock.withLock {
                handle.write(Data((row.line + "\n").utf8))
                let elapsed = Date().timeIntervalSince(started)
                FileHandle.standardError.write(Data(String(
                    format: "%d/%d  %@ seed %llu  acc %.4f  %.1fs  (%.0fs elapsed)\n", index + 1, todo.count,
                    row.choices.map(String.init).joined(), row.seed, accuracy, row.seconds, elapsed).utf8))
            }
        }
    }
    handle.closeFile()
}

func lookup(_ arguments: [String]) {
    guard let tablePath = arguments.first else { fail("lookup TABLE") }
    let input = FileHandle.standardInput.readDataToEndOfFile()
    guard let object = try? JSONSerialization.jsonObject(with: input) as? [String: Any],
          let arch = object["arch"] as? [[String]], let seed = (object["seed"] as? NSNumber)?.uint64Value else {
        fail("stdin is not a trial's JSON (needs arch and seed)")
    }
    let key = BenchmarkTable.key(arch)
    guard let accuracy = BenchmarkTable(path: tablePath).accuracy(of: key, seed: seed) else { fail("\(key) is not in \(tablePath)") }
    print("{\"accuracy\": \(accuracy)}")
}

func summary(_ arguments: [String]) {
    guard let tablePath = arguments.first else { fail("summary TABLE") }
    let table = BenchmarkTable(path: tablePath)
    let rows = table.rows, byKey = table.trainings
    let paired = byKey.values.compactMap { group -> (Double, Double)? in
        let one = group.first { $0.seed == 1 }, two = group.first { $0.seed == 2 }
        return one.flatMap { a in two.map { b in (a.accuracy, b.accuracy) } }
    }
    let means = table.means.values.sorted(by: >)
    print("architectures \(byKey.count), trainings \(rows.count), core-seconds \(String(format: "%.0f", rows.map(\.seconds).reduce(0, +)))")
    if paired.count > 1 {
        let difference = paired.map { abs($0.0 - $0.1) }.sorted()
        let (one, two) = (paired.map(\.0), paired.map(\.1))
        print(String(format: "seeds 1 vs 2 on %d architectures: Kendall tau %.3f, Spearman rho %.3f, median |difference| %.4f",
                     paired.count, RankCorrelation.kendall(one, two) ?? 0, RankCorrelation.spearman(one, two) ?? 0,
                     difference[difference.count / 2]))
    }
    if let best = means.first, let worst = means.last {
        print(String(format: "mean accuracy over seeds: best %.4f, median %.4f, worst %.4f", best, means[means.count / 2], worst))
    }
}

func fidelity(_ arguments: [String]) {
    guard arguments.count == 2 else { fail("fidelity PROXY_TABLE REFERENCE_TABLE") }
    let (proxy, reference) = (BenchmarkTable(path: arguments[0]), BenchmarkTable(path: arguments[1]))
    let measurements = reference.trainings.map { key, rows in
        FidelityMeasurement(macs: rows[0].macs, params: rows[0].params, proxy: proxy.trainings[key]?.map(\.accuracy) ?? [],
                            reference: rows.map(\.accuracy))
    }
    let summary = FidelitySummary(measurements)
    let seconds = proxy.rows.map(\.seconds).reduce(0, +) / Double(max(1, proxy.rows.count))
    func show(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }
    print("\(summary.candidates) architectures in both; proxy \(String(format: "%.1f", seconds)) s per training")
    print("proxy vs reference: Kendall tau \(show(summary.kendall)), Spearman rho \(show(summary.spearman)), "
          + "tau over the reference's better half \(show(summary.kendallTopHalf)), top-\(summary.topK) overlap \(show(summary.topOverlap))")
    print("baselines: MACs tau \(show(summary.macsKendall)), parameters tau \(show(summary.paramsKendall)); "
          + "seed agreement: proxy \(show(summary.proxySeedKendall)), reference \(show(summary.referenceSeedKendall))")
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first {
case "build": build(Array(arguments.dropFirst()))
case "lookup": lookup(Array(arguments.dropFirst()))
case "summary": summary(Array(arguments.dropFirst()))
case "fidelity": fidelity(Array(arguments.dropFirst()))
default: fail("usage: tabular-benchmark build|lookup|summary|fidelity … (Benchmarks/tabular/README.md)")
}
