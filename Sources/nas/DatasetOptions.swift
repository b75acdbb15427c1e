import ArgumentParser
import Foundation
import NASData

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
        if let validation, validation < 1 { throw ValidationError("--validation must be at least 1.") }
    }

    func load() throws -> DatasetSplits {
        try DatasetLoader.load(dataset, path: data, validationCount: validation, cacheDirectory: cache)
    }
}
