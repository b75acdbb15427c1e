import NASKernels
import NASRandom

/// uint8 images, NHWC (row-major: index = ((i * height + y) * width + x) * channels + c).
public struct ImageSet: Sendable, Equatable {
    public var height: Int
    public var width: Int
    public var channels: Int
    public var pixels: [UInt8]
    public var labels: [Int32]
    public var classNames: [String]
    public var count: Int { labels.count }
    public var imageSize: Int { height * width * channels }

    public init(height: Int, width: Int, channels: Int, pixels: [UInt8], labels: [Int32], classNames: [String]) {
        precondition(pixels.count == labels.count * height * width * channels, "pixels do not match labels × image size")
        self.height = height
        self.width = width
        self.channels = channels
        self.pixels = pixels
        self.labels = labels
        self.classNames = classNames
    }

    /// The images at `indices`, in that order (e.g. a smaller proxy set for a search).
    public func subset(_ indices: some Collection<Int>) -> ImageSet {
        let size = imageSize
        var out = [UInt8](repeating: 0, count: indices.count * size)
        var outLabels = [Int32]()
        outLabels.reserveCapacity(indices.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    precondition(i >= 0 && i < count, "subset index \(i) out of range 0..<\(count)")
                    UnsafeMutableRawPointer(dst.baseAddress! + k * size)
                        .copyMemory(from: src.baseAddress! + i * size, byteCount: size)
                    outLabels.append(labels[i])
                }
            }
        }
        return ImageSet(height: height, width: width, channels: channels, pixels: out, labels: outLabels, classNames: classNames)
    }

    /// Images per class, indexed by label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classNames.count)
        for label in labels { counts[Int(label)] += 1 }
        return counts
    }
}

public enum DatasetKind: String, Sendable, CaseIterable {
    case fashionMNIST = "fashion-mnist"
    case cifar10
    case folder

    /// Zero padding (raw pixel value 0) the loader adds on each side of every image:
    /// Fashion-MNIST's 28×28 become 32×32. An exported model repeats it.
    public var loaderPadding: Int { self == .fashionMNIST ? FashionMNIST.padding : 0 }
}

/// Training-time augmentation: a random crop of the image zero-padded by `cropPadding` on
/// each side, and a random horizontal flip.
public struct Augmentation: Sendable, Hashable, Codable {
    public var cropPadding: Int
    public var horizontalFlip: Bool

    public init(cropPadding: Int, horizontalFlip: Bool) {
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    public static let none = Augmentation(cropPadding: 0, horizontalFlip: false)
}

public struct DatasetSplits: Sendable {
    public var name: String
    /// The training set minus the validation split.
    public var train: ImageSet
    /// Fixed, held out of the training set (never the test set).
    public var validation: ImageSet
    /// nil when the source has no test split.
    public var test: ImageSet?
    /// Per channel, computed on `train`, in pixel units / 255.
    public var mean: [Float]
    public var std: [Float]
    public var augmentation: Augmentation
    /// The decoded cache read or written, or nil when the source was read directly (idx and
    /// CIFAR binary files are already raw pixels) or the cache could not be written.
    public var cacheFile: String?
    /// True when the images came from `cacheFile` rather than being decoded.
    public var cacheHit: Bool

    public init(name: String, train: ImageSet, validation: ImageSet, test: ImageSet?, mean: [Float], std: [Float],
                augmentation: Augmentation, cacheFile: String? = nil, cacheHit: Bool = false) {
        self.name = name
        self.train = train
        self.validation = validation
        self.test = test
        self.mean = mean
        self.std = std
        self.augmentation = augmentation
        self.cacheFile = cacheFile
        self.cacheHit = cacheHit
    }
}

extension SeededGenerator {
    /// Uniform in 0..<bound (Lemire's multiply-shift with rejection). Written out rather than
    /// `Int.random(in:using:)` so that splits and batches do not change with the toolchain.
    @inline(__always)
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold { product = next().multipliedFullWidth(by: n) }
        }
        return Int(product.high)
    }

    /// Fisher–Yates, drawing only from this generator.
    mutating func shuffle(_ array: inout [Int]) {
        var i = array.count - 1
        while i > 0 {
            let j = below(i + 1)
            array.swapAt(i, j)
            i -= 1
        }
    }
}
