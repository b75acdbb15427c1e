import ArgumentParser
import Foundation
import NASData
import NASSearchSpace

extension DatasetKind: ExpressibleByArgument {}

/// Which data to train or evaluate on; shared by `train` and `eval`. What is not given comes
/// from a default (a run's proxy, a trained model's record), else Fashion-MNIST.
struct DatasetOptions: ParsableArguments {
    @Option(help: "fashion-mnist (Debian's package), cifar10, or folder (PATH/<class>/*.jpg|png or PATH/train/<class>/…) (default: a run's or model's own, else what --data holds, else fashion-mnist).")
    var dataset: DatasetKind?

    @Option(help: "Data location for cifar10 (binary release, class folders, or a .tar.gz of either) and folder.")
    var data: String?

    @Option(help: "Images held out of the training set for validation (default: 10,000 Fashion-MNIST, 5,000 CIFAR-10, 10% folder).")
    var validation: Int?

    @Option(help: "Folder for decoded-data caches (default: $XDG_CACHE_HOME/swiftnas or ~/.cache/swiftnas).")
    var cache: String?

    /// A dataset, its location and held-out count.
    struct Source {
        var kind: DatasetKind
        var path: String?
        var validation: Int?
    }

    func validate() throws {
        if let dataset, dataset != .fashionMNIST, data == nil {
            throw ValidationError("--dataset \(dataset.rawValue) needs --data PATH.")
        }
        try checkBound("--validation", validation, ProxySettings.validationRange)
    }

    /// These options over `defaults`: --dataset replaces the default's data too, --data alone
    /// keeps its kind unless the data is another kind's (`DatasetLoader.kind(for:proxy:)`:
    /// class folders given to Fashion-MNIST are a folder dataset).
    func source(defaults: Source? = nil) -> Source {
        if let dataset { return Source(kind: dataset, path: data, validation: validation) }
        let base = defaults ?? Source(kind: .fashionMNIST, path: nil, validation: nil)
        guard let data else { return Source(kind: base.kind, path: base.path, validation: validation ?? base.validation) }
        let kind = DatasetLoader.kind(for: data, proxy: base.kind)
        return Source(kind: kind, path: data, validation: validation ?? (kind == base.kind ? base.validation : nil))
    }

    /// Loads the splits; the first decode of an image folder or archive reports its progress
    /// on stderr every 10% (later loads read the cache and say nothing).
    func load(_ source: Source) throws -> DatasetSplits {
        let shown = DecileCounter()
        return try DatasetLoader.load(source.kind, path: source.path, validationCount: source.validation, cacheDirectory: cache) { done, total in
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
