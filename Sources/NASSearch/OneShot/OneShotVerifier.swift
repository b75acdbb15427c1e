import Foundation
import NASArchitecture
import NASFidelity
import NASRandom
import NASStore

/// Runs a weight-sharing search's verification (`OneShotVerification`) once its steps are
/// done: chooses the architectures, scores each with the final shared weights (rung-0 trials,
/// the space's references in batch 0), enqueues their stand-alone trainings (rung 1) in the
/// same transaction, and has the search's workers train them. Resumable at any point: the
/// choice is a function of the final checkpoint and the seed, scores are computed again for
/// trials a kill left unfinished, and trainings are the search's ordinary trials.
struct OneShotVerifier {
    let loop: OneShotLoop
    let verification: OneShotVerification

    var search: Search { loop.search }
    var batch: Int { loop.plan.updates + 1 }

    func run() throws(SearchError) {
        let store = search.store, run = search.run.id
        if try search.storeCall({ try store.trials(run: run, batch: batch) }).isEmpty { try enqueue() }
        try finishScores()
        try search.evaluateBatch(batch, emit: loop.emit)
    }

    /// The architectures to verify: the policy's most likely, the best-scored, a uniform
    /// sample — each network once (choices that round to the same filters give one network).
    func chosen(scored: [TrialRecord]) throws(SearchError) -> [[Int]] {
        var chosen: [[Int]] = []
        var seen = Set<String>()
        func add(_ choices: [Int]) throws(SearchError) {
            if seen.insert(ArchitectureFile.encode(try loop.network(choices))).inserted { chosen.append(choices) }
        }
        try add(loop.state.controller.mostLikely())
        let best = scored.filter { $0.role == .sampled && $0.result != nil }.sorted { $0.result!.reward > $1.result!.reward }
        for trial in best where chosen.count < 1 + verification.top { try add(trial.decisions) }
        let wanted = 1 + verification.top + verification.random
        for choices in try randomSample() {
            guard chosen.count < wanted else { break }
            try add(choices)
        }
        return chosen
    }

    /// Candidates for the random part, in the order they are taken: uniform draws (drawn as
    /// taken, up to 1,000 per wanted network), or the correlation candidates spread over the
    /// MACs range (a few spare for networks already chosen).
    private func randomSample() throws(SearchError) -> AnySequence<[Int]> {
        let seed = search.config.seed &+ 0x7E5
        switch verification.sample ?? .uniform {
        case .uniform:
            let sizes = search.space.decisionSizes
            let draws = sequence(state: SeededGenerator(seed: seed)) { generator in
                sizes.map { Int(generator.next() % UInt64($0)) }
            }
            return AnySequence(draws.prefix(1000 * (verification.random + 1)))
        case .macs:
            let spare = verification.random + verification.top + 1
            do {
                return AnySequence(try CorrelationCandidates.pick(from: search.space, count: verification.random, seed: seed).map(\.choices)
                    + CorrelationCandidates.pick(from: search.space, count: spare, seed: seed &+ 1).map(\.choices))
            } catch { throw .space(error) }
        }
    }

    /// Rung-0 trials (queued, scored just after) then rung-1 trainings, in one transaction.
    private func enqueue() throws(SearchError) {
        let store = search.store, run = search.run.id
        let scored = try search.storeCall { try store.trials(run: run) }
        let config = search.config
        var number = scored.count
        func seed() -> UInt64 {
            defer { number += 1 }
            return config.trialSeed(number)
        }
        var scores: [NewTrial] = [], trainings: [(Network, [Int])] = []
        let choices = try chosen(scored: scored)
        for (index, decisions) in choices.enumerated() {
            let network = try loop.network(decisions)
            scores.append(NewTrial(batch: batch, network: network, decisions: decisions, seed: seed()))
            let seeds = index <= verification.top ? verification.seeds : verification.randomSeeds
            for _ in 0..<seeds { trainings.append((network, decisions)) }
        }
        // NewTrial numbers follow enqueue order: scores first, then every training.
        var references: [NewTrial] = []
        for network in search.space.references {
            references.append(NewTrial(batch: 0, network: network, decisions: search.space.choices(matching: network) ?? [], seed: seed(), role: .reference))
        }
        var queue = scores + references
        for (network, decisions) in trainings {
            queue.append(NewTrial(batch: batch, network: network, decisions: decisions, seed: seed(), role: .promoted, rung: 1))
        }
        for network in search.space.references {
            for _ in 0..<verification.seeds {
                queue.append(NewTrial(batch: batch, network: network, decisions: search.space.choices(matching: network) ?? [],
                                      seed: seed(), role: .promoted, rung: 1))
            }
        }
        _ = try search.storeCall { try store.enqueue(queue, run: run) }
    }

    /// Scores every rung-0 trial not yet complete with the final shared weights, on the first
    /// `images` validation images, and completes it.
    private func finishScores() throws(SearchError) {
        let store = search.store, run = search.run.id
        let pending = try search.storeCall { try store.trials(run: run) }
            .filter { $0.rung == 0 && !$0.state.isFinished && ($0.batch == batch || $0.role == .reference) }
        let images = min(verification.images, loop.training.data.validation.count)
        for trial in pending {
            let start = Date()
            let network: Network
            do { network = try trial.decodedNetwork() } catch { throw .store(.corrupt("trial \(trial.number)'s architecture: \(error)")) }
            let accuracy: Double
            do { accuracy = try loop.training.score(network, images: images, chunk: loop.plan.scoreImages, batchNorm: loop.plan.batchNorm) } catch {
                throw .invalid("scoring failed: \(error)")
            }
            try loop.complete(trial, try loop.result(network, accuracy: accuracy, since: start))
        }
    }
}
