import Testing

@testable import NASKernels
import NASRandom

/// A Float buffer with the 16 floats of slack every kernel buffer has.
final class Buffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>
    init(_ count: Int, fill: Float = 0) {
        self.count = count
        pointer = .allocate(capacity: count + vecWidth)
        pointer.initialize(repeating: fill, count: count + vecWidth)
    }
    convenience init(random count: Int, generator: inout SeededGenerator, scale: Float = 1) {
        self.init(count)
        for i in 0..<count { pointer[i] = generator.nextNormal() * scale }
    }
    deinit { pointer.deallocate() }
    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    func zero() { pointer.update(repeating: 0, count: count) }
    subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}

/// Σ y · r in Double: the scalar whose gradient w.r.t. y is r.
func project(_ y: Buffer, _ r: Buffer) -> Double {
    var total = 0.0
    for i in 0..<y.count { total += Double(y[i]) * Double(r[i]) }
    return total
}

/// Compares analytic gradients with central differences at a sample of positions.
func expectGradient(
    _ name: String, of parameter: Buffer, analytic: [Float], loss: () -> Double, epsilon: Float = 1e-2,
    tolerance: Double = 2e-2, samples: Int = 40, sourceLocation: SourceLocation = #_sourceLocation
) {
    var generator = SeededGenerator(seed: 99)
    let positions = parameter.count <= samples ? Array(0..<parameter.count)
        : (0..<samples).map { _ in Int(generator.next() % UInt64(parameter.count)) }
    var worst = 0.0
    let scale = max(1e-3, analytic.map { Double(abs($0)) }.max() ?? 0)
    for i in positions {
        let saved = parameter[i]
        parameter[i] = saved + epsilon
        let plus = loss()
        parameter[i] = saved - epsilon
        let minus = loss()
        parameter[i] = saved
        let numeric = (plus - minus) / (2 * Double(epsilon))
        let error = abs(numeric - Double(analytic[i])) / max(scale, abs(numeric))
        worst = max(worst, error)
    }
    #expect(worst < tolerance, "\(name): worst relative error \(worst)", sourceLocation: sourceLocation)
}
