// swift-tools-version: 6.2
// Benchmarks live in their own package so that the main package's debug builds and CI stay lean.
import PackageDescription

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
                .product(name: "MerkleLog", package: "main"),
                .product(name: "ConsentModel", package: "main"),
                .product(name: "KafkaClient", package: "main"),
                .product(name: "LedgerIngest", package: "main"),
                .product(name: "LedgerStore", package: "main"),
                .product(name: "LedgerAPI", package: "main"),
                .product(name: "LedgerAudit", package: "main"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.treatAllWarnings(as: .error)]
        )
    ]
)
