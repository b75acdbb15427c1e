import ArgumentParser
import Foundation
import NASData
import NASSearchSpace

extension DatasetKind: ExpressibleByArgument {}

/// Which data to train or evaluate on; shared by `train` and `eval`.
struct DatasetOptions: ParsableArguments {
    @Option(help: "fashion-mnist (Debian's package), cifar10, or folder (PATH/train/<class>/*.jpg|png).")
    var dataset: DatasetKind = .fashionMNIST

    @Option(help: "Data location for cifar10 (binary release, class folders, or a .tar.gz of either) and folder.")
    var data: String?

    @Option(help: "Images held out of the training set for validation (default: 10,000 Fashion-MNIST, 5,000 CIFAR-10, 10% folder).")
    var validation: Int?

    @Option(help: "Folder for decoded-data caches (default: $XDG_CACHE_HOME/swiftnas or ~/.cache/swiftnas).")
    var cache: String?

    func validate() throws {
        if dataset != .fashionMNIST, data == nil {
            throw ValidationError("--dataset \(dataset.rawValue) needs --data PATH.")
        }
        try checkBound("--validation", validation, ProxySettings.validationRange)
    }

    /// Loads the splits; the first decode of an image folder or archive reports its progress
    /// on stderr every 10% (later loads read the cache and say nothing).
    func load() throws -> DatasetSplits {
        let shown = DecileCounter()
        return try DatasetLoader.load(dataset, path: data, validationCount: validation, cacheDirectory: cache) { done, total in
            guard let decile = shown.advance(done: done, total: total) else { return }
            FileHandle.standardError.write(Data("decoding images: \(decile * 10)% (\(done)/\(total)), cached for next time\n".utf8))
        }
    }
}

/// The last 10% step reported (the loader calls its callback under a lock).
final class DecileCounter: @unchecked Sendable {
    private var last = 0
    func advance(done: Int, total: Int) -> Int? {
        let decile = total > 0 ? done * 10 / total : 10
        guard decile > last else { return nil }
        last = decile
        return decile
    }
}
