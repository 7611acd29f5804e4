import Foundation

/// `ledger-bench [--quick] [--only merkle|stages|pipeline|api] [--json FILE]`: measures the project's headline figures on this machine,
/// each beside the limit it is bounded by. Run it in release: `make bench`.
@main
struct LedgerBench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        let quick = arguments.contains("--quick")
        let jsonPath = arguments.firstIndex(of: "--json").flatMap {
            arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil
        }
        #if DEBUG
            say("warning: this is a debug build; figures are ~15x slower than release (use `make bench`)")
        #endif
        let only = arguments.firstIndex(of: "--only").flatMap {
            arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil
        }
        // Each group alone: `make bench ONLY=api` (or `bench-quick`), so that any figure can be reproduced or profiled by itself.
        func command(_ group: String) -> String { "make bench\(quick ? "-quick" : "") ONLY=\(group)" }
        func wanted(_ group: String) -> Bool { only == nil || only == group }
        var figures: [Figure] = []
        if wanted("merkle") {
            figures += try MerkleLogBenchmarks(
                leaves: quick ? 100_000 : 10_000_000, mapKeys: quick ? 100_000 : 1_000_000, mapBatch: quick ? 10_000 : 100_000,
                command: command("merkle")
            ).run()
        }
        if wanted("stages") { figures += try await StageBenchmarks(events: quick ? 4_000 : 20_000, command: command("stages")).run() }
        if wanted("pipeline") {
            figures += try await PipelineBenchmarks(events: quick ? 4_000 : 40_000, command: command("pipeline")).run()
        }
        if wanted("api") {
            figures += try await APIBenchmarks(subjects: quick ? 1_000 : 100_000, seconds: quick ? 3 : 10, command: command("api")).run()
        }
        guard !figures.isEmpty else {
            say("--only takes merkle, stages, pipeline or api")
            exit(2)
        }
        print(table(figures))
        if let jsonPath {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(figures).write(to: URL(fileURLWithPath: jsonPath))
            say("wrote \(jsonPath)")
        }
    }

    static func table(_ figures: [Figure]) -> String {
        func number(_ value: Double) -> String {
            value >= 100 ? String(Int(value.rounded())) : String(format: "%.2f", value)
        }
        var lines = ["| figure | value | unit | limit | ratio |", "|---|---:|---|---|---:|"]
        for figure in figures {
            let limit = figure.limit.map { "\(number($0)) (\(figure.limitName ?? ""))" } ?? ""
            let ratio = figure.ratio.map { String(format: "%.2f", $0) } ?? ""
            lines.append("| \(figure.name) | \(number(figure.value)) | \(figure.unit) | \(limit) | \(ratio) |")
        }
        return lines.joined(separator: "\n")
    }
}
