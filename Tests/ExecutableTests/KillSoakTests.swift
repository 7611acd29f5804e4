import Foundation
import KafkaClient
import LedgerFormat
import LedgerStore
import Logging
import TestSupport
import Testing

/// `make soak`: ledgerd under continuous signed traffic, killed at random moments again and again, restarted each
/// time on the same data directory and broker. Runs only when SOAK_KILLS is set (`make soak` sets 100; `.ci/run` 10).
@Suite(
    "Kill soak", .serialized, .enabled(if: ProcessInfo.processInfo.environment["SOAK_KILLS"] != nil, "make soak runs it"),
    .timeLimit(.minutes(60)))
struct KillSoakTests {
    let topic = "consent-ledger.events.v1"
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("soak-\(UUID().uuidString)")
    var simulation: String { directory.appendingPathComponent("simulation").path }
    let kills = Int(ProcessInfo.processInfo.environment["SOAK_KILLS"] ?? "") ?? 100
    let rate = Int(ProcessInfo.processInfo.environment["SOAK_RATE"] ?? "") ?? 20

    func report(_ line: String) {
        FileHandle.standardError.write(Data("soak: \(line)\n".utf8))
    }

    func startLedgerd(_ bootstrap: String, dataDir: String, run: Int) throws -> ChildProcess {
        // A consumer group of its own each run: a new group joins in seconds, a rejoin would wait for the killed member.
        try ChildProcess(
            ledgerd,
            [
                "--brokers", bootstrap, "--dev-tokens", "--data-dir", dataDir, "--registry", "\(simulation)/registry.json", "--http",
                "127.0.0.1:0",
            ],
            environment: ["LEDGERD_GROUP": "soak-\(run)-\(UUID().uuidString.prefix(6))", "LEDGERD_LOG_LEVEL": "error"])
    }

    /// Each partition's end offset: every record the topic holds.
    func ends(of topic: String, _ bootstrap: String) async throws -> [Int32: Int64] {
        var logger = Logger(label: "soak")
        logger.logLevel = .critical
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap]), logger: logger)
        defer { Task { try? await consumer.close() } }
        var ends: [Int32: Int64] = [:]
        for partition in 0..<Int32(try await consumer.partitionCount(of: topic)) {
            ends[partition] = try await consumer.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition)).high
        }
        return ends
    }

    /// Every leaf of every partition's ledger, as stored, by partition.
    func leaves(in dataDir: String) async throws -> [Int32: [[UInt8]]] {
        var all: [Int32: [[UInt8]]] = [:]
        for partition: Int32 in 0..<8 {
            let path = "\(dataDir)/\(topic)-\(partition).sqlite"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let file = try LedgerFile(readingAt: path)
            all[partition] = try file.read { reader in try (0..<reader.size).map { try reader.leaf(at: $0) } }
        }
        return all
    }

    /// Runs ledgerd until its ledgers hold every record of the topic, then stops it cleanly.
    func ingestToTheEnd(_ bootstrap: String, dataDir: String, run: Int) async throws {
        let ends = try await ends(of: topic, bootstrap)
        let ledgerd = try startLedgerd(bootstrap, dataDir: dataDir, run: run)
        // Its services, and its handling of SIGTERM, run once it serves HTTP: the ledgers may already be complete (the
        // last killed run got to the end), and a SIGTERM before then would end it as a kill does.
        _ = try ledgerd.waitForLine(startingWith: "http=")
        try await waitUntil("ledgerd catches up with the topic", timeout: .seconds(600), every: .seconds(1)) {
            try await leaves(in: dataDir).mapValues({ Int64($0.count) }).filter({ $0.value > 0 }) == ends.filter({ $0.value > 0 })
        }
        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)
    }

    @Test("killed again and again under signed traffic, ledgerd loses nothing, repeats nothing, changes no verdict")
    func soak() async throws {
        let started = ContinuousClock.now
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let broker = try ChildProcess(
            ledgerctl, ["broker", "--topics", packageRoot.appendingPathComponent("topics").path, "--log-level", "warning"])
        defer { broker.process.terminate() }
        let bootstrap = try broker.waitForLine(startingWith: "bootstrap.servers=")
        #expect(try ChildProcess.run(ledgerctl, ["simulate", "--setup-only", "--out", simulation]).status == 0)
        let traffic = try ChildProcess(
            ledgerctl, ["simulate", "--brokers", bootstrap, "--out", simulation, "--rate", "\(rate)", "--duration", "31536000"])
        defer { traffic.process.terminate() }

        let dataDir = directory.appendingPathComponent("data").path
        var generator = SystemRandomNumberGenerator()
        var (killed, terminated) = (0, 0)
        // SOAK_KILLS SIGKILLs, and a SIGTERM after the 5th of every 25.
        let stops = (0..<kills).flatMap { $0 % 25 == 5 ? [false, true] : [true] }
        for (run, isKill) in stops.enumerated() {
            let ledgerd = try startLedgerd(bootstrap, dataDir: dataDir, run: run)
            // From its first moments (opening, replaying) to well into ingesting: joining a group takes ~3 s.
            try await Task.sleep(for: .milliseconds(Int.random(in: 300...7_000, using: &generator)))
            if !isKill {
                ledgerd.process.terminate()
                #expect(ledgerd.finish().status == 0, "a SIGTERM is a clean stop")
                terminated += 1
            } else {
                kill(ledgerd.process.processIdentifier, SIGKILL)
                ledgerd.process.waitUntilExit()
                killed += 1
            }
            if (run + 1) % 10 == 0 {
                report("\(run + 1) of \(stops.count) stops, \(try await ends(of: topic, bootstrap).values.reduce(0, +)) events so far")
            }
        }
        traffic.process.terminate()
        traffic.process.waitUntilExit()
        try await ingestToTheEnd(bootstrap, dataDir: dataDir, run: stops.count)
        let ends = try await ends(of: topic, bootstrap)
        let soaked = try await leaves(in: dataDir)

        // 1. Every offset of the topic in exactly one leaf, in order.
        for (partition, end) in ends where end > 0 {
            let offsets = try (soaked[partition] ?? []).map { try LedgerLeaf(decoding: $0).offset }
            #expect(offsets == Array(0..<end), "partition \(partition): \(offsets.count) leaves for \(end) records")
        }
        // 2. The regulator's check.
        let verify = try ChildProcess.run(ledgerctl, ["verify", "--data-dir", dataDir, "--registry", "\(simulation)/registry.json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        // 3. No verdict changed: one uninterrupted run from the topic, with the same secrets, writes the same leaves.
        let fresh = directory.appendingPathComponent("fresh").path
        try FileManager.default.createDirectory(atPath: fresh, withIntermediateDirectories: true)
        for secret in ["checkpoint-signing.key", "subject-reference.voprf"] {
            try FileManager.default.copyItem(atPath: "\(dataDir)/\(secret)", toPath: "\(fresh)/\(secret)")
        }
        try await ingestToTheEnd(bootstrap, dataDir: fresh, run: stops.count + 1)
        let rebuilt = try await leaves(in: fresh)
        #expect(rebuilt == soaked, "the ledgers written across every kill are byte for byte those of one uninterrupted run")
        // 4. Outputs are at least once: every leaf has its receipt, keyed by event id or by its coordinates.
        var logger = Logger(label: "soak")
        logger.logLevel = .critical
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap]), logger: logger)
        var receipted: Set<String> = []
        var receipts = 0
        for partition in 0..<Int32(try await reader.partitionCount(of: "consent-ledger.receipts.v1")) {
            for record in try await reader.readToEnd(
                KafkaTopicPartition(topic: "consent-ledger.receipts.v1", partition: partition), timeout: .seconds(120))
            {
                receipted.insert(String(decoding: record.key ?? [], as: UTF8.self))
                receipts += 1
            }
        }
        try await reader.close()
        var missing: [String] = []
        for (partition, leaves) in soaked {
            for leaf in leaves {
                let decoded = try LedgerLeaf(decoding: leaf)
                let key = decoded.eventID.isEmpty ? "consent-ledger.local/\(topic)/\(partition)@\(decoded.offset)" : decoded.eventID
                if !receipted.contains(key) { missing.append(key) }
            }
        }
        #expect(missing.isEmpty, "\(missing.count) leaves without a receipt, such as \(missing.prefix(3))")

        let events = ends.values.reduce(0, +)
        report(
            "\(killed) SIGKILLs and \(terminated) SIGTERMs in \(ContinuousClock.now - started); \(events) events, \(receipts) receipts published "
                + "(\(receipts - Int(events)) again after a kill); every offset in one leaf: \(soaked.values.map(\.count).reduce(0, +) == Int(events)); "
                + "verify: \(verify.status == 0 ? "passed" : "FAILED"); leaves as one uninterrupted run's: \(rebuilt == soaked); "
                + "every leaf receipted: \(missing.isEmpty)")
    }
}
