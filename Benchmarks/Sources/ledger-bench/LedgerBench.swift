import Foundation

/// `ledger-bench [--quick] [--json FILE]`: measures the project's headline figures on this machine,
/// each beside the limit it is bounded by. Run it in release: `make bench`.
@main
struct LedgerBench {
    static func main() async throws {
        let arguments = CommandLine.arguments.dropFirst()
        let quick = arguments.contains("--quick")
        let jsonPath = arguments.firstIndex(of: "--json").flatMap { arguments.index(after: $0) < arguments.endIndex ? arguments[arguments.index(after: $0)] : nil }
        #if DEBUG
            say("warning: this is a debug build; figures are ~15x slower than release (use `make bench`)")
        #endif
        let command = "make bench\(quick ? "-quick" : "")"
        let figures = try MerkleLogBenchmarks(
            leaves: quick ? 100_000 : 10_000_000, mapKeys: quick ? 100_000 : 1_000_000, mapBatch: quick ? 10_000 : 100_000, command: command
        ).run() + (try await StageBenchmarks(events: quick ? 4_000 : 20_000, command: command).run())
            + (try await PipelineBenchmarks(events: quick ? 4_000 : 40_000, command: command).run())
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
