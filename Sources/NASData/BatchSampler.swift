import NASKernels
import NASRandom

/// Epoch-wise shuffled index order from an injected generator; reshuffles at each epoch end.
///
/// Its saved form is small: the generator as it was before the current epoch's shuffle
/// replays that shuffle, so the order itself is not stored. A decoded sampler continues the
/// exact same stream of batches.
public struct BatchSampler: Sendable, Codable {
    public let count: Int
    public let batchSize: Int
    /// Whether a final partial batch is skipped (true) or returned (false).
    public let dropLast: Bool
    /// Completed epochs; the next batch comes from epoch `epoch` (0-based).
    public private(set) var epoch: Int
    /// How many indices of the current epoch's order have been handed out.
    public private(set) var position: Int
    /// The generator after the current epoch's shuffle (the next shuffle draws from it).
    public private(set) var generator: SeededGenerator
    private var epochStart: SeededGenerator
    private var order: [Int]

    public init(count: Int, batchSize: Int, generator: SeededGenerator, dropLast: Bool = true) {
        precondition(count > 0 && batchSize > 0, "BatchSampler needs count > 0 and batchSize > 0")
        precondition(!dropLast || batchSize <= count, "batch size \(batchSize) exceeds the \(count) samples with dropLast")
        self.count = count
        self.batchSize = batchSize
        self.dropLast = dropLast
        self.epoch = 0
        self.position = 0
        self.generator = generator
        self.epochStart = generator
        self.order = Array(0..<count)
        self.generator.shuffle(&order)
    }

    public var batchesPerEpoch: Int { dropLast ? count / batchSize : (count + batchSize - 1) / batchSize }

    public mutating func next() -> [Int] {
        var batch: [Int] = []
        next(into: &batch)
        return batch
    }

    /// The next batch, written into `batch` (no allocation once its capacity suffices).
    public mutating func next(into batch: inout [Int]) {
        batch.removeAll(keepingCapacity: true)
        let end = min(position + batchSize, count)
        batch.append(contentsOf: order[position..<end])
        position = end
        if position == count || (dropLast && count - position < batchSize) { startEpoch() }
    }

    private mutating func startEpoch() {
        epoch += 1
        position = 0
        epochStart = generator
        for i in 0..<count { order[i] = i }
        generator.shuffle(&order)
    }

    private enum CodingKeys: String, CodingKey { case count, batchSize, dropLast, epoch, position, generator, epochStart }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(count, forKey: .count)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(dropLast, forKey: .dropLast)
        try c.encode(epoch, forKey: .epoch)
        try c.encode(position, forKey: .position)
        try c.encode(generator, forKey: .generator)
        try c.encode(epochStart, forKey: .epochStart)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        dropLast = try c.decode(Bool.self, forKey: .dropLast)
        epoch = try c.decode(Int.self, forKey: .epoch)
        position = try c.decode(Int.self, forKey: .position)
        epochStart = try c.decode(SeededGenerator.self, forKey: .epochStart)
        guard count > 0, batchSize > 0, !dropLast || batchSize <= count, epoch >= 0, (0..<count).contains(position),
              epochStart.state.count == 4
        else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "inconsistent BatchSampler state"))
        }
        generator = epochStart
        order = Array(0..<count)
        generator.shuffle(&order)
        guard generator == (try c.decode(SeededGenerator.self, forKey: .generator)) else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                                                    debugDescription: "BatchSampler generator does not follow its epoch start"))
        }
    }
}
