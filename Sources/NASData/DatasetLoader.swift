#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif
import Foundation
import NASProcess
import NASKernels
import NASRandom

public enum DatasetLoader {
    /// Seed of the validation split: fixed, and independent of any training seed, so every
    /// run on the same data holds out the same images.
    public static let validationSeed: UInt64 = 0x5EED_DA7A

    /// Loads a dataset and splits a fixed validation set off its training set.
    ///
    /// - path: nil for fashion-mnist (default /usr/share/datasets/fashion-mnist); required for
    ///   cifar10 (binary release folder, class-per-folder tree, or a tar/.tar.gz of either) and
    ///   folder (class-per-folder tree or a tar/.tar.gz of one). See Docs/DATA.md.
    /// - validationCount: default 10,000 (fashion-mnist), 5,000 (cifar10), 10% of train (folder).
    /// - cacheDirectory: where decoded images are cached; default $XDG_CACHE_HOME/swiftnas or
    ///   ~/.cache/swiftnas.
    /// - progress: called with (decoded, total) while images are decoded (not on a cache hit),
    ///   possibly from several threads, one call at a time.
    public static func load(_ kind: DatasetKind, path: String?, validationCount: Int? = nil, cacheDirectory: String? = nil,
                            progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil) throws(DataError) -> DatasetSplits
    {
        let cache = cacheDirectory.map(FileSystem.absolute) ?? DecodedCache.defaultDirectory
        let source: LoadedSource
        let name: String
        switch kind {
        case .fashionMNIST:
            let directory = FileSystem.absolute(path ?? FashionMNIST.defaultDirectory)
            let sets = try FashionMNIST.load(directory: directory)
            source = LoadedSource(train: sets.train, test: sets.test)
            name = kind.rawValue
        case .cifar10, .folder:
            guard let path, !path.isEmpty else { throw .invalidArgument("\(kind.rawValue) needs a dataset path") }
            source = try loadImages(kind, path: FileSystem.absolute(path), cacheDirectory: cache, progress: progress)
            name = kind == .cifar10 ? kind.rawValue : datasetName(path)
        }

        let train = source.train
        let augmentation: Augmentation
        let defaultValidation: Int
        switch kind {
        case .fashionMNIST: (augmentation, defaultValidation) = (Augmentation(cropPadding: 2, horizontalFlip: false), 10_000)
        case .cifar10: (augmentation, defaultValidation) = (Augmentation(cropPadding: 4, horizontalFlip: true), 5_000)
        case .folder:
            (augmentation, defaultValidation) = (Augmentation(cropPadding: min(train.height, train.width) / 8, horizontalFlip: true),
                                                 train.count / 10)
        }
        let held = validationCount ?? defaultValidation
        guard held >= 0, held < train.count else {
            throw .invalidArgument("validation count \(held) must be at least 0 and less than the \(train.count) training images of \(name)")
        }
        let split = validationSplit(labels: train.labels, classCount: train.classNames.count, count: held)
        let trainSet = train.subset(split.train)
        let (mean, std) = statistics(trainSet)
        return DatasetSplits(name: name, train: trainSet, validation: train.subset(split.validation), test: source.test,
                             mean: mean, std: std, augmentation: augmentation, cacheFile: source.cacheFile, cacheHit: source.cacheHit)
    }

    /// Indices of the validation images and of the rest, both ascending. Stratified: each
    /// class gives its share (largest remainders, ties to the lower class), chosen by a
    /// per-class shuffle from `validationSeed`.
    public static func validationSplit(labels: [Int32], classCount: Int, count: Int) -> (train: [Int], validation: [Int]) {
        precondition(count >= 0 && count <= labels.count)
        var generator = SeededGenerator(seed: validationSeed)
        var members = [[Int]](repeating: [], count: classCount)
        for (i, label) in labels.enumerated() { members[Int(label)].append(i) }
        let total = labels.count
        var quotas = members.map { $0.count * count / max(total, 1) }
        let order = members.indices.sorted {
            let (a, b) = (members[$0].count * count % max(total, 1), members[$1].count * count % max(total, 1))
            return a != b ? a > b : $0 < $1
        }
        var missing = count - quotas.reduce(0, +)
        for c in order where missing > 0 && quotas[c] < members[c].count {
            quotas[c] += 1
            missing -= 1
        }
        var isValidation = [Bool](repeating: false, count: total)
        for c in members.indices {
            generator.shuffle(&members[c])
            for i in members[c].prefix(quotas[c]) { isValidation[i] = true }
        }
        var train: [Int] = [], validation: [Int] = []
        train.reserveCapacity(total - count)
        validation.reserveCapacity(count)
        for i in 0..<total { if isValidation[i] { validation.append(i) } else { train.append(i) } }
        return (train, validation)
    }

    /// Per-channel mean and standard deviation in pixel units / 255, from a histogram (one
    /// increment per byte). A constant channel gets std 1/255 rather than 0.
    public static func statistics(_ set: ImageSet) -> (mean: [Float], std: [Float]) {
        let c = set.channels
        var histogram = [Int](repeating: 0, count: 256 * c)
        set.pixels.withUnsafeBufferPointer { pixels in
            histogram.withUnsafeMutableBufferPointer { h in
                let n = pixels.count / c
                var p = pixels.baseAddress!
                for _ in 0..<n {
                    for k in 0..<c { h[k << 8 | Int(p[k])] += 1 }
                    p += c
                }
            }
        }
        var mean: [Float] = [], std: [Float] = []
        for k in 0..<c {
            var (n, sum, squares) = (0.0, 0.0, 0.0)
            for v in 0..<256 {
                let count = Double(histogram[k << 8 | v])
                let x = Double(v) / 255
                n += count
                sum += count * x
                squares += count * x * x
            }
            let m = n > 0 ? sum / n : 0
            let variance = n > 0 ? max(squares / n - m * m, 0) : 0
            mean.append(Float(m))
            std.append(Float(max(variance.squareRoot(), 1.0 / 255)))
        }
        return (mean, std)
    }

    // MARK: - Image sources

    struct LoadedSource {
        var train: ImageSet
        var test: ImageSet?
        var cacheFile: String?
        var cacheHit = false
    }

    private enum Layout {
        case binary(String)
        case tree(String)
    }

    private static func datasetName(_ path: String) -> String {
        var name = FileSystem.lastComponent(FileSystem.absolute(path))
        for suffix in [".tar.gz", ".tgz", ".tar"] where name.hasSuffix(suffix) { name.removeLast(suffix.count) }
        return name
    }

    private static func loadImages(_ kind: DatasetKind, path: String, cacheDirectory: String,
                                   progress: (@Sendable (Int, Int) -> Void)?) throws(DataError) -> LoadedSource
    {
        guard let status = FileSystem.status(path) else {
            throw .missing(path: path, what: kind == .cifar10 ? "CIFAR-10 folder or archive" : "image folder or archive")
        }
        if status.isDirectory {
            let disk = DiskTree()
            switch try locate(path, in: disk, kind: kind) {
            case let .binary(root):
                // Already raw pixels: reading them is as fast as a cache would be.
                let sets = try CIFARBinary.load(directory: root, in: disk)
                return LoadedSource(train: sets.train, test: sets.test)
            case let .tree(root):
                let tree = try FolderTree.scan(root, in: disk)
                let key = "tree \(root)\n\(tree.fingerprint)"
                let file = DecodedCache.file(in: cacheDirectory, source: root, key: key)
                if let hit = DecodedCache.read(file, key: key) {
                    return LoadedSource(train: hit.train, test: hit.test, cacheFile: file, cacheHit: true)
                }
                let sets = try tree.load(from: disk, progress: reporter(tree, progress))
                // A cache that cannot be written only costs time on the next load.
                let written = (try? DecodedCache.write(file, key: key, train: sets.train, test: sets.test)) != nil
                return LoadedSource(train: sets.train, test: sets.test, cacheFile: written ? file : nil)
            }
        }
        // An archive: keyed by its own path, size and time (so a hit needs no extraction) and
        // the layout found inside, so `folder` never accepts a cached binary release.
        func key(_ layout: String) -> String { "archive \(path)\n\(status.size) bytes, modified \(status.modified)\n\(layout)" }
        func file(_ layout: String) -> String { DecodedCache.file(in: cacheDirectory, source: datasetName(path), key: key(layout)) }
        for layout in kind == .cifar10 ? ["tree", "binary"] : ["tree"] {
            if let hit = DecodedCache.read(file(layout), key: key(layout)) {
                return LoadedSource(train: hit.train, test: hit.test, cacheFile: file(layout), cacheHit: true)
            }
        }
        let sets: (train: ImageSet, test: ImageSet?, layout: String)
        if ArchiveTree.isTar(path) {
            // tar and tar.gz are read in memory: writing tens of thousands of small files out
            // and reading them back costs far more than decoding them.
            let archive = try ArchiveTree(path) { name in
                let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
                return ImageDecoder.extensions.contains(ext) || ext == "bin" || name.hasSuffix("batches.meta.txt")
            }
            sets = try decode(kind, root: path, in: archive, progress: progress)
        } else {
            // Other compressions (xz, bzip2, zstd ...): let tar extract them.
            let extracted = try Archive.extract(path, into: cacheDirectory, tag: file("tree"))
            defer { try? FileManager.default.removeItem(atPath: extracted) }
            sets = try decode(kind, root: extracted, in: DiskTree(), progress: progress)
        }
        let written = (try? DecodedCache.write(file(sets.layout), key: key(sets.layout), train: sets.train, test: sets.test)) != nil
        return LoadedSource(train: sets.train, test: sets.test, cacheFile: written ? file(sets.layout) : nil)
    }

    private static func decode(_ kind: DatasetKind, root: String, in files: some FileTree,
                               progress: (@Sendable (Int, Int) -> Void)?) throws(DataError) -> (train: ImageSet, test: ImageSet?, layout: String)
    {
        switch try locate(root, in: files, kind: kind) {
        case let .binary(root):
            let sets = try CIFARBinary.load(directory: root, in: files)
            return (sets.train, sets.test, "binary")
        case let .tree(root):
            let tree = try FolderTree.scan(root, in: files)
            let sets = try tree.load(from: files, progress: reporter(tree, progress))
            return (sets.train, sets.test, "tree")
        }
    }

    private static func reporter(_ tree: FolderTree, _ progress: (@Sendable (Int, Int) -> Void)?) -> ProgressReporter? {
        progress.map { ProgressReporter(total: tree.trainFiles.count + tree.testFiles.count, $0) }
    }

    /// The dataset root: `directory` itself or one of its subfolders (as archives and
    /// downloads usually wrap the data in one folder). A train/ tree or a binary release is
    /// looked for first, then class folders without a train/ folder (`FolderTree.isFlat`).
    private static func locate(_ directory: String, in files: some FileTree, kind: DatasetKind) throws(DataError) -> Layout {
        func match(_ dir: String) -> Layout? {
            if FolderTree.isTree(dir, in: files) { return .tree(dir) }
            if kind == .cifar10, CIFARBinary.isRelease(dir, in: files) { return .binary(dir) }
            return nil
        }
        let subfolders = try files.list(directory).map { "\(directory)/\($0)" }.filter { files.isDirectory($0) }
        for dir in [directory] + subfolders { if let layout = match(dir) { return layout } }
        for dir in [directory] + subfolders where FolderTree.isFlat(dir, in: files) { return .tree(dir) }
        throw .unknownLayout(path: directory, expected: kind == .cifar10
            ? "<class>/ or train/<class>/ image folders or data_batch_1.bin … (cifar-10-batches-bin), here or in a subfolder"
            : "<class>/ or train/<class>/ image folders, here or in a subfolder")
    }

    /// The dataset kind that reads `path` for a proxy whose dataset is `proxy` (`nas search
    /// --data`): Fashion-MNIST's idx files stay fashion-mnist, a CIFAR-10 binary release is
    /// cifar10, and class folders are `folder` — unless a cifar10 proxy is given CIFAR-10's
    /// own ten class folders, or an archive (which is not opened here). A path that holds
    /// none of these keeps a cifar10 proxy and is `folder` otherwise, whose loader then says
    /// what it expected.
    public static func kind(for path: String, proxy: DatasetKind) -> DatasetKind {
        let absolute = FileSystem.absolute(path)
        guard FileSystem.isDirectory(absolute) else { return proxy == .cifar10 ? .cifar10 : .folder }
        if FashionMNIST.isRelease(absolute) { return .fashionMNIST }
        let disk = DiskTree()
        switch try? locate(absolute, in: disk, kind: .cifar10) {
        case .binary: return .cifar10
        case let .tree(root):
            let names = (try? FolderTree.classNames(root, in: disk)) ?? []
            return proxy == .cifar10 && names == CIFARBinary.defaultClassNames ? .cifar10 : .folder
        case nil: return proxy == .cifar10 ? .cifar10 : .folder
        }
    }
}

enum Archive {
    /// Extracts `archive` with tar into a fresh folder of `directory` and returns it. The
    /// caller deletes it once decoded; folders left by killed processes are removed here.
    static func extract(_ archive: String, into directory: String, tag: String) throws(DataError) -> String {
        try FileSystem.makeDirectories(directory)
        let prefix = "extract-" + FileSystem.lastComponent(tag).replacingOccurrences(of: ".swiftnas-data", with: "") + "-"
        for name in (try? FileSystem.list(directory)) ?? [] where name.hasPrefix(prefix) {
            if let pid = Int32(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: "\(directory)/\(name)")
            }
        }
        let target = "\(directory)/\(prefix)\(getpid())"
        try? FileManager.default.removeItem(atPath: target)
        try FileSystem.makeDirectories(target)

        guard let tar = ["/bin/tar", "/usr/bin/tar"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw .extraction(path: archive, reason: "no tar at /bin/tar or /usr/bin/tar")
        }
        let run: ChildProcess
        do {
            run = try ChildProcess.run(tar, ["-xf", archive, "-C", target])  // tar detects gzip by itself
        } catch {
            throw .extraction(path: archive, reason: error.description)
        }
        guard run.ending == .exited(0) else {
            try? FileManager.default.removeItem(atPath: target)
            let line = run.stderr.split(whereSeparator: \.isNewline).first.map(String.init) ?? "tar ended: \(run.ending)"
            throw .extraction(path: archive, reason: line)
        }
        return target
    }
}
