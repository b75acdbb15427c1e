// swift-tools-version:6.1
import PackageDescription

// Numeric code: release builds target this CPU (AVX-512/AVX2 + FMA; without it Swift emits
// SSE2 and SIMD FMAs become libm calls) and drop exclusivity checks.
let kernelSettings: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "native", "-Xcc", "-march=native", "-enforce-exclusivity=unchecked"],
                 .when(configuration: .release)),
]
// The kernels index raw pointers with shapes their callers (NASModel) have validated: an
// overflow check per index in their inner loops cost up to a third of a depthwise pass.
let uncheckedKernelSettings: [SwiftSetting] = kernelSettings + [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]

// One library target per responsibility; imports flow one way (see Docs/DESIGN.md):
// NASKernels (the only OpenBLAS user) <- NASData, NASModel <- NASTraining;
// NASArchitecture and NASRecipe (pure values) <- NASModel, NASSearchSpace; NASController (policies over
// integers); NASStore (the only database user); NASONNX (NASModel's folded network as
// ONNX protobuf); NASEvaluation (evaluators) <- NASSearch (the loop, workers) <-
// NASPresentation (status, report, exports) <- nas.
let package = Package(
    name: "SwiftNAS",
    products: [
        .executable(name: "nas", targets: ["nas"]),
        .library(name: "NASArchitecture", targets: ["NASArchitecture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        // The vector registers the build targets (header only), for register blocking.
        .systemLibrary(name: "CTargetCPU", path: "Sources/CTargetCPU"),
        // The seeded generators every random choice draws from (no dependencies, so the
        // controller needs no OpenBLAS).
        .target(name: "NASRandom"),
        .target(
            name: "NASKernels",
            dependencies: ["COpenBLAS", "NASRandom"],
            swiftSettings: uncheckedKernelSettings
        ),
        // How numbers and durations are shown to people, in one place.
        .target(name: "NASFormatting"),
        // Rank agreement between two measurements of the same candidates (proxy fidelity).
        .target(name: "NASFidelity", dependencies: ["NASArchitecture", "NASRandom", "NASSearchSpace"]),
        .target(name: "NASArchitecture", dependencies: ["NASFormatting"]),
        // The training recipe (TrainingConfig, its defaults and bounds), written once: the
        // trainer runs it, the proxy settings override it, `nas train` shows its defaults.
        .target(name: "NASRecipe"),
        .target(
            name: "NASModel",
            dependencies: ["NASKernels", "NASArchitecture", "NASRandom", "NASRecipe"],
            swiftSettings: kernelSettings
        ),
        // The one way SwiftNAS runs another program: a supervisor process (C, fork/exec) that
        // kills everything the program started when it ends, or when SwiftNAS dies.
        .target(name: "CSupervisor"),
        .target(name: "NASProcess", dependencies: ["CSupervisor"]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .target(
            name: "NASData",
            dependencies: ["NASKernels", "NASRandom", "NASProcess", "CZlib", "CTurboJPEG", "CPNG"],
            swiftSettings: kernelSettings
        ),
        .target(
            name: "NASTraining",
            dependencies: ["NASModel", "NASData", "NASKernels", "NASRandom", "NASArchitecture", "NASRecipe"],
            swiftSettings: kernelSettings
        ),
        // Weight sharing: one set of weights for every architecture of a family, a path's
        // slices loaded into an ordinary model (Docs/WEIGHT_SHARING.md).
        .target(
            name: "NASSupernet",
            dependencies: ["NASModel", "NASArchitecture", "NASRandom", "NASRecipe"],
            swiftSettings: kernelSettings
        ),
        // PostgreSQL through libpq (Debian: libpq-dev), for workers on many machines.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        .target(name: "NASStore", dependencies: [.product(name: "GRDB", package: "GRDB.swift"), "CLibPQ"]),
        .target(name: "NASSearchSpace", dependencies: ["NASArchitecture", "NASFormatting", "NASRecipe", "Yams"]),
        // Native code generation like the kernels: the LSTM policy's dot products are its cost.
        .target(name: "NASController", dependencies: ["CTargetCPU", "NASRandom"], swiftSettings: kernelSettings),
        // ONNX's protobuf types are generated once and committed (Sources/NASONNX/Proto).
        // A trained model folder is exported from here too (ModelFolderExport).
        .target(
            name: "NASONNX",
            dependencies: ["NASModel", "NASArchitecture", "NASTraining", "NASData",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto"]
        ),
        // Everything that turns a candidate into a measurement: the built-in trainer, a user's
        // command, Slurm jobs (one per trial, or an array of workers), the dry run.
        .target(
            name: "NASEvaluation",
            dependencies: ["NASSearchSpace", "NASArchitecture", "NASTraining", "NASData", "NASProcess", "NASFormatting"]
        ),
        // The loop, its workers and where a run lives.
        .target(
            name: "NASSearch",
            dependencies: ["NASSearchSpace", "NASController", "NASEvaluation", "NASStore", "NASProcess", "NASRandom",
                           "NASArchitecture", "NASFidelity", "NASSupernet", "NASTraining", "NASData", "NASModel", "NASKernels",
                           "NASRecipe"]
        ),
        // Reading and presenting runs: status, the HTML report, the exports.
        .target(
            name: "NASPresentation",
            dependencies: ["NASSearch", "NASSearchSpace", "NASController", "NASStore", "NASONNX", "NASTraining",
                           "NASArchitecture", "NASProcess", "NASFormatting", "NASFidelity"]
        ),
        .executableTarget(
            name: "nas",
            dependencies: [
                "NASArchitecture", "NASController", "NASData", "NASModel", "NASProcess", "NASSearch",
                "NASSearchSpace", "NASStore", "NASTraining", "NASFormatting", "NASEvaluation", "NASPresentation", "NASONNX",
                "NASRecipe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NASArchitectureTests",
            dependencies: ["NASArchitecture", "NASRandom"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "NASSupernetTests", dependencies: ["NASSupernet", "NASModel", "NASKernels", "NASArchitecture", "NASRandom", "NASRecipe"]),
        .testTarget(name: "NASKernelsTests", dependencies: ["NASKernels", "NASRandom"]),
        .testTarget(name: "NASModelTests", dependencies: ["NASModel", "NASKernels", "NASArchitecture", "NASRandom"], exclude: ["Fixtures"]),
        .testTarget(
            name: "NASTrainingTests",
            dependencies: ["NASTraining", "NASArchitecture", "NASData", "NASKernels", "NASModel", "NASRandom", "NASRecipe"]
        ),
        .testTarget(name: "NASDataTests", dependencies: ["NASData", "NASKernels", "NASRandom", "CPNG", "CTurboJPEG", "CZlib"]),
        // CPNG: the image-folder tests write their own PNG dataset.
        .testTarget(name: "CommandTests", dependencies: ["nas", "NASTestSupport", "CPNG"]),
        // Real servers on loopback (PostgreSQL, Slurm) for the integration tests, and the
        // TrialStore conformance suite that any backend's tests run as is.
        .target(name: "NASTestSupport", dependencies: ["NASStore", "NASSearch", "NASSearchSpace", "NASArchitecture", "NASEvaluation"],
                path: "Tests/Support", exclude: ["postgres-cluster.sh", "slurm-cluster.sh", "Fixtures"]),
        .testTarget(name: "NASStoreTests", dependencies: ["NASStore", "NASTestSupport"]),
        .testTarget(name: "NASSearchSpaceTests", dependencies: ["NASSearchSpace", "NASArchitecture", "NASRandom", "NASRecipe"]),
        .testTarget(name: "NASControllerTests", dependencies: ["NASController", "NASRandom", "SyntheticSearch"],
                    exclude: ["Fixtures"]),
        // Synthetic search problems with a known optimum, for the controller's tests and for
        // the measurement behind Docs/CONTROLLER.md's defaults (`swift run -c release
        // controller-benchmark GRID`, Benchmarks/controller).
        .target(name: "SyntheticSearch", dependencies: ["NASController", "NASRandom"],
                path: "Benchmarks/controller/SyntheticSearch"),
        .executableTarget(name: "controller-benchmark", dependencies: ["NASController", "SyntheticSearch"],
                          path: "Benchmarks/controller/Measure"),
        // Every architecture of a small space trained and tabulated, and an evaluator command
        // that answers searches from the table (Benchmarks/tabular).
        .target(name: "TabularBenchmark", dependencies: ["NASEvaluation", "NASArchitecture"], path: "Benchmarks/tabular/Table"),
        .executableTarget(name: "tabular-benchmark", dependencies: ["NASSearchSpace", "NASEvaluation", "NASArchitecture", "NASFidelity", "TabularBenchmark"],
                          path: "Benchmarks/tabular/Tool"),
        // Strategies on the committed table, through the real search loop (a CI test).
        .testTarget(name: "TabularBenchmarkTests", dependencies: ["TabularBenchmark", "NASController", "NASSearch", "NASSearchSpace", "NASStore", "NASTestSupport"]),
        .testTarget(
            name: "NASSearchTests",
            dependencies: ["NASSearch", "NASEvaluation", "NASController", "NASPresentation", "NASArchitecture", "NASSearchSpace", "NASStore",
                           "NASTestSupport"]
        ),
        .testTarget(name: "NASEvaluationTests", dependencies: ["NASEvaluation"]),
        .testTarget(
            name: "NASPresentationTests",
            dependencies: ["NASPresentation", "NASSearch", "NASEvaluation", "NASArchitecture", "NASSearchSpace", "NASStore",
                           "NASProcess", "NASTestSupport"]
        ),
        .testTarget(name: "NASFormattingTests", dependencies: ["NASFormatting"]),
        .testTarget(name: "NASFidelityTests", dependencies: ["NASFidelity", "NASSearchSpace"]),
        .testTarget(name: "NASProcessTests", dependencies: ["NASProcess", "NASTestSupport"]),
        .testTarget(
            name: "NASONNXTests",
            dependencies: ["NASONNX", "NASModel", "NASArchitecture", "NASKernels", "NASRandom",
                           .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
    ]
)
