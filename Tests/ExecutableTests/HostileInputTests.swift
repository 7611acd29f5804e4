import Foundation
import KafkaClient
import Logging
import TestSupport
import Testing

/// Each input that once aborted ledgerd, sent to a live ledgerd: it stays up and answers, and the input becomes
/// evidence (a rejected leaf, an ignored and counted note) or a 400.
@Suite("ledgerd against hostile input", .serialized, .timeLimit(.minutes(10)))
struct HostileInputTests {
    let topic = "consent-ledger.events.v1"
    let example = packageRoot.appendingPathComponent("topics/examples/valid/access-performed.json")
    /// The example's signature by RFC 8032's first test key, `mydata-op-1/2026` in the example registry (docs/events.md).
    let exampleSignature = "8jz6SF2o9iAmkI7hIgUA7bBB5K320q7hnYn5E0p85giZPhZwEHq2wRqFy28lGdXEetJf6rXJK3G5FC7A8GyoDg=="

    @Test(
        "an event time past 2262, a Kafka timestamp at 2^63 − 1, a 70 KB key id, a cosignature past 2^63, cursors past 2^63: ledgerd stays up"
    )
    func hostileInputs() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        let ledgerd = try ChildProcess(
            ledgerd,
            [
                "--data-dir", data.path, "--topics", packageRoot.appendingPathComponent("topics").path, "--registry",
                packageRoot.appendingPathComponent("topics/registry/example-registry.json").path, "--http", "127.0.0.1:0",
                "--log-level", "error",
            ])
        defer { ledgerd.process.terminate() }
        let bootstrap = try ledgerd.waitForLine(startingWith: "bootstrap.servers=")
        let http = try ledgerd.waitForLine(startingWith: "http=")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: logger)
        let value = Array(try Data(contentsOf: example))
        let signed = [
            KafkaHeader(name: "consent-ledger-key", value: Array("mydata-op-1/2026".utf8)),
            KafkaHeader(name: "consent-ledger-signature", value: Array(exampleSignature.utf8)),
        ]
        var late = try JSONSerialization.jsonObject(with: Data(value)) as! [String: Any]
        late["time"] = "2262-04-11T23:47:16.9Z"
        let records = [
            // Aborted ledgerd: "arithmetic overflow" in Timestamp.init(rfc3339:), before any signature check.
            KafkaProducerRecord(topic: topic, key: Array("CI-1".utf8), value: Array(try JSONSerialization.data(withJSONObject: late))),
            // A CreateTime at 2^63 − 1 ms overflowed converting it to nanoseconds, on every record.
            KafkaProducerRecord(topic: topic, key: Array("CI-1".utf8), value: value, headers: signed, timestamp: .max),
            // A 70 KB key id made a receipt larger than its topic allows.
            KafkaProducerRecord(
                topic: topic, key: Array("CI-1".utf8), value: value,
                headers: [KafkaHeader(name: "consent-ledger-key", value: [UInt8](repeating: UInt8(ascii: "k"), count: 70_000)), signed[1]]),
        ]
        var partitions: Set<Int32> = []
        for record in records { partitions.insert(try await producer.send(record).topicPartition.partition) }
        let partition = try #require(partitions.first)
        #expect(partitions.count == 1, "one subject, one partition")

        // A cosignature note under the ledger's origin claiming a size of 2^63 (Int64(checkpoint.size) trapped).
        let origin = "consent-ledger.local/\(topic)/\(partition)"
        let note =
            "\(origin)\n9223372036854775808\n\(Data(count: 32).base64EncodedString())\n\n— \(origin) \(Data(count: 68).base64EncodedString())\n"
        let metrics = "http://\(http)/metrics"
        try await waitUntil("ledgerd ingests the three records", every: .milliseconds(200)) {
            try get(metrics).body.contains("ledger_events_in_total 3")
        }
        _ = try await producer.send(
            KafkaProducerRecord(
                topic: "consent-ledger.checkpoints.v1", key: Array("\(origin)/cosigned-by/witness.example".utf8), value: Array(note.utf8)))
        await producer.shutdown()
        try await waitUntil("the cosignature is counted as ignored", every: .milliseconds(200)) {
            try get(metrics).body.contains("ledger_cosignatures_ignored_total 1")
        }
        #expect(try get("http://\(http)/healthz").status == 200)

        // What the three records became: a malformed rejection naming the time, a clock skew at full range, a capped key.
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap]), logger: logger)
        var receipts: [String] = []
        // Receipts are keyed by event id or coordinates, so they spread over the receipts topic's partitions.
        try await waitUntil("three receipts", every: .zero) {
            receipts = []
            for receiptPartition in 0..<Int32(try await reader.partitionCount(of: "consent-ledger.receipts.v1")) {
                receipts += try await reader.readToEnd(
                    KafkaTopicPartition(topic: "consent-ledger.receipts.v1", partition: receiptPartition)
                )
                .compactMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
            }
            return receipts.count >= 3
        }
        try await reader.close()
        #expect(receipts.count == 3)
        #expect(
            receipts.contains { $0.contains(#"\"code\":\"malformed\",\"detail\":\"time: \\\"2262-04-11T23:47:16.9Z\\\" is not"#) },
            "\(receipts)")
        #expect(receipts.contains { $0.contains(#"\"code\":\"clock-skew\",\"seconds\":-9223370241369174"#) }, "\(receipts)")
        #expect(receipts.contains { $0.contains("… (70000 bytes, SHA-256 ") && $0.utf8.count < 2_000 }, "\(receipts.map(\.count))")

        // Cursors past 2^63 − 1 aborted the whole process: now a 400 problem document.
        func token(_ role: String, _ subject: String) throws -> String { try developmentToken(role, subject, dataDir: data.path) }
        let citizen = try get("http://\(http)/v1/me/accesses?cursor=0.9223372036854775808", token: token("citizen", "CI-1"))
        #expect(citizen.status == 400 && citizen.type == "application/problem+json" && citizen.body.contains("cursor"), "\(citizen)")
        let regulator = try get(
            "http://\(http)/v1/ledgers/\(partition)/checkpoints?cursor=9223372036854775808", token: token("regulator", "r"))
        #expect(regulator.status == 400 && regulator.type == "application/problem+json", "\(regulator)")
        #expect(try get("http://\(http)/healthz").status == 200)
        #expect(ledgerd.process.isRunning)
        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)
    }
}
