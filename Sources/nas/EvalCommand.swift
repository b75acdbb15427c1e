import ArgumentParser
import Foundation
import NASData
import NASModel
import NASRecipe
import NASTraining

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained model folder (from `nas train --out`) on a split.",
        discussion: "The data is the model's own (the dataset, location and held-out split it was trained with) unless --dataset or --data say otherwise.")

    enum Split: String, ExpressibleByArgument, CaseIterable { case train, val, test }

    @Argument(help: "A folder written by `nas train --out`.") var folder: String
    @OptionGroup var data: DatasetOptions
    @Option(help: "train, val or test.") var split: Split = .val
    @Option(help: "Batch size.") var batch = TrainingConfig.defaults.batchSize
    @Option(help: "Threads.") var threads = TrainingConfig.defaults.threads
    @Flag(help: "Print one JSON line.") var json = false
    @Option(help: "Also write every image's logits, in the split's order, to this .npy file (float32 [images, classes]).")
    var logits: String?
    @Option(help: "Also write the split's images as an exported ONNX model takes them, in the same order, to this .npy file (float32 [images, channels, height, width] in [0, 1]): for checking an export in another runtime (Benchmarks/onnx/check.py --images).")
    var inputs: String?

    struct Result: Encodable {
        var accuracy: Double
        var split: String
        var images: Int
        var seconds: Double
    }

    func validate() throws {
        // Evaluation has no batch-norm update, so a batch of 1 is fine; the buffers are sized
        // for the largest batch, bounded as in training.
        try checkBound("--batch", batch, 1...TrainingConfig.batchRange.upperBound)
        try checkBound("--threads", threads, TrainingConfig.threadsRange)
    }

    func run() throws {
        let start = Date()
        Inference.useThreads(threads)
        let loaded = try ModelFolder.load(URL(fileURLWithPath: folder), maxBatch: batch)
        let record = loaded.record
        let own = DatasetKind(rawValue: record.dataset).map { DatasetOptions.Source(kind: $0, path: record.dataPath, validation: record.validation) }
        let splits = try data.load(data.source(defaults: own))
        let set: ImageSet
        switch split {
        case .train: set = splits.train
        case .val: set = splits.validation
        case .test:
            guard let test = splits.test else { throw CommandError("\(splits.name) has no test split") }
            set = test
        }
        guard set.channels == loaded.network.inputChannels, set.classNames.count == loaded.network.classes else {
            throw CommandError(
                "the model expects \(loaded.network.inputChannels)-channel images and \(loaded.network.classes) classes; "
                    + "\(splits.name) has \(set.channels) and \(set.classNames.count)")
        }
        let assembler = BatchAssembler(
            mean: loaded.record.mean, std: loaded.record.std, augmentation: splits.augmentation, outputSize: loaded.record.resolution)
        let images = FloatBuffer(batch * loaded.record.resolution * loaded.record.resolution * set.channels)
        var collected: [Float] = []
        if logits != nil { collected.reserveCapacity(set.count * loaded.network.classes) }
        let accuracy = Inference.accuracy(
            model: loaded.model, set: set, assembler: assembler, images: images, batchSize: batch,
            logits: logits == nil ? nil : { collected.append(contentsOf: $0) })
        if let logits { try write(NumpyFile.float32(collected, shape: [set.count, loaded.network.classes]), to: logits) }
        if let inputs {
            let padding = DatasetKind(rawValue: record.dataset)?.loaderPadding ?? 0
            let (values, shape) = Self.planar(set, cropping: padding)
            try write(NumpyFile.float32(values, shape: shape), to: inputs)
        }
        let result = Result(accuracy: accuracy, split: split.rawValue, images: set.count, seconds: Date().timeIntervalSince(start))
        if json { try printJSON(result) } else { print(String(format: "%@ accuracy %.4f on %d images", split.rawValue, accuracy, set.count)) }
    }

    private func write(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CommandError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// The images NCHW in [0, 1] without the loader's padding (Fashion-MNIST's 28 → 32): what
    /// an exported model's input holds (Docs/ONNX.md).
    static func planar(_ set: ImageSet, cropping padding: Int) -> (values: [Float], shape: [Int]) {
        let (h, w, c) = (set.height - 2 * padding, set.width - 2 * padding, set.channels)
        var values = [Float](repeating: 0, count: set.count * c * h * w)
        for i in 0..<set.count {
            for k in 0..<c {
                for y in 0..<h {
                    for x in 0..<w {
                        let pixel = set.pixels[((i * set.height + y + padding) * set.width + x + padding) * c + k]
                        values[((i * c + k) * h + y) * w + x] = Float(pixel) / 255
                    }
                }
            }
        }
        return (values, [set.count, c, h, w])
    }
}
