import NASArchitecture
import NASRandom
import NASSearchSpace

/// An architecture a fidelity study trains at both budgets, with its cost at the space's
/// resolution (the free baselines: does MACs or parameter count alone rank as well?).
public struct CorrelationCandidate: Sendable, Hashable {
    public let choices: [Int]
    public let network: Network
    public let macs: Int
    public let params: Int
}

/// Correlation candidates ("check a proxy on 10–20 of them before searching", as NAS services
/// advise): architectures of a space spread evenly over its cost range.
public enum CorrelationCandidates {
    /// `count` distinct architectures of `space`: `poolFactor × count` uniform samples drawn
    /// from `seed`, sorted by MACs, and those at evenly spaced positions — the pool's cheapest
    /// and largest included — so a study sees the whole range rather than the crowded middle
    /// that uniform sampling gives. Fewer when the pool holds fewer distinct architectures.
    public static func pick(from space: SearchSpace, count: Int, seed: UInt64, poolFactor: Int = 50)
        throws(SearchSpaceError) -> [CorrelationCandidate]
    {
        precondition(count >= 1 && poolFactor >= 1, "at least one candidate from a pool at least as large")
        var generator = SeededGenerator(seed: seed)
        var pool: [String: CorrelationCandidate] = [:]
        for _ in 0..<(count * poolFactor) {
            let choices = space.decisionSizes.map { Int.random(in: 0..<$0, using: &generator) }
            let network = try space.architecture(for: choices)
            let text = ArchitectureFile.encode(network)
            guard pool[text] == nil else { continue }
            let cost = network.resolved(resolution: space.resolution).cost
            pool[text] = CorrelationCandidate(choices: choices, network: network, macs: cost.macs, params: cost.params)
        }
        // Ties in MACs by text, so the choice depends on the seed alone.
        let sorted = pool.sorted { ($0.value.macs, $0.key) < ($1.value.macs, $1.key) }.map(\.value)
        guard sorted.count > count else { return sorted }
        let last = Double(sorted.count - 1)
        return (0..<count).map { sorted[Int((Double($0) * last / Double(max(1, count - 1))).rounded())] }
    }
}
