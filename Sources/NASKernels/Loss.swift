import NASRandom
#if canImport(Glibc)
    import Glibc
#endif

/// Softmax cross-entropy against labels with label smoothing ε (the target is
/// (1 − ε)·onehot + ε/K), or against soft targets: rows of probabilities, a teacher's
/// predictions in in-place distillation.
public enum SoftmaxCrossEntropy {
    /// Mean loss over the batch and the number of correct argmax predictions; writes
    /// dlogits = (softmax − target) / N.
    public static func forwardBackward(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, dlogits: UnsafeMutablePointer<Float>,
        batch: Int, classes k: Int, labelSmoothing: Float
    ) -> (loss: Float, correct: Int) {
        let off = labelSmoothing / Float(k)
        let on = 1 - labelSmoothing + off
        return rows(logits: logits, labels: labels, dlogits: dlogits, batch: batch, classes: k) { n, j in
            j == Int(labels[n]) ? on : off
        }
    }

    /// The same against `targets` [batch, classes] (each row sums to 1); `labels` only count
    /// the correct predictions.
    public static func forwardBackward(
        logits: UnsafePointer<Float>, targets: UnsafePointer<Float>, labels: UnsafePointer<Int32>,
        dlogits: UnsafeMutablePointer<Float>, batch: Int, classes k: Int
    ) -> (loss: Float, correct: Int) {
        rows(logits: logits, labels: labels, dlogits: dlogits, batch: batch, classes: k) { n, j in targets[n * k + j] }
    }

    /// Softmax of each row of `logits` [batch, classes] into `probabilities`.
    public static func softmax(logits: UnsafePointer<Float>, probabilities: UnsafeMutablePointer<Float>, batch: Int, classes k: Int) {
        for n in 0..<batch {
            let row = logits + n * k
            let logSum = logSumExp(row, k)
            for j in 0..<k { probabilities[n * k + j] = expf(row[j] - logSum) }
        }
    }

    @inline(__always)
    private static func logSumExp(_ row: UnsafePointer<Float>, _ k: Int) -> Float {
        var maxValue = row[0]
        for j in 1..<k { maxValue = max(maxValue, row[j]) }
        var sum: Float = 0
        for j in 0..<k { sum += expf(row[j] - maxValue) }
        return logf(sum) + maxValue
    }

    @inline(__always)
    private static func rows(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, dlogits: UnsafeMutablePointer<Float>, batch: Int, classes k: Int,
        target: (_ row: Int, _ column: Int) -> Float
    ) -> (loss: Float, correct: Int) {
        var total: Double = 0
        var correct = 0
        let inverseBatch = 1 / Float(batch)
        for n in 0..<batch {
            let row = logits + n * k
            var argmax = 0
            for j in 1..<k where row[j] > row[argmax] { argmax = j }
            if argmax == Int(labels[n]) { correct += 1 }
            let logSum = logSumExp(row, k)
            var loss: Float = 0
            for j in 0..<k {
                let t = target(n, j)
                loss -= t * (row[j] - logSum)
                dlogits[n * k + j] = (expf(row[j] - logSum) - t) * inverseBatch
            }
            total += Double(loss)
        }
        return (Float(total / Double(batch)), correct)
    }

    /// Correct predictions only (evaluation).
    public static func correct(logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batch: Int, classes k: Int) -> Int {
        var correct = 0
        for n in 0..<batch {
            let row = logits + n * k
            var argmax = 0
            for j in 1..<k where row[j] > row[argmax] { argmax = j }
            if argmax == Int(labels[n]) { correct += 1 }
        }
        return correct
    }
}

/// Inverted dropout: each element kept with probability 1 − rate and scaled by 1/(1 − rate).
public enum Dropout {
    /// Draws mask (0 or 1/(1 − rate)) and writes y = x · mask.
    public static func forward(
        x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, mask: UnsafeMutablePointer<Float>, count: Int,
        rate: Float, generator: inout SeededGenerator
    ) {
        let keep = 1 - rate
        for i in 0..<count {
            mask[i] = generator.nextFloat() < keep ? 1 / keep : 0
            y[i] = x[i] * mask[i]
        }
    }

    /// Per-sample masks for drop-connect (stochastic depth): 0 or 1/(1 − rate) per sample.
    public static func sampleMask(_ mask: UnsafeMutablePointer<Float>, batch: Int, rate: Float, generator: inout SeededGenerator) {
        let keep = 1 - rate
        for n in 0..<batch { mask[n] = generator.nextFloat() < keep ? 1 / keep : 0 }
    }
}
