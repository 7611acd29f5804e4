import Foundation
import KafkaClient
import LedgerFormat
import Logging

/// Reads ledgerd's receipts topic from the moment it is created, so that receipts for events published
/// afterwards cannot be missed.
public final class ReceiptWatcher: Sendable {
    public static let defaultTopic = LedgerTopic.receipts
    private let consumer: KafkaConsumer

    /// `properties` are librdkafka properties for the consumer (security settings, for one).
    public init(brokers: [String], properties: [String: String] = [:], topic: String = defaultTopic, logger: Logger) async throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: brokers)
        configuration.additionalProperties = properties
        consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var start: [KafkaTopicPartition: KafkaOffset] = [:]
        for partition in 0..<Int32(try await consumer.partitionCount(of: topic)) {
            let topicPartition = KafkaTopicPartition(topic: topic, partition: partition)
            start[topicPartition] = .exactly(try await consumer.watermarks(of: topicPartition).high)
        }
        try await consumer.assign(start)
    }

    /// Waits until a receipt for each of `eventIDs` has arrived or `timeout` has passed; returns those found.
    public func receipts(for eventIDs: Set<String>, timeout: Duration) async throws -> [String: Receipt] {
        var found: [String: Receipt] = [:]
        let deadline = ContinuousClock.now + timeout
        while found.count < eventIDs.count, ContinuousClock.now < deadline {
            for case .record(let record) in try await consumer.nextBatch(maximum: 1_000, timeout: .milliseconds(200)) {
                guard let value = record.value, let receipt = try? JSONDecoder().decode(Receipt.self, from: Data(value)),
                    let id = receipt.eventId, eventIDs.contains(id)
                else { continue }
                // At-least-once: a repeated receipt names the same leaf, so the first is kept.
                if found[id] == nil { found[id] = receipt }
            }
        }
        return found
    }

    public func close() async throws {
        try await consumer.close()
    }
}
