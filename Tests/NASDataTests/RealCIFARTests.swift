import Foundation
import NASData
import Testing

/// The real CIFAR-10 JPEG tarball (60,000 images) takes seconds to decode, so this runs only
/// when asked: SWIFTNAS_CIFAR_TARBALL=/path/to/cifar10-jpeg.tar.gz swift test --filter RealCIFAR
@Suite struct RealCIFARTests {
    static let tarball = ProcessInfo.processInfo.environment["SWIFTNAS_CIFAR_TARBALL"]

    @Test(.enabled(if: tarball != nil)) func loadsCIFAR10Tarball() throws {
        let cache = TemporaryDirectory()
        let clock = ContinuousClock()
        var first: DatasetSplits?
        let firstTime = try clock.measure { first = try DatasetLoader.load(.cifar10, path: Self.tarball, cacheDirectory: cache.path) }
        var second: DatasetSplits?
        let secondTime = try clock.measure { second = try DatasetLoader.load(.cifar10, path: Self.tarball, cacheDirectory: cache.path) }
        let (a, b) = (try #require(first), try #require(second))
        print("CIFAR-10 tarball: first load \(firstTime), cached load \(secondTime), mean \(a.mean), std \(a.std)")
        #expect(!a.cacheHit && b.cacheHit)
        #expect(a.train.count == 45_000 && a.validation.count == 5_000 && a.test?.count == 10_000)
        #expect((a.train.height, a.train.width, a.train.channels) == (32, 32, 3))
        #expect(a.train.classNames == ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"])
        #expect(a.validation.classCounts.allSatisfy { $0 == 500 })
        // Reference: Pillow 13 decoding the same files. The test set is fixed, so its statistics
        // check the decoder exactly; train's depend on the split and are checked loosely.
        let test = DatasetLoader.statistics(try #require(a.test))
        for (m, expected) in zip(test.mean, [0.494066, 0.485064, 0.450382] as [Float]) { #expect(abs(m - expected) < 1e-5) }
        for (s, expected) in zip(test.std, [0.244845, 0.242198, 0.260582] as [Float]) { #expect(abs(s - expected) < 1e-5) }
        for (m, expected) in zip(a.mean, [0.49125, 0.48209, 0.44652] as [Float]) { #expect(abs(m - expected) < 0.002) }
        for (s, expected) in zip(a.std, [0.24523, 0.24278, 0.26063] as [Float]) { #expect(abs(s - expected) < 0.002) }
        #expect(a.test == b.test && a.mean == b.mean)
    }
}
