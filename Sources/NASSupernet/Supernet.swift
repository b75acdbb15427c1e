import NASArchitecture
import NASModel
import NASRandom
import NASRecipe

/// One set of weights shared by every architecture of a family (single-path weight sharing,
/// Single-Path NAS and TuNAS): the largest network's tensors, of which each architecture (a
/// path) uses a corner — a smaller kernel is the centre of the largest, fewer channels are the
/// first ones, fewer layers in a stage are its first layers, a block without SE leaves the SE
/// weights out. The optimizer's state (momentum, RMSprop's mean square) is shared the same way.
///
/// A path is an ordinary `Model` of the architecture (so it trains and scores with the very
/// kernels and numbers of stand-alone training) whose activations live in one pool reused by
/// the next path. A step loads the path's slices of weights, BN statistics and optimizer state,
/// trains, and stores them back: weights a path does not use are not touched (no dense masks,
/// no decay or momentum for unused weights). One path at a time; not thread-safe.
public final class Supernet {
    /// The largest network (as trained: width, stem, classes and resolution applied). Its
    /// model, built at batch 1, holds the shared weights and BN statistics.
    public let largest: ResolvedNetwork
    public let storage: Model
    public let optimizer: OptimizerConfig
    public let maxBatch: Int
    /// Optimizer state per shared weight: momentum, and RMSprop's mean square.
    var optimizerState: [[Float]]
    let keys: [String: TensorInfo]
    let stateKeys: [String: TensorInfo]
    let pool = ActivationPool()

    /// Weights drawn like a stand-alone model's (EfficientNet's initializers on the largest shapes).
    public init(largest: ResolvedNetwork, maxBatch: Int, optimizer: OptimizerConfig, generator: inout SeededGenerator) {
        self.largest = largest
        self.maxBatch = maxBatch
        self.optimizer = optimizer
        storage = Model(largest, maxBatch: 1, generator: &generator)
        let count = storage.parameters.count
        optimizerState = [Array(repeating: 0, count: count)]
        if optimizer.kind == .rmsprop { optimizerState.append(Array(repeating: 1, count: count)) }
        keys = Supernet.keyed(storage.parameters.tensors, largest)
        stateKeys = Supernet.keyed(storage.state.tensors, largest)
    }

    /// The model of one architecture (resolved at the same resolution, width and stem as
    /// `largest`) with its slices of the shared weights loaded. Invalidates the previous path.
    public func path(_ architecture: ResolvedNetwork) throws(SupernetError) -> SupernetPath {
        pool.reset()
        let model = Model(architecture, maxBatch: maxBatch, pool: pool)
        let parameters = try Supernet.slices(model.parameters.tensors, architecture, into: keys)
        let state = try Supernet.slices(model.state.tensors, architecture, into: stateKeys)
        let path = SupernetPath(supernet: self, model: model, parameters: parameters, state: state)
        path.load()
        return path
    }

    /// Tensors by their place in the network rather than their layer index: block layer i of
    /// stage s is `stages.s.i`, so a path with fewer layers finds its layers' tensors.
    static func keyed(_ tensors: [TensorInfo], _ network: ResolvedNetwork) -> [String: TensorInfo] {
        Dictionary(uniqueKeysWithValues: tensors.map { (key($0.name, network), $0) })
    }

    static func key(_ name: String, _ network: ResolvedNetwork) -> String {
        guard name.hasPrefix("blocks.") else { return name }
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, let index = Int(parts[1]), network.blocks.indices.contains(index) else { return name }
        let block = network.blocks[index]
        let first = network.blocks.firstIndex { $0.stage == block.stage } ?? index
        return "stages.\(block.stage).\(index - first).\(parts[2])"
    }

    /// Where each of a path's tensors lies in the shared ones, as copy runs.
    static func slices(_ tensors: [TensorInfo], _ network: ResolvedNetwork, into shared: [String: TensorInfo])
        throws(SupernetError) -> [CopyRun]
    {
        var runs: [CopyRun] = []
        for tensor in tensors {
            let key = key(tensor.name, network)
            guard let target = shared[key] else { throw .notInSupernet(tensor: tensor.name, shape: tensor.shape) }
            guard let tensorRuns = CopyRun.runs(from: tensor, in: target, centred: centredAxes(tensor)) else {
                throw .doesNotFit(tensor: tensor.name, shape: tensor.shape, shared: target.shape)
            }
            runs.append(contentsOf: tensorRuns)
        }
        return CopyRun.merged(runs)
    }

    /// The spatial axes of a convolution's weight ([k, k, in, out] or depthwise [k, k, c]):
    /// a smaller kernel is the centre of the larger one.
    static func centredAxes(_ tensor: TensorInfo) -> Int {
        tensor.name.hasSuffix(".conv.weight") && tensor.shape.count >= 3 ? 2 : 0
    }
}

public enum SupernetError: Error, Equatable, Sendable, CustomStringConvertible {
    case notInSupernet(tensor: String, shape: [Int])
    case doesNotFit(tensor: String, shape: [Int], shared: [Int])

    public var description: String {
        switch self {
        case let .notInSupernet(tensor, shape):
            "the architecture's \(tensor) \(shape) has no counterpart in the supernet (a different operator or more layers than its largest network)"
        case let .doesNotFit(tensor, shape, shared):
            "the architecture's \(tensor) \(shape) does not fit the supernet's \(shared)"
        }
    }
}

extension Supernet {
    /// Everything training changes, for a checkpoint: parameters, BN statistics, then the
    /// optimizer's state arrays.
    public var savedArrays: [[Float]] {
        [Array(storage.parameters.buffer), Array(storage.state.buffer)] + optimizerState
    }

    /// Puts back what `savedArrays` returned (same counts: the caller checks).
    public func restore(_ arrays: [[Float]]) {
        precondition(arrays.count == 2 + optimizerState.count, "a supernet checkpoint of another optimizer")
        _ = storage.parameters.buffer.update(fromContentsOf: arrays[0])
        _ = storage.state.buffer.update(fromContentsOf: arrays[1])
        for index in optimizerState.indices { optimizerState[index] = arrays[2 + index] }
    }
}
