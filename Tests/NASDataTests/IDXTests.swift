import Foundation
import NASData
import Testing

@Suite struct IDXTests {
    @Test func readsGzippedIdx() throws {
        let dir = TemporaryDirectory()
        let data = (0..<2 * 3 * 4).map { UInt8($0) }
        Write.gzip(Write.idx([2, 3, 4], data: data), to: "\(dir.path)/images.gz")
        let array = try IDX.read("\(dir.path)/images.gz", dimensions: 3)
        #expect(array.dimensions == [2, 3, 4])
        #expect(array.bytes == data)
    }

    @Test func readsUncompressedIdx() throws {
        let dir = TemporaryDirectory()
        Write.file(Write.idx([3], data: [7, 8, 9]), to: "\(dir.path)/labels")
        #expect(try IDX.read("\(dir.path)/labels", dimensions: 1).bytes == [7, 8, 9])
    }

    @Test func rejectsBadMagic() {
        let dir = TemporaryDirectory()
        Write.gzip(Write.idx([2], data: [1, 2], magic: [0, 0, 0x0D, 1]), to: "\(dir.path)/float.gz")
        expectError("float.gz", "bad idx magic 0x00000d01", "expected 0x00000801") {
            _ = try IDX.read("\(dir.path)/float.gz", dimensions: 1)
        }
        // A labels file where images are expected: right type, wrong number of dimensions.
        Write.gzip(Write.idx([2], data: [1, 2]), to: "\(dir.path)/labels.gz")
        expectError("labels.gz", "expected 0x00000803") { _ = try IDX.read("\(dir.path)/labels.gz", dimensions: 3) }
    }

    @Test func rejectsTruncatedFiles() {
        let dir = TemporaryDirectory()
        Write.gzip(Write.idx([10, 2, 2], data: [UInt8](repeating: 1, count: 39)), to: "\(dir.path)/short.gz")
        expectError("short.gz", "truncated", "expected 56 bytes, found 55") { _ = try IDX.read("\(dir.path)/short.gz", dimensions: 3) }
        Write.gzip([0, 0, 8, 3, 0, 0], to: "\(dir.path)/header.gz")
        expectError("header.gz", "truncated") { _ = try IDX.read("\(dir.path)/header.gz", dimensions: 3) }
        // A gzip stream cut in the middle.
        let gz = "\(dir.path)/whole.gz"
        Write.gzip(Write.idx([1000], data: (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7919) }), to: gz)
        let bytes = try! Data(contentsOf: URL(fileURLWithPath: gz))
        Write.file(Array(bytes.prefix(bytes.count / 2)), to: "\(dir.path)/cut.gz")
        expectError("cut.gz") { _ = try IDX.read("\(dir.path)/cut.gz", dimensions: 1) }
        expectError("missing.gz", "not found") { _ = try IDX.read("\(dir.path)/missing.gz", dimensions: 1) }
    }

    /// A miniature Fashion-MNIST directory: 5 train and 2 test 28×28 images.
    @Test func loadsFashionMNISTLayout() throws {
        let dir = TemporaryDirectory()
        func write(_ name: String, count: Int, labels: [UInt8]) {
            let images = (0..<count * 28 * 28).map { UInt8(truncatingIfNeeded: $0 % 251 + 1) }
            Write.gzip(Write.idx([count, 28, 28], data: images), to: "\(dir.path)/\(name)-images-idx3-ubyte.gz")
            Write.gzip(Write.idx([count], data: labels), to: "\(dir.path)/\(name)-labels-idx1-ubyte.gz")
        }
        write("train", count: 5, labels: [0, 1, 2, 3, 9])
        write("t10k", count: 2, labels: [5, 6])
        let splits = try DatasetLoader.load(.fashionMNIST, path: dir.path, validationCount: 1)
        #expect(splits.train.count == 4 && splits.validation.count == 1 && splits.test?.count == 2)
        #expect((splits.train.height, splits.train.width, splits.train.channels) == (32, 32, 1))
        #expect(splits.augmentation == Augmentation(cropPadding: 2, horizontalFlip: false))
        #expect(splits.train.classNames[9] == "Ankle boot")
        // Pixel (y, x) of image 0 lands at (y + 2, x + 2); the border is 0.
        let test = try #require(splits.test)
        #expect(test.pixels[0] == 0 && test.pixels[32 * 2 + 1] == 0)
        #expect(test.pixels[32 * 2 + 2] == 1 && test.pixels[32 * 3 + 2] == 29)
        #expect(test.labels == [5, 6])
        #expect(splits.cacheFile == nil)

        // Labels that disagree with the images, or name a class that does not exist.
        Write.gzip(Write.idx([3], data: [0, 1, 2]), to: "\(dir.path)/t10k-labels-idx1-ubyte.gz")
        expectError("t10k-labels-idx1-ubyte.gz", "3 labels for 2 images") { _ = try DatasetLoader.load(.fashionMNIST, path: dir.path) }
        Write.gzip(Write.idx([2], data: [0, 10]), to: "\(dir.path)/t10k-labels-idx1-ubyte.gz")
        expectError("label 10 of item 1") { _ = try DatasetLoader.load(.fashionMNIST, path: dir.path) }
        expectError("nowhere", "dataset-fashion-mnist") { _ = try DatasetLoader.load(.fashionMNIST, path: "/nowhere") }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")))
    func realFashionMNIST() throws {
        let splits = try DatasetLoader.load(.fashionMNIST, path: nil)
        #expect(splits.name == "fashion-mnist")
        #expect(splits.train.count == 50_000 && splits.validation.count == 10_000 && splits.test?.count == 10_000)
        #expect((splits.train.height, splits.train.width, splits.train.channels) == (32, 32, 1))
        #expect(splits.train.classCounts.allSatisfy { $0 == 5_000 })  // stratified: 6,000 per class, 1,000 held out
        // Fashion-MNIST's mean/std (0.286, 0.353) at 28×28 become 0.219 / 0.332 with the zero border.
        #expect(abs(splits.mean[0] - 0.2191) < 0.002 && abs(splits.std[0] - 0.3319) < 0.002)
    }
}
