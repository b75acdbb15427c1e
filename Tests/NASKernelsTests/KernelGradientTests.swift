import Foundation
import Testing

@testable import NASKernels
import NASRandom

@Suite(.serialized) struct KernelGradientTests {
    init() {
        configureThreads(1)
    }

    /// 20 channels, and 8 (worked on as two rows per vector when the rows are even).
    @Test(arguments: [ActivationKind.identity, .swish, .relu, .relu6], [(24, 20), (24, 8), (23, 8)])
    func batchNormTraining(activation: ActivationKind, shape: (rows: Int, channels: Int)) {
        var g = SeededGenerator(seed: 1)
        let (rows, c) = shape
        let x = Buffer(random: rows * c, generator: &g, scale: 2)
        let gamma = Buffer(random: c, generator: &g)
        let beta = Buffer(random: c, generator: &g)
        let r = Buffer(random: rows * c, generator: &g)
        let y = Buffer(rows * c)
        let mean = Buffer(c), invstd = Buffer(c), runMean = Buffer(c), runVar = Buffer(c, fill: 1)
        let workspace = Buffer(max(16 * (2 * c + 64), BatchNorm.backwardWorkspace(channels: c, threads: 2)))
        func forward() {
            BatchNorm.forwardTraining(
                x: x.pointer, y: y.pointer, rows: rows, channels: c, gamma: gamma.pointer, beta: beta.pointer,
                mean: mean.pointer, invstd: invstd.pointer, runningMean: runMean.pointer, runningVar: runVar.pointer,
                momentum: 0.1, epsilon: 1e-3, activation: activation, workspace: workspace.pointer)
        }
        forward()
        let dx = Buffer(rows * c), dgamma = Buffer(c), dbeta = Buffer(c)
        BatchNorm.backward(
            dy: r.pointer, x: x.pointer, dx: dx.pointer, rows: rows, channels: c, gamma: gamma.pointer,
            beta: beta.pointer, mean: mean.pointer, invstd: invstd.pointer, dgamma: dgamma.pointer,
            dbeta: dbeta.pointer, activation: activation, workspace: workspace.pointer)
        let loss = { forward(); return project(y, r) }
        // ReLU's kink spoils wide differences: step less across it.
        let epsilon: Float = activation == .relu || activation == .relu6 ? 1e-3 : 1e-2
        expectGradient("dx", of: x, analytic: dx.array, loss: loss, epsilon: epsilon)
        expectGradient("dgamma", of: gamma, analytic: dgamma.array, loss: loss, epsilon: epsilon)
        expectGradient("dbeta", of: beta, analytic: dbeta.array, loss: loss, epsilon: epsilon)
    }

    @Test func batchNormStatisticsAndInference() {
        var g = SeededGenerator(seed: 2)
        let (rows, c) = (50, 3)
        let x = Buffer(random: rows * c, generator: &g, scale: 3)
        let gamma = Buffer(c, fill: 1), beta = Buffer(c)
        let y = Buffer(rows * c), mean = Buffer(c), invstd = Buffer(c), runMean = Buffer(c), runVar = Buffer(c, fill: 1)
        let workspace = Buffer(1024)
        BatchNorm.forwardTraining(
            x: x.pointer, y: y.pointer, rows: rows, channels: c, gamma: gamma.pointer, beta: beta.pointer,
            mean: mean.pointer, invstd: invstd.pointer, runningMean: runMean.pointer, runningVar: runVar.pointer,
            momentum: 1, epsilon: 0, activation: .identity, workspace: workspace.pointer)
        for ch in 0..<c {
            let column = (0..<rows).map { Double(y[$0 * c + ch]) }
            let m = column.reduce(0, +) / Double(rows)
            let v = column.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(rows)
            #expect(abs(m) < 1e-5 && abs(v - 1) < 1e-4)
        }
        // With momentum 1 the running stats are this batch's; inference then reproduces training.
        let y2 = Buffer(rows * c)
        BatchNorm.forwardInference(
            x: x.pointer, y: y2.pointer, rows: rows, channels: c, gamma: gamma.pointer, beta: beta.pointer,
            runningMean: runMean.pointer, runningVar: runVar.pointer, epsilon: 0, activation: .identity,
            workspace: workspace.pointer)
        // Running variance is unbiased: inference output = training output · sqrt((P − 1) / P).
        let factor = Float((Double(rows - 1) / Double(rows)).squareRoot())
        for i in 0..<(rows * c) { #expect(abs(y[i] * factor - y2[i]) < 1e-4) }
    }

    @Test(arguments: [(3, 1, 5, 6, 20), (5, 2, 7, 7, 16), (7, 2, 8, 6, 24), (3, 2, 4, 4, 40), (5, 1, 2, 1, 8), (5, 2, 1, 3, 8), (3, 2, 2, 2, 4)])
    func depthwise(kernel: Int, stride: Int, height: Int, width: Int, channels: Int) {
        var g = SeededGenerator(seed: 3)
        let s = DepthwiseShape(batch: 2, height: height, width: width, channels: channels, kernel: kernel, stride: stride)
        let x = Buffer(random: 2 * height * width * channels, generator: &g)
        let w = Buffer(random: kernel * kernel * channels, generator: &g)
        let y = Buffer(2 * s.outHeight * s.outWidth * channels)
        let r = Buffer(random: y.count, generator: &g)
        let dx = Buffer(x.count), dw = Buffer(w.count), workspace = Buffer(4 * (w.count + 16))
        Depthwise.forward(s, x: x.pointer, weight: w.pointer, y: y.pointer)
        Depthwise.backward(s, x: x.pointer, weight: w.pointer, dy: r.pointer, dx: dx.pointer, dweight: dw.pointer, workspace: workspace.pointer)
        let loss = { Depthwise.forward(s, x: x.pointer, weight: w.pointer, y: y.pointer); return project(y, r) }
        expectGradient("dx", of: x, analytic: dx.array, loss: loss)
        expectGradient("dw", of: w, analytic: dw.array, loss: loss)
    }

    @Test(arguments: [(1, 1, 5, 7), (3, 2, 3, 8), (3, 1, 4, 5), (5, 2, 1, 6)])
    func conv(kernel: Int, stride: Int, inChannels: Int, outChannels: Int) {
        var g = SeededGenerator(seed: 4)
        let s = ConvShape(batch: 2, height: 6, width: 5, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride)
        let x = Buffer(random: 2 * 6 * 5 * inChannels, generator: &g)
        let w = Buffer(random: s.patch * outChannels, generator: &g)
        let y = Buffer(s.outRows * outChannels)
        let r = Buffer(random: y.count, generator: &g)
        let dx = Buffer(x.count), dw = Buffer(w.count), workspace = Buffer(max(1, s.workspaceCount))
        let columns = Buffer(max(1, s.workspaceCount))
        Conv.forward(s, x: x.pointer, weight: w.pointer, y: y.pointer, columns: columns.pointer)
        Conv.backward(s, x: x.pointer, weight: w.pointer, dy: r.pointer, dx: dx.pointer, dweight: dw.pointer, columns: columns.pointer, workspace: workspace.pointer)
        let loss = { Conv.forward(s, x: x.pointer, weight: w.pointer, y: y.pointer, columns: columns.pointer); return project(y, r) }
        expectGradient("dx", of: x, analytic: dx.array, loss: loss)
        expectGradient("dw", of: w, analytic: dw.array, loss: loss)
    }

    @Test(arguments: [ActivationKind.swish, .relu])
    func squeezeExcitation(activation: ActivationKind) {
        var g = SeededGenerator(seed: 5)
        let s = SqueezeExcitationShape(batch: 3, pixels: 4, channels: 24, reduced: 5)
        let x = Buffer(random: 3 * 4 * 24, generator: &g)
        let w1 = Buffer(random: 24 * 5, generator: &g, scale: 0.5), b1 = Buffer(random: 5, generator: &g)
        let w2 = Buffer(random: 5 * 24, generator: &g, scale: 0.5), b2 = Buffer(random: 24, generator: &g)
        let y = Buffer(x.count), r = Buffer(random: x.count, generator: &g)
        let pooled = Buffer(3 * 24), hPre = Buffer(3 * 5), h = Buffer(3 * 5), gate = Buffer(3 * 24)
        func forward() {
            SqueezeExcitation.forward(
                s, x: x.pointer, y: y.pointer, w1: w1.pointer, b1: b1.pointer, w2: w2.pointer, b2: b2.pointer,
                activation: activation, pooled: pooled.pointer, hPre: hPre.pointer, h: h.pointer, gate: gate.pointer)
        }
        forward()
        let dx = Buffer(x.count), dw1 = Buffer(w1.count), db1 = Buffer(5), dw2 = Buffer(w2.count), db2 = Buffer(24)
        let workspace = Buffer(2 * 3 * 24 + 3 * 5 + 64)
        SqueezeExcitation.backward(
            s, x: x.pointer, dy: r.pointer, dx: dx.pointer, w1: w1.pointer, w2: w2.pointer, activation: activation,
            pooled: pooled.pointer, hPre: hPre.pointer, h: h.pointer, gate: gate.pointer, dw1: dw1.pointer,
            db1: db1.pointer, dw2: dw2.pointer, db2: db2.pointer, workspace: workspace.pointer)
        let loss = { forward(); return project(y, r) }
        expectGradient("dx", of: x, analytic: dx.array, loss: loss)
        expectGradient("dw1", of: w1, analytic: dw1.array, loss: loss)
        expectGradient("db1", of: b1, analytic: db1.array, loss: loss)
        expectGradient("dw2", of: w2, analytic: dw2.array, loss: loss)
        expectGradient("db2", of: b2, analytic: db2.array, loss: loss)
    }

    @Test func denseAndPooling() {
        var g = SeededGenerator(seed: 6)
        let x = Buffer(random: 2 * 9 * 20, generator: &g)
        let pooled = Buffer(2 * 20)
        let w = Buffer(random: 20 * 7, generator: &g), b = Buffer(random: 7, generator: &g)
        let y = Buffer(2 * 7), r = Buffer(random: 14, generator: &g)
        func forward() {
            GlobalAveragePool.forward(x: x.pointer, y: pooled.pointer, batch: 2, pixels: 9, channels: 20)
            Dense.forward(x: pooled.pointer, weight: w.pointer, bias: b.pointer, y: y.pointer, batch: 2, inputs: 20, outputs: 7)
        }
        forward()
        let dpooled = Buffer(40), dw = Buffer(w.count), db = Buffer(7), dx = Buffer(x.count)
        Dense.backward(x: pooled.pointer, weight: w.pointer, dy: r.pointer, dx: dpooled.pointer, dweight: dw.pointer, dbias: db.pointer, batch: 2, inputs: 20, outputs: 7)
        GlobalAveragePool.backward(dy: dpooled.pointer, dx: dx.pointer, batch: 2, pixels: 9, channels: 20)
        let loss = { forward(); return project(y, r) }
        expectGradient("dx", of: x, analytic: dx.array, loss: loss)
        expectGradient("dw", of: w, analytic: dw.array, loss: loss)
        expectGradient("db", of: b, analytic: db.array, loss: loss)
    }

    @Test func softmaxCrossEntropyWithLabelSmoothing() {
        var g = SeededGenerator(seed: 7)
        let logits = Buffer(random: 4 * 6, generator: &g, scale: 3)
        let labels: [Int32] = [0, 5, 2, 2]
        let d = Buffer(24)
        func loss() -> Double {
            labels.withUnsafeBufferPointer {
                Double(SoftmaxCrossEntropy.forwardBackward(logits: logits.pointer, labels: $0.baseAddress!, dlogits: d.pointer, batch: 4, classes: 6, labelSmoothing: 0.1).loss)
            }
        }
        _ = loss()
        let analytic = d.array
        expectGradient("dlogits", of: logits, analytic: analytic, loss: loss, epsilon: 1e-2)
        // Uniform logits: loss is log K whatever the smoothing.
        let uniform = Buffer(6)
        let value = [Int32(3)].withUnsafeBufferPointer {
            SoftmaxCrossEntropy.forwardBackward(logits: uniform.pointer, labels: $0.baseAddress!, dlogits: d.pointer, batch: 1, classes: 6, labelSmoothing: 0.1).loss
        }
        #expect(abs(value - Float(log(6.0))) < 1e-5)
    }

    /// In-place distillation's loss: against a teacher's probabilities. The smoothed one-hot
    /// rows as targets give the labels' loss and gradient exactly; a softmax row as target
    /// has its gradient checked; the softmax of the logits themselves gives no gradient.
    @Test func softmaxCrossEntropyAgainstSoftTargets() {
        var g = SeededGenerator(seed: 8)
        let logits = Buffer(random: 4 * 6, generator: &g, scale: 3)
        let labels: [Int32] = [1, 4, 0, 4]
        let d = Buffer(24), dSoft = Buffer(24)
        let smoothed = Buffer(24)
        for n in 0..<4 { for j in 0..<6 { smoothed.pointer[n * 6 + j] = j == Int(labels[n]) ? 0.9 + 0.1 / 6 : 0.1 / 6 } }
        labels.withUnsafeBufferPointer { labels in
            let hard = SoftmaxCrossEntropy.forwardBackward(logits: logits.pointer, labels: labels.baseAddress!, dlogits: d.pointer, batch: 4, classes: 6, labelSmoothing: 0.1)
            let soft = SoftmaxCrossEntropy.forwardBackward(
                logits: logits.pointer, targets: smoothed.pointer, labels: labels.baseAddress!, dlogits: dSoft.pointer, batch: 4, classes: 6)
            #expect(abs(hard.loss - soft.loss) < 1e-6 && hard.correct == soft.correct)
            #expect(zip(d.array, dSoft.array).allSatisfy { abs($0 - $1) < 1e-6 })
            let teacher = Buffer(random: 4 * 6, generator: &g, scale: 2)
            let targets = Buffer(24)
            SoftmaxCrossEntropy.softmax(logits: teacher.pointer, probabilities: targets.pointer, batch: 4, classes: 6)
            #expect((0..<4).allSatisfy { n in abs((0..<6).reduce(Float(0)) { $0 + targets.pointer[n * 6 + $1] } - 1) < 1e-5 })
            func loss() -> Double {
                Double(SoftmaxCrossEntropy.forwardBackward(
                    logits: logits.pointer, targets: targets.pointer, labels: labels.baseAddress!, dlogits: dSoft.pointer, batch: 4, classes: 6).loss)
            }
            _ = loss()
            expectGradient("dlogits", of: logits, analytic: dSoft.array, loss: loss, epsilon: 1e-2)
            SoftmaxCrossEntropy.softmax(logits: logits.pointer, probabilities: targets.pointer, batch: 4, classes: 6)
            _ = loss()
            #expect(dSoft.array.allSatisfy { abs($0) < 1e-7 })
        }
    }

    @Test func vectorExpIsAccurate() {
        var worst: Float = 0
        var x: Float = -80
        while x < 80 {
            var v = Vec(repeating: 0)
            for i in 0..<16 { v[i] = x + Float(i) * 0.01 }
            let e = vexp(v)
            for i in 0..<16 { worst = max(worst, abs(e[i] - Float(exp(Double(v[i])))) / Float(exp(Double(v[i])))) }
            x += 0.37
        }
        #expect(worst < 5e-7)
        let s = vsigmoid(Vec(repeating: 0))[0], low = vsigmoid(Vec(repeating: -200))[0], high = vsigmoid(Vec(repeating: 200))[0]
        #expect(abs(s - 0.5) < 1e-7)
        #expect(low < 1e-30 && high == 1 && low.isFinite)
    }

    @Test func parallelChunksMatchSingleThreaded() {
        var g = SeededGenerator(seed: 8)
        let s = DepthwiseShape(batch: 4, height: 9, width: 9, channels: 32, kernel: 5, stride: 2)
        let x = Buffer(random: 4 * 81 * 32, generator: &g), w = Buffer(random: 25 * 32, generator: &g)
        let y1 = Buffer(4 * s.outHeight * s.outWidth * 32), y2 = Buffer(y1.count)
        Depthwise.forward(s, x: x.pointer, weight: w.pointer, y: y1.pointer)
        configureThreads(2)
        defer { configureThreads(1) }
        Depthwise.forward(s, x: x.pointer, weight: w.pointer, y: y2.pointer)
        #expect(y1.array == y2.array)
        // Backward split over threads: dx exactly, dw up to the order of its partial sums.
        let dy = Buffer(random: y1.count, generator: &g), workspace = Buffer(2 * (25 * 32 + 16))
        let dx1 = Buffer(x.count), dx2 = Buffer(x.count), dw1 = Buffer(w.count), dw2 = Buffer(w.count)
        configureThreads(1)
        Depthwise.backward(s, x: x.pointer, weight: w.pointer, dy: dy.pointer, dx: dx1.pointer, dweight: dw1.pointer, workspace: workspace.pointer)
        configureThreads(2)
        Depthwise.backward(s, x: x.pointer, weight: w.pointer, dy: dy.pointer, dx: dx2.pointer, dweight: dw2.pointer, workspace: workspace.pointer)
        #expect(dx1.array == dx2.array)
        for t in 0..<w.count { #expect(abs(dw1[t] - dw2[t]) <= 1e-4 * max(1, abs(dw1[t]))) }
    }
}
