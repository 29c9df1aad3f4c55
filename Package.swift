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
        .executableTarget(
            name: "soh",
            dependencies: [
                "SOHModel", "SOHBuild",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "SOHModelTests", dependencies: ["SOHModel"]),
        .testTarget(name: "SOHMarkdownTests", dependencies: ["SOHMarkdown"]),
        .testTarget(name: "SOHFormsTests", dependencies: ["SOHForms", "SOHModel"]),
        .testTarget(name: "SOHBuildTests", dependencies: ["SOHBuild", "SOHModel", "SOHForms"]),
    ],
    swiftLanguageModes: [.v6]
)
