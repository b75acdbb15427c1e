import Foundation
import NASData
import Testing

@Suite struct CIFARBinaryTests {
    /// Pixel value of record r, channel c, (y, x) in the synthetic batches.
    static func value(_ r: Int, _ c: Int, _ y: Int, _ x: Int) -> UInt8 { UInt8(truncatingIfNeeded: r * 31 + c * 80 + y * 3 + x) }

    /// A binary release of 5 batches of 4 records each and a test batch of 3.
    static func release(in dir: TemporaryDirectory, classNames: String? = "a\nb\nc\n") -> String {
        let root = dir.sub("cifar-10-batches-bin")
        for b in 1...5 {
            let labels = (0..<4).map { UInt8(((b - 1) * 4 + $0) % 3) }
            Write.file(Write.cifarRecords(labels) { r, c, y, x in value((b - 1) * 4 + r, c, y, x) }, to: "\(root)/data_batch_\(b).bin")
        }
        Write.file(Write.cifarRecords([2, 1, 0]) { r, c, y, x in value(100 + r, c, y, x) }, to: "\(root)/test_batch.bin")
        if let classNames { Write.file(Array(classNames.utf8), to: "\(root)/batches.meta.txt") }
        return root
    }

    @Test func readsBinaryReleaseAsNHWC() throws {
        let dir = TemporaryDirectory()
        _ = Self.release(in: dir)
        // The release folder is found inside the given one.
        let splits = try DatasetLoader.load(.cifar10, path: dir.path, validationCount: 5, cacheDirectory: dir.sub("cache"))
        #expect(splits.train.count == 15 && splits.validation.count == 5 && splits.test?.count == 3)
        #expect(splits.train.classNames == ["a", "b", "c"])
        #expect(splits.augmentation == Augmentation(cropPadding: 4, horizontalFlip: true))
        #expect(splits.cacheFile == nil)  // raw pixels are read directly
        let test = try #require(splits.test)
        #expect(test.labels == [2, 1, 0])
        for (r, y, x) in [(0, 0, 0), (1, 5, 7), (2, 31, 31)] {
            for c in 0..<3 {
                #expect(test.pixels[((r * 32 + y) * 32 + x) * 3 + c] == Self.value(100 + r, c, y, x))
            }
        }
        // Train and validation together are the 20 training records, each once.
        let all = splits.train.subset(0..<splits.train.count).pixels + splits.validation.pixels
        let firsts = Set(stride(from: 0, to: all.count, by: 3072).map { all[$0] })
        #expect(firsts == Set((0..<20).map { Self.value($0, 0, 0, 0) }))
    }

    @Test func defaultsClassNamesAndRejectsBadFiles() throws {
        let dir = TemporaryDirectory()
        let root = Self.release(in: dir, classNames: nil)
        let splits = try DatasetLoader.load(.cifar10, path: root, validationCount: 2)
        #expect(splits.train.classNames.first == "airplane" && splits.train.classNames.count == 10)

        Write.file([UInt8](repeating: 0, count: 3073 * 2 + 5), to: "\(root)/data_batch_3.bin")
        expectError("data_batch_3.bin", "not a whole number of 3073-byte") { _ = try DatasetLoader.load(.cifar10, path: root) }
        Write.file(Write.cifarRecords([0, 12]) { _, _, _, _ in 0 }, to: "\(root)/data_batch_3.bin")
        expectError("data_batch_3.bin", "record 1 has label 12") { _ = try DatasetLoader.load(.cifar10, path: root) }
        expectError("needs a dataset path") { _ = try DatasetLoader.load(.cifar10, path: nil) }
        expectError("unknown dataset layout", "data_batch_1.bin") { _ = try DatasetLoader.load(.cifar10, path: dir.sub("empty")) }
    }

    @Test func rejectsValidationCountTooLarge() {
        let dir = TemporaryDirectory()
        let root = Self.release(in: dir)
        expectError("validation count 20", "less than the 20 training images") {
            _ = try DatasetLoader.load(.cifar10, path: root, validationCount: 20)
        }
        expectError("validation count 5000") { _ = try DatasetLoader.load(.cifar10, path: root) }
    }
}

@Suite struct FolderTests {
    static let red: [UInt8] = [200, 30, 40], blue: [UInt8] = [10, 20, 230]

    /// train/{cat,dog}/ with PNGs and JPEGs of solid colors, test/dog/ with one PNG.
    static func tree(in dir: TemporaryDirectory, size: Int = 8) -> String {
        let root = dir.sub("pets")
        let cat = dir.sub("pets/train/cat"), dog = dir.sub("pets/train/dog"), testDog = dir.sub("pets/test/dog")
        for i in 0..<3 { Write.png(Write.solid(red, width: size, height: size), width: size, height: size, channels: 3, to: "\(cat)/\(i).png") }
        for i in 0..<3 { Write.jpeg(Write.solid(blue, width: size, height: size), width: size, height: size, channels: 3, to: "\(dog)/\(i).jpg") }
        Write.png(Write.solid(blue, width: size, height: size), width: size, height: size, channels: 3, to: "\(testDog)/t.PNG")
        Write.file(Array("not an image".utf8), to: "\(cat)/notes.txt")  // ignored: not an image name
        return root
    }

    @Test func decodesPNGAndJPEG() throws {
        let dir = TemporaryDirectory()
        let root = Self.tree(in: dir)
        let splits = try DatasetLoader.load(.folder, path: root, validationCount: 2, cacheDirectory: dir.sub("cache"))
        #expect(splits.name == "pets")
        #expect(splits.train.classNames == ["cat", "dog"])
        #expect((splits.train.height, splits.train.width, splits.train.channels) == (8, 8, 3))
        #expect(splits.train.count == 4 && splits.validation.count == 2)
        #expect(splits.train.classCounts == [2, 2] && splits.validation.classCounts == [1, 1])  // stratified
        #expect(splits.augmentation == Augmentation(cropPadding: 1, horizontalFlip: true))
        let test = try #require(splits.test)
        #expect(test.labels == [1] && Array(test.pixels.prefix(3)) == Self.blue)
        for i in 0..<splits.train.count {
            let pixel = splits.train.pixels[i * 192..<i * 192 + 3].map(Int.init)
            let expected = (splits.train.labels[i] == 0 ? Self.red : Self.blue).map(Int.init)
            #expect(zip(pixel, expected).allSatisfy { abs($0 - $1) <= 2 }, "\(pixel) vs \(expected)")  // JPEG is lossy
        }
        // Mean over 2 red and 2 blue images.
        #expect(abs(splits.mean[0] - Float(200 + 10) / 2 / 255) < 0.01)
        #expect(abs(splits.std[2] - Float(230 - 40) / 2 / 255) < 0.01)
    }

    @Test func keepsGrayAndPromotesMixedToRGB() throws {
        let dir = TemporaryDirectory()
        let root = dir.sub("gray")
        for (i, name) in ["a", "b"].enumerated() {
            let folder = dir.sub("gray/train/\(name)")
            Write.png(Write.solid([UInt8(50 + i)], width: 4, height: 4), width: 4, height: 4, channels: 1, to: "\(folder)/x.png")
            Write.jpeg(Write.solid([UInt8(100 + i)], width: 4, height: 4), width: 4, height: 4, channels: 1, to: "\(folder)/y.jpg")
        }
        let gray = try DatasetLoader.load(.folder, path: root, validationCount: 0, cacheDirectory: dir.sub("cache"))
        #expect(gray.train.channels == 1 && gray.train.count == 4 && gray.validation.count == 0)
        #expect(gray.train.pixels[0] == 50 && gray.augmentation.cropPadding == 0)

        // One RGBA image makes the whole set RGB; gray images are replicated, alpha dropped.
        Write.png(Write.solid([1, 2, 3, 255], width: 4, height: 4), width: 4, height: 4, channels: 4, to: "\(root)/train/b/z.png")
        let mixed = try DatasetLoader.load(.folder, path: root, validationCount: 0, cacheDirectory: dir.sub("cache"))
        #expect(mixed.train.channels == 3 && mixed.train.count == 5)
        #expect(Array(mixed.train.pixels.prefix(3)) == [50, 50, 50])
        #expect(Array(mixed.train.pixels[4 * 48..<4 * 48 + 3]) == [1, 2, 3])
    }

    @Test func rejectsBrokenImages() throws {
        let dir = TemporaryDirectory()
        let root = Self.tree(in: dir)
        Write.file([0xFF, 0xD8, 0xFF, 0xE0, 0, 0], to: "\(root)/train/dog/0a.jpg")
        expectError("train/dog/0a.jpg", "cannot decode image") { _ = try DatasetLoader.load(.folder, path: root, cacheDirectory: dir.sub("cache")) }
        Write.file(Array("text".utf8), to: "\(root)/train/dog/0a.jpg")
        expectError("train/dog/0a.jpg", "neither a JPEG nor a PNG") {
            _ = try DatasetLoader.load(.folder, path: root, cacheDirectory: dir.sub("cache"))
        }
        try FileManager.default.removeItem(atPath: "\(root)/train/dog/0a.jpg")
        _ = dir.sub("pets/test/cow")
        expectError("test/cow", "not among the train classes") { _ = try DatasetLoader.load(.folder, path: root, cacheDirectory: dir.sub("cache")) }
        _ = dir.sub("pets/train/cow")
        expectError("train/cow", "no .jpg/.jpeg/.png images") { _ = try DatasetLoader.load(.folder, path: root, cacheDirectory: dir.sub("cache")) }
    }

    @Test func cacheIsUsedAndInvalidated() throws {
        let dir = TemporaryDirectory()
        let root = Self.tree(in: dir)
        let cache = dir.path + "/cache"
        let first = try DatasetLoader.load(.folder, path: root, cacheDirectory: cache)
        let file = try #require(first.cacheFile)
        #expect(!first.cacheHit && file.hasPrefix(cache) && FileManager.default.fileExists(atPath: file))
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).count == 1)  // no temporary left behind

        let second = try DatasetLoader.load(.folder, path: root + "/../pets/", cacheDirectory: cache)
        #expect(second.cacheHit && second.cacheFile == file)
        #expect(second.train == first.train && second.validation == first.validation && second.test == first.test)

        // Proof that pixels come from the cache: a cache file for this key with other pixels is believed.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        bytes[bytes.count - 5] ^= 0xFF  // last pixel of the test set
        try bytes.write(to: URL(fileURLWithPath: file))
        #expect(try DatasetLoader.load(.folder, path: root, cacheDirectory: cache).test?.pixels.last == first.test!.pixels.last! ^ 0xFF)

        // A changed source (new content and time) is decoded again and replaces the cache.
        let changed = "\(root)/test/dog/t.PNG"
        Write.png(Write.solid(Self.red, width: 8, height: 8), width: 8, height: 8, channels: 3, to: changed)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: changed)
        let third = try DatasetLoader.load(.folder, path: root, cacheDirectory: cache)
        #expect(!third.cacheHit && third.cacheFile != file && Array(third.test!.pixels.prefix(3)) == Self.red)
        #expect(try DatasetLoader.load(.folder, path: root, cacheDirectory: cache).cacheHit)
        // An added file changes the key too.
        Write.png(Write.solid(Self.red, width: 8, height: 8), width: 8, height: 8, channels: 3, to: "\(root)/train/cat/9.png")
        let fourth = try DatasetLoader.load(.folder, path: root, cacheDirectory: cache)
        #expect(!fourth.cacheHit && fourth.train.count + fourth.validation.count == 7)
        // A cache file that is cut short is ignored and rewritten.
        let fourthFile = try #require(fourth.cacheFile)
        let whole = try Data(contentsOf: URL(fileURLWithPath: fourthFile))
        try whole.prefix(whole.count - 10).write(to: URL(fileURLWithPath: fourthFile))
        #expect(try !DatasetLoader.load(.folder, path: root, cacheDirectory: cache).cacheHit)
        #expect(try DatasetLoader.load(.folder, path: root, cacheDirectory: cache).cacheHit)
        // A cache that cannot be written costs only time.
        let unwritable = try DatasetLoader.load(.folder, path: root, cacheDirectory: "\(root)/train/cat/0.png/cache")
        #expect(unwritable.cacheFile == nil && unwritable.train == fourth.train)
    }

    @Test func readsTarGzOfTreeOnceAndCachesIt() throws {
        let dir = TemporaryDirectory()
        _ = Self.tree(in: dir)
        let archive = "\(dir.path)/pets.tar.gz"
        try tar(["-czf", archive, "-C", dir.path, "pets"])
        let cache = dir.path + "/cache"
        let progress = Counter()
        let first = try DatasetLoader.load(.cifar10, path: archive, validationCount: 2, cacheDirectory: cache,
                                           progress: { done, total in progress.record(done, total) })
        #expect(first.train.classNames == ["cat", "dog"] && first.train.count == 4 && first.test?.count == 1)
        #expect(!first.cacheHit && progress.last.map { $0 == (7, 7) } == true)
        // Only the decoded cache remains: the extracted tree is gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache) == [FileSystemName.of(first.cacheFile!)])
        let second = try DatasetLoader.load(.folder, path: archive, validationCount: 2, cacheDirectory: cache)
        #expect(second.cacheHit && second.train == first.train && second.name == "pets")

        // Errors inside an archive name the entry.
        Write.file(Array("text".utf8), to: "\(dir.path)/pets/train/dog/9.png")
        try tar(["-czf", "\(dir.path)/odd.tgz", "-C", dir.path, "pets"])
        expectError("odd.tgz/pets/train/dog/9.png", "neither a JPEG nor a PNG") {
            _ = try DatasetLoader.load(.folder, path: "\(dir.path)/odd.tgz", cacheDirectory: cache)
        }

        Write.file([1, 2, 3], to: "\(dir.path)/broken.tar.gz")
        expectError("broken.tar.gz", "cannot extract") { _ = try DatasetLoader.load(.folder, path: "\(dir.path)/broken.tar.gz", cacheDirectory: cache) }
    }

    @Test func readsLongNamesAndOtherFormats() throws {
        let dir = TemporaryDirectory()
        let root = Self.tree(in: dir)
        // Names past tar's 100-byte field (GNU 'L' entries, pax headers) and macOS "._" files.
        let long = String(repeating: "x", count: 120)
        let folder = dir.sub("pets/train/\(long)")
        Write.png(Write.solid(Self.red, width: 8, height: 8), width: 8, height: 8, channels: 3, to: "\(folder)/\(long).png")
        Write.file([0, 5, 22, 7], to: "\(root)/train/cat/._0.png")
        let reference = try DatasetLoader.load(.folder, path: root, validationCount: 0, cacheDirectory: dir.path + "/c0")
        #expect(reference.train.classNames == ["cat", "dog", long] && reference.train.count == 7)
        var archives = [("gnu.tar", ["--format=gnu", "-cf"]), ("pax.tar.gz", ["--format=pax", "-czf"])]
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/xz") { archives.append(("pets.tar.xz", ["-cJf"])) }  // extracted by tar
        for (name, flags) in archives {
            try tar(flags + ["\(dir.path)/\(name)", "-C", dir.path, "pets"])
            let splits = try DatasetLoader.load(.folder, path: "\(dir.path)/\(name)", validationCount: 0, cacheDirectory: dir.path + "/c1")
            #expect(splits.train == reference.train && splits.test == reference.test, "\(name)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path + "/c1").allSatisfy { $0.hasSuffix(".swiftnas-data") })
        }
    }

    @Test func readsBinaryReleaseInsideATar() throws {
        let dir = TemporaryDirectory()
        let root = CIFARBinaryTests.release(in: dir)
        try tar(["-cf", "\(dir.path)/cifar.tar", "-C", dir.path, "cifar-10-batches-bin"])
        let direct = try DatasetLoader.load(.cifar10, path: root, validationCount: 4)
        let archived = try DatasetLoader.load(.cifar10, path: "\(dir.path)/cifar.tar", validationCount: 4, cacheDirectory: dir.path + "/cache")
        #expect(archived.train == direct.train && archived.test == direct.test && archived.cacheFile != nil)
        expectError("unknown dataset layout", "train/<class>/") {
            _ = try DatasetLoader.load(.folder, path: "\(dir.path)/cifar.tar", cacheDirectory: dir.path + "/cache")
        }
    }
}

func tar(_ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/tar")
    process.arguments = arguments
    try process.run()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "tar \(arguments)")
}

enum FileSystemName {
    static func of(_ path: String) -> String { URL(fileURLWithPath: path).lastPathComponent }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [(Int, Int)] = []
    func record(_ done: Int, _ total: Int) { lock.lock(); values.append((done, total)); lock.unlock() }
    var last: (Int, Int)? { lock.lock(); defer { lock.unlock() }; return values.last }
}
