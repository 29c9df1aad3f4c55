// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "soh",
    // Built and tested on Linux (CI). On macOS the code needs at least 15 (Synchronization's
    // Mutex and Atomic); it is not tested there.
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "soh", targets: ["soh"]),
    ],
    dependencies: [
        // Tests only: the reference soh's own template renderer is compared with (the themes'
        // whitespace rules are this version's).
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        // Without the ConfigurationSupport trait (swift-configuration): not used here, and with it
        // a second release build recompiled Hummingbird with nothing changed.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["FullFoundation"]),
        // The store's SQL, written once for both databases (SQLKit), on SQLite (sqlite-nio, which
        // carries its own SQLite) and PostgreSQL (postgres-nio).
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // The API's description, typed (OpenAPI 3.1), made from the route table. Without the
        // ExternalLoading trait: nothing here loads documents, and it builds faster without.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit.git", from: "6.4.0", traits: []),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
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
        .target(name: "SOHMarkdown", dependencies: ["CCmarkGFM", "SOHModel"]),
        .target(name: "SOHForms", dependencies: ["SOHModel", "SOHMarkdown"]),
        // The themes' Mustache: parser, typed values, renderer.
        .target(name: "SOHTemplates", dependencies: ["SOHModel"]),
        .target(
            name: "SOHBuild",
            dependencies: [
                "SOHModel", "SOHMarkdown", "SOHForms", "SOHTemplates",
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .target(name: "SOHCheck", dependencies: ["SOHBuild", "SOHModel", "SOHMarkdown", "SOHForms"]),
        // Getting reports to the forces: the outbox's workers, destinations and documents.
        .target(
            name: "SOHDelivery",
            dependencies: [
                "SOHModel", "SOHForms",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .target(
            name: "SOHServer",
            dependencies: [
                "SOHModel", "SOHForms", "SOHDelivery",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .executableTarget(
            name: "soh",
            dependencies: [
                "SOHModel", "SOHBuild", "SOHServer", "SOHForms", "SOHCheck", "SOHDelivery",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]),

        .testTarget(name: "SOHModelTests", dependencies: ["SOHModel"]),
        .testTarget(name: "SOHMarkdownTests", dependencies: ["SOHMarkdown"]),
        .testTarget(name: "SOHTemplatesTests", dependencies: [
            "SOHTemplates", "SOHBuild", "SOHModel",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        .testTarget(name: "SOHFormsTests", dependencies: ["SOHForms", "SOHModel"]),
        .testTarget(name: "SOHServerTests", dependencies: [
            "SOHServer", "SOHForms", "SOHModel", "SOHDelivery",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
        ]),
        .testTarget(name: "SOHBuildTests", dependencies: [
            "SOHBuild", "SOHModel", "SOHForms", "SOHCheck", "SOHServer", "SOHMarkdown",
        ], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
