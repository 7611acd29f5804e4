// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "ConsentLedger",
    platforms: [.macOS(.v15)],
    products: [
        // Public API, for other programs: what an institution embeds to publish, what a citizen's, regulator's or
        // witness's tool embeds to check, and the pure verifier core an auditor reads.
        .library(name: "MerkleLog", targets: ["MerkleLog"]),
        .library(name: "ConsentModel", targets: ["ConsentModel"]),
        .library(name: "LedgerFormat", targets: ["LedgerFormat"]),
        .library(name: "InstitutionPublisher", targets: ["InstitutionPublisher"]),
        .library(name: "LedgerClient", targets: ["LedgerClient"]),
        .library(name: "LedgerAudit", targets: ["LedgerAudit"]),
        .library(name: "LedgerWitness", targets: ["LedgerWitness"]),
        // For Benchmarks/Package.swift only, which measures the service's parts in a release build of its own: no
        // promise of a stable API.
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
        .library(name: "LedgerIdentity", targets: ["LedgerIdentity"]),
        .library(name: "LedgerStore", targets: ["LedgerStore"]),
        .library(name: "LedgerIngest", targets: ["LedgerIngest"]),
        .library(name: "APITokens", targets: ["APITokens"]),
        .library(name: "LedgerAPI", targets: ["LedgerAPI"]),
        // For Fuzz/Package.swift, which runs these parsers under libFuzzer.
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
        // The service and the command line.
        .executable(name: "ledgerctl", targets: ["ledgerctl"]),
        .executable(name: "ledgerd", targets: ["ledgerd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-urlsession", from: "1.4.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // The one shape of our modules' errors: a code to match, a reason in words, the throw site.
        .target(name: "CodedErrors"),
        // Files only their owner may read (secrets, keys, ledgers): created owner-only from their first byte, never replaced.
        .target(name: "PrivateFiles"),
        .target(
            name: "KafkaClient",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MerkleLog",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "ConsentModel",
            dependencies: [.product(name: "Crypto", package: "swift-crypto"), .product(name: "CryptoExtras", package: "swift-crypto")]
        ),
        // Everything an outside verifier needs beyond MerkleLog and ConsentModel: the leaf and stored-header encodings,
        // and the names of topics, keys and headers. No I/O.
        .target(
            name: "LedgerFormat",
            dependencies: ["CodedErrors", "MerkleLog", "ConsentModel", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // The ledger's own secrets in its data directory: the checkpoint signing key, the subject reference secret, the
        // development token issuer's key.
        .target(
            name: "LedgerIdentity",
            dependencies: [
                "CodedErrors", "ConsentModel", "MerkleLog", "PrivateFiles",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "LedgerStore",
            dependencies: [
                "CodedErrors", "MerkleLog", "ConsentModel", "LedgerFormat", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "LedgerIngest",
            dependencies: [
                "CodedErrors", "KafkaClient", "LedgerFormat", "LedgerIdentity", "LedgerStore", "ConsentModel", "MerkleLog", "PrivateFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "LedgerAudit",
            dependencies: [
                "LedgerFormat", "LedgerStore", "LedgerClient", "ConsentModel", "MerkleLog",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // What an institution embeds to publish signed events: no ledger code.
        .target(
            name: "InstitutionPublisher",
            dependencies: [
                "CodedErrors", "KafkaClient", "ConsentModel", "LedgerFormat", "PrivateFiles",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Realistic MyData traffic for demos and load: `ledgerctl simulate`.
        .target(
            name: "MyDataSimulation",
            dependencies: ["ConsentModel", "InstitutionPublisher"]
        ),
        // The API as its users call it: a client generated from the same OpenAPI document, and checks of what it serves.
        .target(
            name: "LedgerClient",
            dependencies: [
                "CodedErrors", "ConsentModel", "LedgerFormat", "MerkleLog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
            ],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // An independent witness: replays the topic, checks the API's leaves against it, cosigns checkpoints.
        .target(
            name: "LedgerWitness",
            dependencies: [
                "CodedErrors", "KafkaClient", "ConsentModel", "LedgerFormat", "MerkleLog", "LedgerClient",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // API tokens: the claims, the issuers' key set, and every check a token must pass. No HTTP, so that the fuzzer
        // can reach it.
        .target(
            name: "APITokens",
            dependencies: [
                "CodedErrors", "ConsentModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .target(
            name: "LedgerAPI",
            dependencies: [
                "APITokens", "LedgerStore", "ConsentModel", "MerkleLog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
            ],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator"), "EmbedVerifierChecks"]
        ),
        // The citizen's page runs the offline verifier's own checks (docs/verify.html) in the browser: built in, not copied.
        .plugin(name: "EmbedVerifierChecks", capability: .buildTool(), dependencies: ["embed-verifier-checks"]),
        .executableTarget(name: "embed-verifier-checks"),
        // Every parser of outside bytes as a function of one input: run by Fuzz/ under libFuzzer, replayed by the tests.
        .target(
            name: "FuzzTargets",
            dependencies: [
                "APITokens", "ConsentModel", "MerkleLog", "LedgerFormat", "LedgerStore", "LedgerIngest", "KafkaClient",
                "InstitutionPublisher", "LedgerClient",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "ledgerd",
            dependencies: [
                "APITokens", "LedgerIdentity", "LedgerIngest", "LedgerAPI", "LedgerFormat", "KafkaClient", "ConsentModel", "MerkleLog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "ledgerctl",
            dependencies: [
                "APITokens", "KafkaClient", "LedgerAudit", "LedgerFormat", "LedgerIdentity", "LedgerStore", "ConsentModel",
                "InstitutionPublisher", "MerkleLog", "PrivateFiles", "MyDataSimulation", "LedgerWitness", "LedgerClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // What a disk's owner can do to a ledger file behind its ledger's back: the one fixture that writes its tables.
        .target(
            name: "LedgerStoreFixtures",
            dependencies: [
                "LedgerStore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/LedgerStoreFixtures"),
        // Waits that fail a test after a time limit instead of hanging it: every test target that waits uses these.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(
            name: "KafkaClientTests",
            dependencies: ["KafkaClient", "ConsentModel", "TestSupport"]
        ),
        .testTarget(
            name: "MerkleLogTests",
            dependencies: ["MerkleLog", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Signed events, a registry and a served API for tests of every layer above ConsentModel.
        .target(
            name: "ConsentFixtures",
            dependencies: [
                "APITokens", "ConsentModel", "LedgerStore", "LedgerAPI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/ConsentFixtures"
        ),
        .testTarget(
            name: "ConsentModelTests",
            dependencies: ["ConsentModel", "ConsentFixtures", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "LedgerFormatTests",
            dependencies: ["LedgerFormat", "ConsentModel", "MerkleLog", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(
            name: "LedgerIdentityTests", dependencies: ["LedgerIdentity", "ConsentModel", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "LedgerStoreTests",
            dependencies: [
                "LedgerFormat", "LedgerStore", "LedgerStoreFixtures", "MerkleLog", "ConsentModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LedgerIngestTests",
            dependencies: [
                "LedgerIngest", "LedgerFormat", "LedgerIdentity", "LedgerStore", "LedgerStoreFixtures", "KafkaClient", "ConsentModel",
                "InstitutionPublisher", "MerkleLog",
                "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LedgerAPITests",
            dependencies: [
                "APITokens", "LedgerAPI", "LedgerFormat", "LedgerStore", "LedgerStoreFixtures", "ConsentModel", "ConsentFixtures",
                "MerkleLog",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(
            name: "LedgerAuditTests",
            dependencies: [
                "LedgerAudit", "LedgerClient", "LedgerStore", "LedgerStoreFixtures", "ConsentModel", "ConsentFixtures", "MerkleLog",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "InstitutionPublisherTests",
            dependencies: [
                "InstitutionPublisher", "KafkaClient", "ConsentModel", "ConsentFixtures",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "MyDataSimulationTests",
            dependencies: ["MyDataSimulation", "InstitutionPublisher", "ConsentModel", "ConsentFixtures"]
        ),
        .testTarget(
            name: "LedgerWitnessTests",
            dependencies: [
                "LedgerWitness", "LedgerAPI", "LedgerStore", "LedgerStoreFixtures", "ConsentModel", "ConsentFixtures", "KafkaClient",
                "MerkleLog",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "LedgerClientTests",
            dependencies: [
                "LedgerClient", "LedgerAPI", "LedgerFormat", "LedgerStore", "LedgerStoreFixtures", "ConsentModel", "ConsentFixtures",
                "MerkleLog",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "PrivateFilesTests", dependencies: ["PrivateFiles"]),
        .testTarget(name: "APITokensTests", dependencies: ["APITokens"]),
        .testTarget(
            name: "FuzzTargetsTests",
            dependencies: ["FuzzTargets"]
        ),
        // Runs the built executables as child processes, as an operator would.
        .testTarget(
            name: "ExecutableTests",
            dependencies: [
                "APITokens", "KafkaClient", "ConsentModel", "LedgerFormat", "LedgerIdentity", "LedgerStore", "MerkleLog", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)

// Every Swift target of ours builds with warnings as errors.
for target in package.targets where target.type != .system && target.type != .plugin {
    target.swiftSettings = (target.swiftSettings ?? []) + [.treatAllWarnings(as: .error)]
}
