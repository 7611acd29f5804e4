// swift-tools-version: 6.2
// Benchmarks live in their own package so that the main package's debug builds and CI stay lean.
import PackageDescription

// A package by path is known by the name of its directory, which is whatever the checkout was cloned into.
let mainPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main").lowercased()

let package = Package(
    name: "ConsentLedgerBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .executableTarget(
            name: "ledger-bench",
            dependencies: [
                .product(name: "MerkleLog", package: mainPackage),
                .product(name: "ConsentModel", package: mainPackage),
                .product(name: "KafkaClient", package: mainPackage),
                .product(name: "LedgerIngest", package: mainPackage),
                .product(name: "LedgerFormat", package: mainPackage),
                .product(name: "LedgerIdentity", package: mainPackage),
                .product(name: "LedgerStore", package: mainPackage),
                .product(name: "APITokens", package: mainPackage),
                .product(name: "LedgerAPI", package: mainPackage),
                .product(name: "LedgerAudit", package: mainPackage),
                .product(name: "LedgerClient", package: mainPackage),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.treatAllWarnings(as: .error)]
        )
    ]
)
