import Foundation
@testable import NASData
import Testing

/// A user's own images: class folders without a train/ folder, images of several sizes, and
/// which loader a path given to `nas search --data` needs.
@Suite struct FolderLayoutTests {
    /// flat/{cat,dog}/: red PNGs and blue JPEGs, 8×8 except a 12×10 cat and a 5×6 dog.
    static func flat(in dir: TemporaryDirectory, name: String = "flat") -> String {
        let cat = dir.sub("\(name)/cat"), dog = dir.sub("\(name)/dog")
        for (i, (w, h)) in [(8, 8), (8, 8), (12, 10)].enumerated() {
            Write.png(Write.solid(FolderTests.red, width: w, height: h), width: w, height: h, channels: 3, to: "\(cat)/\(i).png")
        }
        for (i, (w, h)) in [(8, 8), (5, 6), (8, 8)].enumerated() {
            Write.jpeg(Write.solid(FolderTests.blue, width: w, height: h), width: w, height: h, channels: 3, to: "\(dog)/\(i).jpg")
        }
        Write.file(Array("not an image".utf8), to: "\(dir.path)/\(name)/README.txt")  // a file beside the classes: ignored
        return "\(dir.path)/\(name)"
    }

    @Test func readsClassFoldersWithoutATrainFolderAndResamplesOtherSizes() throws {
        let dir = TemporaryDirectory()
        let root = Self.flat(in: dir)
        let splits = try DatasetLoader.load(.folder, path: root, validationCount: 0, cacheDirectory: dir.sub("cache"))
        #expect(splits.name == "flat" && splits.train.classNames == ["cat", "dog"] && splits.test == nil)
        #expect((splits.train.height, splits.train.width, splits.train.channels, splits.train.count) == (8, 8, 3, 6))
        #expect(splits.train.labels == [0, 0, 0, 1, 1, 1])
        // A solid color stays that color at any size (JPEG is lossy by a step or two).
        for i in 0..<6 {
            let expected = i < 3 ? FolderTests.red : FolderTests.blue
            for p in [0, 63] {
                let pixel = splits.train.pixels[(i * 64 + p) * 3..<(i * 64 + p) * 3 + 3]
                #expect(zip(pixel, expected).allSatisfy { abs(Int($0) - Int($1)) <= 2 }, "image \(i): \(Array(pixel))")
            }
        }
        // In an archive, wrapped in one folder, the same images.
        try tar(["-czf", "\(dir.path)/flat.tar.gz", "-C", dir.path, "flat"])
        let archived = try DatasetLoader.load(.folder, path: "\(dir.path)/flat.tar.gz", validationCount: 0, cacheDirectory: dir.sub("c2"))
        #expect(archived.train == splits.train)
        // Found in a subfolder too, as a download's wrapper folder.
        let wrapped = try DatasetLoader.load(.folder, path: dir.path, validationCount: 0, cacheDirectory: dir.sub("c3"))
        #expect(wrapped.train == splits.train)
    }

    @Test func resamplesWithATriangleFilterWidenedWhenShrinking() {
        // Growing is bilinear with half-pixel centers (PyTorch's align_corners=False).
        #expect(resized([0, 100], to: 4) == [0, 25, 75, 100])
        // Shrinking by 2 weighs three source pixels 0.75, 0.75, 0.25 (Pillow's BILINEAR).
        #expect(resized([0, 100, 200, 40], to: 2) == [71, 117])
        #expect(resized([7, 7, 7], to: 5) == [7, 7, 7, 7, 7])
        let taps = ImageResize.taps(from: 4, to: 2)
        #expect(taps.map(\.first) == [0, 1] && taps.allSatisfy { $0.weights.count == 3 })
    }

    /// One row of gray pixels resampled to `width`.
    func resized(_ row: [UInt8], to width: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width)
        row.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { ImageResize.bilinear(source.baseAddress!, height: 1, width: row.count, channels: 1, into: $0.baseAddress!, height: 1, width: width) }
        }
        return out
    }

    @Test func refusesFewerThanTwoClasses() throws {
        let dir = TemporaryDirectory()
        let one = dir.sub("one/cat")
        Write.png(Write.solid(FolderTests.red, width: 4, height: 4), width: 4, height: 4, channels: 3, to: "\(one)/0.png")
        expectError("one", "one class folder (cat)", "at least 2 classes") {
            _ = try DatasetLoader.load(.folder, path: "\(dir.path)/one", cacheDirectory: dir.sub("cache"))
        }
        let train = dir.sub("two/train/cat")
        Write.png(Write.solid(FolderTests.red, width: 4, height: 4), width: 4, height: 4, channels: 3, to: "\(train)/0.png")
        expectError("two/train", "at least 2 classes") { _ = try DatasetLoader.load(.folder, path: "\(dir.path)/two", cacheDirectory: dir.sub("cache")) }
        expectError("unknown dataset layout", "<class>/") { _ = try DatasetLoader.load(.folder, path: dir.sub("empty"), cacheDirectory: dir.sub("cache")) }
    }

    @Test func kindFollowsTheData() throws {
        let dir = TemporaryDirectory()
        let flat = Self.flat(in: dir)
        let pets = FolderTests.tree(in: dir)
        let release = CIFARBinaryTests.release(in: dir)
        let idx = dir.sub("fmnist")
        Write.file(Write.idx([1, 2, 2], data: [0, 0, 0, 0]), to: "\(idx)/train-images-idx3-ubyte")
        let cifarClasses = dir.sub("cifar-jpeg")
        for name in ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"] {
            Write.png(Write.solid(FolderTests.red, width: 4, height: 4), width: 4, height: 4, channels: 3, to: "\(dir.sub("cifar-jpeg/\(name)"))/0.png")
        }
        let cases: [(String, DatasetKind, DatasetKind)] = [
            (flat, .fashionMNIST, .folder), (flat, .cifar10, .folder), (flat, .folder, .folder),
            (pets, .fashionMNIST, .folder), (pets, .cifar10, .folder),
            (release, .fashionMNIST, .cifar10), (dir.path, .cifar10, .cifar10),  // the release, here or in a subfolder
            (idx, .fashionMNIST, .fashionMNIST), (idx, .folder, .fashionMNIST),
            (cifarClasses, .cifar10, .cifar10), (cifarClasses, .fashionMNIST, .folder),
            ("/nonexistent/x", .fashionMNIST, .folder), ("/nonexistent/x", .cifar10, .cifar10),
            ("\(dir.path)/x.tar.gz", .cifar10, .cifar10), ("\(dir.path)/x.tar.gz", .fashionMNIST, .folder),
            (dir.sub("empty"), .fashionMNIST, .folder), (dir.sub("empty"), .cifar10, .cifar10),
        ]
        for (path, proxy, expected) in cases {
            #expect(DatasetLoader.kind(for: path, proxy: proxy) == expected, "\(path) with a \(proxy.rawValue) proxy")
        }
    }
}
