import KafkaClient
import Testing

@Suite("Choosing a key's partition before sending", .timeLimit(.minutes(10)))
struct KafkaPartitionerTests {
    @Test("KafkaPartitioner names the partition the producer puts a keyed record in")
    func agreesWithProducer() async throws {
        let (cluster, topic) = try makeCluster(partitions: 7)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        let keys = (0..<60).map { Array("CI-KR-\($0)".utf8) }
        let reports = await producer.send(keys.map { KafkaProducerRecord(topic: topic, key: $0, value: [1]) })
        for (key, report) in zip(keys, reports) {
            #expect(try report.get().topicPartition.partition == KafkaPartitioner.partition(ofKey: key, partitionCount: 7))
        }
        #expect(Set(reports.compactMap { try? $0.get().topicPartition.partition }).count > 3, "keys spread over partitions")
        #expect(try await producer.partitionCount(of: topic) == 7)
        await producer.shutdown()
        withExtendedLifetime(cluster) {}
    }
}
