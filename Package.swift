// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "soh",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "soh", targets: ["soh"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // System libraries, found by pkg-config (Debian: libyaml-dev, libcmark-gfm-dev).
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CCmarkGFM", pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

        .target(name: "SOHModel", dependencies: ["CYAML"]),
        .target(name: "SOHMarkdown", dependencies: ["CCmarkGFM"]),
        .target(name: "SOHForms", dependencies: ["SOHModel", "SOHMarkdown"]),
        .target(
            name: "SOHBuild",
            dependencies: [
                "SOHModel", "SOHMarkdown", "SOHForms",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "SOHCheck", dependencies: ["SOHBuild", "SOHModel", "SOHMarkdown"]),
        .target(
            name: "SOHServer",
            dependencies: [
                "SOHModel", "SOHForms",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "soh",
            dependencies: [
                "SOHModel", "SOHBuild", "SOHServer", "SOHForms", "SOHCheck",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),

        .testTarget(name: "SOHModelTests", dependencies: ["SOHModel"]),
        .testTarget(name: "SOHMarkdownTests", dependencies: ["SOHMarkdown"]),
        .testTarget(name: "SOHFormsTests", dependencies: ["SOHForms", "SOHModel"]),
        .testTarget(name: "SOHServerTests", dependencies: [
            "SOHServer", "SOHForms", "SOHModel",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "SOHBuildTests", dependencies: [
            "SOHBuild", "SOHModel", "SOHForms", "SOHCheck", "SOHServer", "SOHMarkdown",
            .product(name: "Mustache", package: "swift-mustache"),
        ], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
