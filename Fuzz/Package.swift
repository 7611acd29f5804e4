// swift-tools-version: 6.2
// The fuzz targets under libFuzzer, in a package of their own: it is built with `--sanitize=fuzzer`, which
// instruments every module it builds, so it must not share the main package's build (`make fuzz`).
import PackageDescription

// A package by path is known by the name of its directory, which is whatever the checkout was cloned into.
let mainPackage = String(Context.packageDirectory.split(separator: "/").dropLast().last ?? "main").lowercased()

let package = Package(
    name: "ConsentLedgerFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "LibFuzzerDriver"),
        .executableTarget(
            name: "ledger-fuzz",
            dependencies: ["LibFuzzerDriver", .product(name: "FuzzTargets", package: mainPackage)],
            swiftSettings: [.treatAllWarnings(as: .error)]
        ),
    ]
)
