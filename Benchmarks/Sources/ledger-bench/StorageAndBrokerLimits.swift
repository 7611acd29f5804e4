import Foundation
import GRDB
import KafkaClient
import Logging

/// The two limits the pipeline is compared with besides Ed25519, measured in the same run: how fast this
/// disk takes SQLite rows, and how fast the embedded broker hands out records.
enum StorageAndBrokerLimits {
    /// 300-byte rows inserted with a cached statement, 500 per transaction, in WAL mode with
    /// `synchronous=NORMAL`, as the partition ledgers write their batches.
    static func sqliteInsertRate(rows: Int) throws -> Double {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-limit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let pool = try DatabasePool(path: directory.appendingPathComponent("limit.sqlite").path, configuration: configuration)
        try pool.write { try $0.execute(sql: "CREATE TABLE row (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)") }
        let payload = Data(repeating: 0x5a, count: 300)
        let elapsed = try ContinuousClock().measure {
            for first in stride(from: 0, to: rows, by: 500) {
                try pool.write { db in
                    let insert = try db.cachedStatement(sql: "INSERT INTO row (id, payload) VALUES (?, ?)")
                    for id in first..<min(first + 500, rows) { try insert.execute(arguments: [id, payload]) }
                }
            }
        }
        return Double(rows) / elapsed.seconds
    }

    /// 300-byte records read back from the embedded broker by a consumer assigned all eight partitions
    /// of a topic that already holds them (~3.75 MB per partition at 10^5 records, within its retention).
    static func kafkaConsumeRate(records: Int, logger: Logger) async throws -> Double {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        let topic = "consume-limit"
        let partitions: Int32 = 8
        try cluster.createTopic(topic, partitions: Int(partitions))
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        let value = [UInt8](repeating: 0x5a, count: 300)
        for first in stride(from: 0, to: records, by: 10_000) {
            let batch = (first..<min(first + 10_000, records)).map {
                KafkaProducerRecord(topic: topic, partition: Int32($0) % partitions, key: nil, value: value)
            }
            for result in await producer.send(batch) { _ = try result.get() }
        }
        await producer.shutdown()
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        try await consumer.assign(
            Dictionary(
                uniqueKeysWithValues: (0..<partitions).map { (KafkaTopicPartition(topic: topic, partition: $0), KafkaOffset.beginning) }))
        // Timed from the end of the first batch on: connecting and the first fetch's wait are not the consume
        // rate, and that batch was fetched before the clock started. Batches of ledgerd's size: with larger
        // ones, a small run (bench-quick) was all one batch, and its rate came out as zero.
        var read = 0
        var timed = 0
        var started: ContinuousClock.Instant?
        while read < records {
            let batch = try await consumer.nextBatch(maximum: 1_000, timeout: .milliseconds(200))
            let count = batch.reduce(0) { count, event in if case .record = event { count + 1 } else { count } }
            read += count
            if started == nil {
                if count > 0 { started = .now }
            } else {
                timed += count
            }
        }
        let elapsed = ContinuousClock.now - started!
        try await consumer.close()
        withExtendedLifetime(cluster) {}
        return Double(timed) / elapsed.seconds
    }
}
