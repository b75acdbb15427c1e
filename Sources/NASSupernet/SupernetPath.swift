import NASModel
import NASRandom

/// One architecture's model with its slices of a supernet's weights: `load()` copies them in,
/// `store()` copies what training changed back. Valid until the supernet makes the next path.
public final class SupernetPath {
    public unowned let supernet: Supernet
    public let model: Model
    /// Path offset → shared offset, for parameters (and the optimizer's state, laid out alike)
    /// and for BN statistics.
    let parameters: [CopyRun]
    let state: [CopyRun]
    /// The path's own optimizer; its state is loaded from and stored to the supernet's.
    public let optimizer: Optimizer

    init(supernet: Supernet, model: Model, parameters: [CopyRun], state: [CopyRun]) {
        self.supernet = supernet
        self.model = model
        self.parameters = parameters
        self.state = state
        optimizer = Optimizer(model: model, config: supernet.optimizer)
    }

    /// Weights, BN statistics and optimizer state from the supernet.
    public func load() {
        CopyRun.gather(parameters, from: supernet.storage.parameters.base!, into: model.parameters.base!)
        CopyRun.gather(state, from: supernet.storage.state.base!, into: model.state.base!)
        for (index, shared) in supernet.optimizerState.enumerated() {
            shared.withUnsafeBufferPointer { CopyRun.gather(parameters, from: $0.baseAddress!, into: optimizer.state[index]) }
        }
    }

    /// Weights, BN statistics and optimizer state back into the supernet.
    public func store() {
        CopyRun.scatter(parameters, from: model.parameters.base!, into: supernet.storage.parameters.base!)
        CopyRun.scatter(state, from: model.state.base!, into: supernet.storage.state.base!)
        for index in supernet.optimizerState.indices {
            supernet.optimizerState[index].withUnsafeMutableBufferPointer {
                CopyRun.scatter(parameters, from: optimizer.state[index], into: $0.baseAddress!)
            }
        }
    }

    /// One training step of this path on the shared weights (loaded when the path was made):
    /// forward and backward (against `teacher`'s predictions if given: `Model.trainStep`), the
    /// optimizer's step, store.
    public func trainStep(
        images: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, labelSmoothing: Float, learningRate: Float,
        teacher: UnsafePointer<Float>? = nil, generator: inout SeededGenerator
    ) -> (loss: Float, correct: Int) {
        let result = model.trainStep(
            images: images, labels: labels, batch: batch, labelSmoothing: labelSmoothing, teacher: teacher, generator: &generator)
        optimizer.step(learningRate: learningRate)
        store()
        return result
    }
}
