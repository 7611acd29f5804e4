import Foundation
import KafkaClient
import Logging
import TestSupport

/// A quiet logger for tests: only errors and worse reach the output.
let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .error
    return logger
}()

/// A topic name no other test uses.
func uniqueTopic(_ prefix: String = "test") -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8))"
}

/// An embedded cluster with one fresh topic.
func makeCluster(brokers: Int = 1, partitions: Int, replicationFactor: Int = 1) throws -> (KafkaMockCluster, String) {
    let cluster = try KafkaMockCluster(brokers: brokers, logger: testLogger)
    let topic = uniqueTopic()
    try cluster.createTopic(topic, partitions: partitions, replicationFactor: replicationFactor)
    return (cluster, topic)
}

func producerConfiguration(_ cluster: KafkaMockCluster) -> KafkaProducerConfiguration {
    KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
}

/// A group consumer tuned for quick rebalances, as tests need them.
func consumerConfiguration(_ cluster: KafkaMockCluster, group: String? = nil) -> KafkaConsumerConfiguration {
    var configuration = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: group)
    configuration.sessionTimeout = .seconds(6)
    return configuration
}

/// Sends every record concurrently (bounded by librdkafka's queue) and returns the reports in input order.
func sendAll(_ records: [KafkaProducerRecord], with producer: KafkaProducer) async throws -> [KafkaDeliveryReport] {
    try await withThrowingTaskGroup(of: (Int, KafkaDeliveryReport).self) { group in
        for (index, record) in records.enumerated() {
            group.addTask { (index, try await producer.send(record)) }
        }
        var reports = [KafkaDeliveryReport?](repeating: nil, count: records.count)
        for try await (index, report) in group { reports[index] = report }
        return reports.map { $0! }
    }
}

/// Reads records until `count` have arrived, failing after `timeout` rather than hanging.
func collect(_ count: Int, from consumer: KafkaConsumer, timeout: Duration = .seconds(60), store: Bool = false) async throws
    -> [KafkaRecord]
{
    try await withTimeout(timeout, "\(count) records") {
        var records: [KafkaRecord] = []
        for try await record in consumer.records {
            records.append(record)
            if store { try consumer.storeOffset(of: record) }
            if records.count == count { break }
        }
        return records
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
