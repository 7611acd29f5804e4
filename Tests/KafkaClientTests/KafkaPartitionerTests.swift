import ConsentModel
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

    @Test("rules/v2's partition of a subject (ConsentModel's own murmur2) is librdkafka's, for every tail length and many counts")
    func subjectPartitionAgrees() {
        // Lengths 0 to 40 reach every tail of a 4-byte word; some subjects are not ASCII.
        let subjects = (0..<2_000).map { (n: Int) -> String in
            let bytes: [UInt8] = (0..<(n % 41)).map { (i: Int) -> UInt8 in UInt8(33 + (n * 7 + i * 13) % 90) }
            return String(decoding: bytes, as: UTF8.self) + (n % 5 == 0 ? "시민\(n)" : "")
        }
        for subject in subjects {
            for count in [1, 2, 3, 6, 7, 12, 64, 1_000] {
                #expect(
                    SubjectPartition.of(subject: subject, partitionCount: Int32(count))
                        == KafkaPartitioner.partition(ofKey: Array(subject.utf8), partitionCount: count), "\(subject) of \(count)")
            }
        }
    }
}
