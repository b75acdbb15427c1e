import Foundation
import NASData
import NASKernels
import Testing
import NASRandom

@Suite struct SplitTests {
    @Test func splitIsFixedDisjointAndStratified() {
        let labels = (0..<1000).map { Int32($0 % 7 == 0 ? 3 : $0 % 3) }  // uneven classes
        let a = DatasetLoader.validationSplit(labels: labels, classCount: 4, count: 150)
        let b = DatasetLoader.validationSplit(labels: labels, classCount: 4, count: 150)
        #expect(a.train == b.train && a.validation == b.validation)
        #expect(a.validation.count == 150 && a.train.count == 850)
        #expect(Set(a.train).isDisjoint(with: a.validation) && Set(a.train + a.validation) == Set(0..<1000))
        #expect(a.validation == a.validation.sorted())
        for c in 0..<4 {
            let total = labels.filter { $0 == c }.count
            let held = a.validation.filter { labels[$0] == c }.count
            #expect(abs(Double(held) - Double(total) * 0.15) <= 1)
        }
        // Drawn from the whole set, not the first images of each class.
        #expect(a.validation.last! > 900)
        #expect(DatasetLoader.validationSplit(labels: labels, classCount: 4, count: 0).validation.isEmpty)
    }

    @Test func loadGivesSameSplitEveryTime() throws {
        let dir = TemporaryDirectory()
        _ = CIFARBinaryTests.release(in: dir)
        let a = try DatasetLoader.load(.cifar10, path: dir.path, validationCount: 6)
        let b = try DatasetLoader.load(.cifar10, path: dir.path, validationCount: 6)
        #expect(a.train == b.train && a.validation == b.validation && a.mean == b.mean && a.std == b.std)
        #expect(a.validation.classCounts == [2, 2, 2])
    }

    @Test func statisticsArePerChannel() {
        // Channel 0 is 0 or 255 half the time (mean 0.5, std 0.5); channel 1 is constant.
        let set = ImageSet(height: 1, width: 2, channels: 2, pixels: [0, 51, 255, 51, 0, 51, 255, 51], labels: [0, 0],
                           classNames: ["x"])
        let (mean, std) = DatasetLoader.statistics(set)
        #expect(abs(mean[0] - 0.5) < 1e-6 && abs(std[0] - 0.5) < 1e-6)
        #expect(abs(mean[1] - 0.2) < 1e-6 && std[1] == 1 / 255)  // floored, not 0
    }
}

@Suite struct SamplerTests {
    @Test func epochsArePermutationsFromTheSeed() {
        var a = BatchSampler(count: 10, batchSize: 4, generator: SeededGenerator(seed: 7), dropLast: false)
        var b = BatchSampler(count: 10, batchSize: 4, generator: SeededGenerator(seed: 7), dropLast: false)
        var c = BatchSampler(count: 10, batchSize: 4, generator: SeededGenerator(seed: 8), dropLast: false)
        #expect(a.batchesPerEpoch == 3)
        var epochs: [[Int]] = []
        var other: [Int] = []
        for _ in 0..<3 {
            var epoch: [Int] = []
            let start = a.epoch
            for k in 0..<3 {
                let batch = a.next()
                #expect(batch == b.next())
                #expect(batch.count == (k == 2 ? 2 : 4))
                epoch += batch
                other += c.next()
            }
            #expect(a.epoch == start + 1)
            #expect(epoch.sorted() == Array(0..<10))
            epochs.append(epoch)
        }
        #expect(epochs[0] != epochs[1] && epochs[1] != epochs[2])  // reshuffled every epoch
        #expect(other != epochs.flatMap { $0 })
    }

    @Test func dropLastSkipsThePartialBatch() {
        var s = BatchSampler(count: 10, batchSize: 4, generator: SeededGenerator(seed: 1))
        #expect(s.batchesPerEpoch == 2)
        let first = s.next() + s.next()
        #expect(s.epoch == 1 && s.position == 0 && Set(first).count == 8)
        #expect(s.next().count == 4 && s.epoch == 1)
        var buffer: [Int] = []
        buffer.reserveCapacity(4)
        s.next(into: &buffer)
        #expect(buffer.count == 4 && s.epoch == 2)
    }

    @Test func codableRoundTripContinuesTheStream() throws {
        var s = BatchSampler(count: 50, batchSize: 8, generator: SeededGenerator(seed: 42))
        for _ in 0..<9 { _ = s.next() }  // into the second epoch
        #expect(s.epoch == 1 && s.position == 24)
        let data = try JSONEncoder().encode(s)
        #expect(data.count < 1000)  // the order is replayed, not stored
        var restored = try JSONDecoder().decode(BatchSampler.self, from: data)
        #expect(restored.epoch == 1 && restored.position == 24 && restored.generator == s.generator)
        for _ in 0..<20 { #expect(restored.next() == s.next()) }
        #expect(restored.epoch == s.epoch && restored.generator.state == s.generator.state)

        // A state that does not hang together is refused.
        var json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        json["generator"] = ["state": [1, 2, 3, 4]]
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(BatchSampler.self, from: JSONSerialization.data(withJSONObject: json))
        }
    }
}

@Suite struct AssemblerTests {
    /// A 1-channel h×w set whose pixel (i, y, x) is 1 + i*100 + y*10 + x (mod 256; never 0 for i < 3).
    static func numbered(count: Int, h: Int, w: Int) -> ImageSet {
        var pixels: [UInt8] = []
        for i in 0..<count { for y in 0..<h { for x in 0..<w { pixels.append(UInt8(truncatingIfNeeded: 1 + i * 100 + y * 10 + x)) } } }
        return ImageSet(height: h, width: w, channels: 1, pixels: pixels, labels: (0..<count).map { Int32($0 % 2) }, classNames: ["a", "b"])
    }

    func fill(_ set: ImageSet, _ assembler: BatchAssembler, indices: [Int], augment: Bool, generator: inout SeededGenerator)
        -> (images: [Float], labels: [Int32])
    {
        var images = [Float](repeating: .nan, count: indices.count * assembler.floatsPerImage(channels: set.channels))
        var labels = [Int32](repeating: -1, count: indices.count)
        images.withUnsafeMutableBufferPointer { i in
            labels.withUnsafeMutableBufferPointer { l in
                assembler.fill(set, indices: indices, augment: augment, generator: &generator, images: i.baseAddress!, labels: l.baseAddress!)
            }
        }
        return (images, labels)
    }

    @Test func normalizesWithoutAugmentation() {
        let set = ImageSet(height: 1, width: 2, channels: 3, pixels: [0, 51, 255, 102, 153, 204], labels: [1], classNames: ["a", "b"])
        let assembler = BatchAssembler(mean: [0.5, 0.2, 0.1], std: [0.25, 0.5, 2], augmentation: Augmentation(cropPadding: 4, horizontalFlip: true),
                                       outputSize: 2)
        var generator = SeededGenerator(seed: 3)
        let before = generator
        let (images, labels) = fill(set, assembler, indices: [0], augment: false, generator: &generator)
        let expected: [Float] = [(0 - 0.5) / 0.25, (0.2 - 0.2) / 0.5, (1 - 0.1) / 2, (0.4 - 0.5) / 0.25, (0.6 - 0.2) / 0.5, (0.8 - 0.1) / 2]
        #expect(zip(images, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(images)")
        #expect(labels == [1] && generator == before)  // no augmentation, no draws
    }

    @Test func cropsAWindowOfTheZeroPaddedImage() {
        let set = Self.numbered(count: 3, h: 4, w: 4)
        let assembler = BatchAssembler(mean: [0], std: [1.0 / 255], augmentation: Augmentation(cropPadding: 1, horizontalFlip: false),
                                       outputSize: 4)
        var generator = SeededGenerator(seed: 11)
        var seen = Set<[Int]>()
        for _ in 0..<40 {
            let (images, labels) = fill(set, assembler, indices: [2, 0], augment: true, generator: &generator)
            #expect(labels == [0, 0])
            for (k, i) in [2, 0].enumerated() {
                let out = images[k * 16..<k * 16 + 16].map { Int($0.rounded()) }  // std 1/255: raw pixel values
                let offsets = (-1...1).flatMap { oy in (-1...1).map { ox in [oy, ox] } }.filter { o in
                    (0..<16).allSatisfy { p in
                        let (y, x) = (p / 4 + o[0], p % 4 + o[1])
                        let value = (0..<4).contains(y) && (0..<4).contains(x) ? Int(set.pixels[i * 16 + y * 4 + x]) : 0
                        return out[p] == value
                    }
                }
                #expect(offsets.count == 1, "batch item \(k) is not a padded crop: \(out)")
                seen.formUnion(offsets)
            }
        }
        #expect(seen.count == 9)  // every offset in [-1, 1]² occurs
    }

    @Test func flipsHalfTheTime() {
        let set = Self.numbered(count: 1, h: 3, w: 3)
        let assembler = BatchAssembler(mean: [0], std: [1.0 / 255], augmentation: Augmentation(cropPadding: 0, horizontalFlip: true),
                                       outputSize: 3)
        let plain = set.pixels.map(Int.init)
        let mirrored: [Int] = (0..<9).map { (p: Int) -> Int in plain[p / 3 * 3 + 2 - p % 3] }
        var generator = SeededGenerator(seed: 5)
        var flips = 0
        for _ in 0..<400 {
            let out = fill(set, assembler, indices: [0], augment: true, generator: &generator).images.map { Int($0.rounded()) }
            #expect(out == plain || out == mirrored)
            if out == mirrored { flips += 1 }
        }
        #expect((160...240).contains(flips))
    }

    @Test func resizesBilinearlyAfterCropping() {
        // 4×4 → 2×2 with half-pixel centers averages 2×2 blocks.
        let set = Self.numbered(count: 1, h: 4, w: 4)
        let down = BatchAssembler(mean: [0], std: [1.0 / 255], augmentation: .none, outputSize: 2)
        var generator = SeededGenerator(seed: 1)
        let out = fill(set, down, indices: [0], augment: false, generator: &generator).images
        #expect(zip(out, [6.5, 8.5, 26.5, 28.5] as [Float]).allSatisfy { abs($0 - $1) < 1e-3 }, "\(out)")
        // 2×2 → 4×4: corners keep their values, inner samples interpolate (1/4, 3/4 weights).
        let small = ImageSet(height: 2, width: 2, channels: 1, pixels: [0, 40, 80, 120], labels: [0], classNames: ["a"])
        let up = BatchAssembler(mean: [0], std: [1.0 / 255], augmentation: .none, outputSize: 4)
        let big = fill(small, up, indices: [0], augment: false, generator: &generator).images
        #expect(zip(big, [0, 10, 30, 40, 20, 30, 50, 60, 60, 70, 90, 100, 80, 90, 110, 120] as [Float]).allSatisfy { abs($0 - $1) < 1e-3 },
                "\(big)")
        // With augmentation the padded crop comes first: a shifted crop moves the zero border into the resize.
        let aug = BatchAssembler(mean: [0], std: [1.0 / 255], augmentation: Augmentation(cropPadding: 2, horizontalFlip: true), outputSize: 2)
        var sawBorder = false
        for _ in 0..<30 {
            let o = fill(set, aug, indices: [0], augment: true, generator: &generator).images
            #expect(o.allSatisfy { $0 >= 0 && $0 <= 44 })
            if o.contains(where: { $0 < 6 }) { sawBorder = true }
        }
        #expect(sawBorder)
    }

    @Test func sameSeedSameBatches() {
        let set = Self.numbered(count: 5, h: 6, w: 6)
        let assembler = BatchAssembler(mean: [0.3], std: [0.2], augmentation: Augmentation(cropPadding: 2, horizontalFlip: true), outputSize: 8)
        func run(_ seed: UInt64) -> [Float] {
            var sampler = BatchSampler(count: 5, batchSize: 2, generator: SeededGenerator(seed: seed))
            var augmentation = SeededGenerator(seed: seed &+ 1)
            var all: [Float] = []
            for _ in 0..<6 { all += fill(set, assembler, indices: sampler.next(), augment: true, generator: &augmentation).images }
            return all
        }
        #expect(run(9) == run(9))
        #expect(run(9) != run(10))
        #expect(!run(9).contains { $0.isNaN })
    }
}
