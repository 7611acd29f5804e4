import KafkaClient
import Testing

@Suite("Produce and consume", .timeLimit(.minutes(10)))
struct KafkaRoundTripTests {
    @Test("10,000 keyed records over 8 partitions: contiguous offsets, per-key order kept")
    func roundTrip() async throws {
        let (cluster, topic) = try makeCluster(brokers: 3, partitions: 8, replicationFactor: 3)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        let records = (0..<10_000).map { i in
            KafkaProducerRecord(topic: topic, key: "subject-\(i % 97)".bytes, value: "\(i % 97):\(i)".bytes)
        }
        // One sender per key, each in order (tasks of a group start in no set order, so a single
        // group over all records would not send one key's records in order).
        let byKey = Dictionary(grouping: records.indices, by: { records[$0].key! })
        let reports = try await withThrowingTaskGroup(of: [(Int, KafkaDeliveryReport)].self) { group in
            for indices in byKey.values {
                group.addTask {
                    var sent: [(Int, KafkaDeliveryReport)] = []
                    for index in indices { sent.append((index, try await producer.send(records[index]))) }
                    return sent
                }
            }
            var reports = [KafkaDeliveryReport?](repeating: nil, count: records.count)
            for try await sent in group { for (index, report) in sent { reports[index] = report } }
            return reports.map { $0! }
        }
        await producer.shutdown()
        #expect(Set(reports.map(\.topicPartition.partition)).count == 8)

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: uniqueTopic("group")), logger: testLogger)
        try consumer.subscribe(topics: [topic])
        let consumed = try await collect(10_000, from: consumer)
        try await consumer.close()

        for (partition, inPartition) in Dictionary(grouping: consumed, by: \.topicPartition.partition) {
            #expect(inPartition.map(\.offset) == Array(0..<Int64(inPartition.count)), "partition \(partition) has gaps or repeats")
        }
        // Within one key, the sequence numbers come back in the order they were sent.
        for (key, values) in Dictionary(grouping: consumed, by: { String(decoding: $0.key!, as: UTF8.self) }) {
            let sequence = values.map { Int(String(decoding: $0.value!, as: UTF8.self).split(separator: ":")[1])! }
            #expect(sequence == sequence.sorted(), "records of \(key) out of order")
        }
        #expect(Set(consumed.map { String(decoding: $0.value!, as: UTF8.self) }).count == 10_000)
        // The delivery reports told the truth about where each record went.
        let byValue = Dictionary(
            uniqueKeysWithValues: consumed.map { (String(decoding: $0.value!, as: UTF8.self), ($0.topicPartition, $0.offset)) })
        for (record, report) in zip(records, reports) {
            let landed = byValue[String(decoding: record.value!, as: UTF8.self)]
            #expect(landed?.0 == report.topicPartition && landed?.1 == report.offset)
        }
    }

    @Test("a tombstone arrives with no value; an empty value arrives empty; headers survive")
    func tombstoneAndHeaders() async throws {
        let (cluster, topic) = try makeCluster(partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        let headers = [
            KafkaHeader(name: "key-id", value: "k1".bytes), KafkaHeader(name: "absent", value: nil), KafkaHeader(name: "empty", value: []),
        ]
        _ = try await producer.send(KafkaProducerRecord(topic: topic, key: "s".bytes, value: nil))
        _ = try await producer.send(KafkaProducerRecord(topic: topic, key: "s".bytes, value: []))
        _ = try await producer.send(KafkaProducerRecord(topic: topic, key: nil, value: "v".bytes, headers: headers))
        await producer.shutdown()

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster), logger: testLogger)
        try await consumer.assign([KafkaTopicPartition(topic: topic, partition: 0): .beginning])
        let records = try await collect(3, from: consumer)
        #expect(records[0].value == nil)
        #expect(records[0].key == "s".bytes)
        #expect(records[1].value == [])
        #expect(records[2].key == nil)
        #expect(records[2].headers == headers)
        #expect(records.allSatisfy { $0.timestamp != nil })
    }

    @Test("a record too large to send fails alone; the records after it are still sent, in order")
    func tooLargeFailsAlone() async throws {
        let (cluster, topic) = try makeCluster(partitions: 1)
        var configuration = producerConfiguration(cluster)
        configuration.maximumRecordBytes = 10_000
        let producer = try KafkaProducer(configuration: configuration, logger: testLogger)
        let outcomes = await producer.send([
            KafkaProducerRecord(topic: topic, value: "first".bytes),
            KafkaProducerRecord(topic: topic, value: [UInt8](repeating: 7, count: 20_000)),
            KafkaProducerRecord(topic: topic, value: "third".bytes),
        ])
        await producer.shutdown()
        #expect(throws: KafkaError.self) { try outcomes[1].get() }
        if case .failure(let error) = outcomes[1] { #expect(error.code == .recordTooLarge) }
        #expect(try outcomes[0].get().offset == 0 && outcomes[2].get().offset == 1)
    }

    @Test("a paused partition delivers nothing, even what was fetched before; resumed and moved, it reads from where it was moved")
    func pauseAndResume() async throws {
        let (cluster, topic) = try makeCluster(partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        for partition: Int32 in [0, 1] {
            for n in 0..<20 { _ = try await producer.send(KafkaProducerRecord(topic: topic, partition: partition, value: "\(n)".bytes)) }
        }
        await producer.shutdown()
        let (first, second) = (KafkaTopicPartition(topic: topic, partition: 0), KafkaTopicPartition(topic: topic, partition: 1))
        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster), logger: testLogger)
        try await consumer.assign([first: .beginning, second: .beginning])
        _ = try await collect(1, from: consumer)  // both partitions fetched by now
        try consumer.pause([first])
        var seen: [KafkaRecord] = []
        let deadline = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < deadline {
            for case .record(let record) in try await consumer.nextBatch(maximum: 100, timeout: .milliseconds(100)) { seen.append(record) }
        }
        #expect(!seen.isEmpty && seen.allSatisfy { $0.topicPartition == second }, "\(seen.map(\.topicPartition))")
        // Resumed and moved with no poll between: what is fetched from the old position before the seek is discarded.
        try consumer.resume([first])
        try await consumer.seek([first: .exactly(5)])
        let resumed = try await collect(1, from: consumer)
        #expect(resumed.map(\.topicPartition) == [first] && resumed.map(\.offset) == [5])
    }

    @Test("manual assignment and seek read from exactly the offset asked")
    func assignAndSeek() async throws {
        let (cluster, topic) = try makeCluster(partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        let records = (0..<100).map { KafkaProducerRecord(topic: topic, partition: 1, value: "\($0)".bytes) }
        let reports = try await sendAll(records, with: producer)
        // Concurrent sends land in any order; the delivery reports say which value is at which offset.
        let valueAt = Dictionary(uniqueKeysWithValues: zip(reports.map(\.offset), records.map(\.value)))
        await producer.shutdown()
        let partition = KafkaTopicPartition(topic: topic, partition: 1)

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster), logger: testLogger)
        try await consumer.assign([partition: .exactly(42)])
        let first = try await collect(3, from: consumer)
        #expect(first.map(\.offset) == [42, 43, 44])
        #expect(first.map(\.value) == [valueAt[42], valueAt[43], valueAt[44]])

        try await consumer.seek([partition: .exactly(7)])
        let afterSeek = try await collect(1, from: consumer)
        #expect(afterSeek.first?.offset == 7)
        #expect(afterSeek.first?.value == valueAt[7])
    }
}
