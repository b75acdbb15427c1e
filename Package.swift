// swift-tools-version:6.1
import PackageDescription

// One library target per responsibility; imports flow one way (see Docs/DESIGN.md):
// NASArchitecture (pure values) <- nas (thin CLI).
let package = Package(
    name: "SwiftNAS",
    products: [
        .executable(name: "nas", targets: ["nas"]),
        .library(name: "NASArchitecture", targets: ["NASArchitecture"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "NASArchitecture"),
        .executableTarget(
            name: "nas",
            dependencies: [
                "NASArchitecture",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "NASArchitectureTests",
            dependencies: ["NASArchitecture"],
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "CommandTests", dependencies: ["nas"]),
    ]
)
