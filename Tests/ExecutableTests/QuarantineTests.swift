import Foundation
import KafkaClient
import LedgerFormat
import LedgerStore
import Logging
import TestSupport
import Testing

/// A fault in one partition's ledger stops that partition only, with ledgerd and ledgerctl as an operator runs them.
@Suite("ledgerd quarantines a faulty partition", .serialized, .timeLimit(.minutes(10)))
struct QuarantineTests {
    let topic = "consent-ledger.events.v1"
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quarantine-\(UUID().uuidString)")
    var simulation: String { directory.appendingPathComponent("simulation").path }

    /// A broker of its own, so that ledgers outlive a ledgerd (the embedded one starts empty every time).
    func startBroker() throws -> (ChildProcess, String) {
        let broker = try ChildProcess(
            ledgerctl, ["broker", "--topics", packageRoot.appendingPathComponent("topics").path, "--log-level", "warning"])
        return (broker, try broker.waitForLine(startingWith: "bootstrap.servers="))
    }

    /// ledgerd in a consumer group of its own (a new group joins in seconds; a rejoin waits for the old member).
    func startLedgerd(_ bootstrap: String, dataDir: String, run: Int) throws -> (ChildProcess, String) {
        _ = try ChildProcess.run(ledgerctl, ["simulate", "--setup-only", "--out", simulation])
        let ledgerd = try ChildProcess(
            ledgerd,
            [
                "--brokers", bootstrap, "--dev-tokens", "--data-dir", dataDir, "--registry", "\(simulation)/registry.json", "--http",
                "127.0.0.1:0",
            ],
            environment: ["LEDGERD_GROUP": "quarantine-\(run)-\(UUID().uuidString.prefix(6))", "LEDGERD_LOG_LEVEL": "warning"])
        return (ledgerd, try ledgerd.waitForLine(startingWith: "http="))
    }

    /// Two seconds of MyData traffic from `ledgerctl simulate`; a new seed gives new events.
    func simulate(_ bootstrap: String, seed: Int) throws {
        let sent = try ChildProcess.run(
            ledgerctl, ["simulate", "--brokers", bootstrap, "--out", simulation, "--rate", "300", "--duration", "2", "--seed", "\(seed)"])
        #expect(sent.status == 0, "\(sent.stderr)")
    }

    /// The size of each ledger the API serves now, by partition.
    func servedSizes(http: String, dataDir: String) throws -> [Int32: Int64] {
        let served = try get("http://\(http)/v1/ledgers", token: developmentToken("regulator", "auditor", dataDir: dataDir))
        guard served.status == 200, let ledgers = try JSONSerialization.jsonObject(with: Data(served.body.utf8)) as? [[String: Any]]
        else { return [:] }
        return Dictionary(uniqueKeysWithValues: ledgers.map { (Int32($0["partition"] as! Int), Int64($0["size"] as! Int)) })
    }

    /// Each partition's end offset: every record the topic holds.
    func topicEnds(_ bootstrap: String) async throws -> [Int32: Int64] {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let consumer = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap]), logger: logger)
        var ends: [Int32: Int64] = [:]
        for partition in 0..<Int32(try await consumer.partitionCount(of: topic)) {
            ends[partition] = try await consumer.watermarks(of: KafkaTopicPartition(topic: topic, partition: partition)).high
        }
        try await consumer.close()
        return ends
    }

    func ledgerPath(_ dataDir: String, _ partition: Int32) -> String { "\(dataDir)/\(topic)-\(partition).sqlite" }

    /// The Kafka offsets a partition's ledger holds, in leaf order.
    func ledgerOffsets(_ dataDir: String, _ partition: Int32) async throws -> [Int64] {
        guard FileManager.default.fileExists(atPath: ledgerPath(dataDir, partition)) else { return [] }
        let ledger = try PartitionLedger(
            path: ledgerPath(dataDir, partition), origin: "consent-ledger.local/\(topic)/\(partition)", topic: topic, partition: partition,
            keys: dataDirectoryKeys(dataDir))
        return try await ledger.read { reader in try (0..<reader.size).map { try LedgerLeaf(decoding: reader.leaf(at: $0)).offset } }
    }

    /// Every record of the topic is in exactly one leaf of its partition's ledger, in order; and verify passes.
    func expectEverythingOnce(_ bootstrap: String, dataDir: String) async throws {
        for (partition, end) in try await topicEnds(bootstrap) {
            #expect(try await ledgerOffsets(dataDir, partition) == Array(0..<end), "partition \(partition)")
        }
        let verify = try ChildProcess.run(ledgerctl, ["verify", "--data-dir", dataDir, "--registry", "\(simulation)/registry.json"])
        #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
    }

    @Test(
        "a damaged ledger file quarantines only its partition: the others ingest, the API serves them, readiness names it; moved aside, it is rebuilt and nothing is lost"
    )
    func damagedFile() async throws {
        let (broker, bootstrap) = try startBroker()
        defer { broker.process.terminate() }
        let dataDir = directory.appendingPathComponent("data").path
        var (ledgerd, http) = try startLedgerd(bootstrap, dataDir: dataDir, run: 1)
        try simulate(bootstrap, seed: 1)
        let sent = try await topicEnds(bootstrap)
        try await waitUntil("the first traffic ingested", timeout: .seconds(90), every: .milliseconds(250)) {
            try get("http://\(http)/metrics").body.contains("ledger_events_in_total \(sent.values.reduce(0, +))")
        }
        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)

        // A disk that returns garbage for part of one file.
        let damaged: Int32 = 3
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: ledgerPath(dataDir, damaged)))
        try file.seek(toOffset: 100)
        try file.write(contentsOf: Data((0..<16_384).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        try file.close()

        (ledgerd, http) = try startLedgerd(bootstrap, dataDir: dataDir, run: 2)
        var readiness = ""
        try await waitUntil("readiness names the quarantined partition", timeout: .seconds(90), every: .milliseconds(250)) {
            readiness = try get("http://\(http)/readyz").body
            return readiness.contains("partition \(damaged) quarantined (corrupt")
        }
        #expect(readiness.hasPrefix("ready, degraded: 1 quarantined"))
        #expect(readiness.contains("not served") && readiness.contains("move \(ledgerPath(dataDir, damaged)) aside"), "\(readiness)")
        #expect(try get("http://\(http)/healthz").status == 200)
        #expect(try get("http://\(http)/metrics").body.contains(#"ledger_partition_quarantined{partition="3",cause="corrupt"} 1"#))

        // The others go on ingesting, and are served; the citizen is told which ledger cannot be shown.
        try simulate(bootstrap, seed: 2)
        let ends = try await topicEnds(bootstrap)
        try await waitUntil("the other partitions ingest the new traffic", timeout: .seconds(90), every: .milliseconds(250)) {
            var others = ends
            others[damaged] = nil
            return try servedSizes(http: http, dataDir: dataDir) == others
        }
        let completeness = try get("http://\(http)/v1/me/completeness", token: developmentToken("citizen", "CI-anyone", dataDir: dataDir))
        #expect(
            completeness.status == 200 && completeness.body.contains("consent-ledger.local/\(topic)/\(damaged)\"]"), "\(completeness.body)")

        // Moved aside while ledgerd runs: rebuilt from the topic, checked against what it published, resumed.
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledgerPath(dataDir, damaged) + suffix) }
        try await waitUntil("the partition leaves quarantine", timeout: .seconds(90), every: .milliseconds(250)) {
            try get("http://\(http)/readyz").body.hasPrefix("ready\n")
        }
        try await waitUntil("everything ingested", timeout: .seconds(90), every: .milliseconds(250)) {
            try servedSizes(http: http, dataDir: dataDir) == ends
        }
        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)
        try await expectEverythingOnce(bootstrap, dataDir: dataDir)
    }

    @Test(
        "a full disk quarantines the partitions that cannot commit; the API keeps serving; ingestion resumes by itself when space returns, losing nothing",
        .enabled(if: getuid() == 0, "mounts a small tmpfs, which needs root"))
    func diskFull() async throws {
        let mount = directory.appendingPathComponent("small-disk").path
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        #expect(try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/mount"), ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount]).status == 0)
        defer { _ = try? ChildProcess.run(URL(fileURLWithPath: "/usr/bin/umount"), ["-l", mount]) }
        let (broker, bootstrap) = try startBroker()
        defer { broker.process.terminate() }
        let dataDir = mount + "/data"
        let (ledgerd, http) = try startLedgerd(bootstrap, dataDir: dataDir, run: 1)
        try simulate(bootstrap, seed: 1)
        try simulate(bootstrap, seed: 2)
        var readiness = ""
        try await waitUntil("readiness names a partition whose disk is full", timeout: .seconds(90), every: .milliseconds(250)) {
            readiness = try get("http://\(http)/readyz").body
            return readiness.contains("quarantined (disk-full")
        }
        #expect(readiness.contains("free space on the data directory's file system"), "\(readiness)")
        #expect(try get("http://\(http)/healthz").status == 200)
        // What was committed is sound, and served.
        #expect(try get("http://\(http)/v1/ledgers", token: developmentToken("regulator", "auditor", dataDir: dataDir)).status == 200)

        #expect(try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/mount"), ["-o", "remount,size=64m", mount]).status == 0)
        try await waitUntil("ingestion resumes by itself", timeout: .seconds(90), every: .milliseconds(250)) {
            try get("http://\(http)/readyz").body.hasPrefix("ready\n")
        }
        let ends = try await topicEnds(bootstrap)
        try await waitUntil("every record ingested", timeout: .seconds(90), every: .milliseconds(250)) {
            try servedSizes(http: http, dataDir: dataDir) == ends
        }
        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)
        try await expectEverythingOnce(bootstrap, dataDir: dataDir)
    }
}
