import KafkaClient
import Synchronization
import TestSupport
import Testing

@Suite("Consumer groups", .timeLimit(.minutes(10)))
struct KafkaConsumerGroupTests {
    /// What one group member has seen.
    final class Member: Sendable {
        let consumer: KafkaConsumer
        let records = Mutex<[KafkaRecord]>([])
        let assignment = Mutex<Set<KafkaTopicPartition>>([])

        init(_ consumer: KafkaConsumer) { self.consumer = consumer }

        /// Reads until cancelled or `limit` records are read, storing each record's offset as processed.
        func run(limit: Int = .max) async throws {
            for try await event in consumer.events {
                switch event {
                case .record(let record):
                    records.withLock { $0.append(record) }
                    try consumer.storeOffset(of: record)
                    if count == limit { return }
                case .rebalance(.assigned(let partitions)):
                    assignment.withLock { $0.formUnion(partitions) }
                case .rebalance(.revoked(let partitions)):
                    assignment.withLock { $0.subtract(partitions) }
                }
            }
        }

        var count: Int { records.withLock { $0.count } }
        var partitions: Set<KafkaTopicPartition> { assignment.withLock { $0 } }
    }

    @Test("two members split the partitions; when one leaves, the other continues from its committed offsets")
    func splitAndTakeOver() async throws {
        let (cluster, topic) = try makeCluster(partitions: 8)
        let total = 4_000
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        let reports = try await sendAll(
            (0..<total).map { KafkaProducerRecord(topic: topic, key: "k\($0 % 50)".bytes, value: "\($0)".bytes) }, with: producer)
        let sizes = Dictionary(grouping: reports, by: \.topicPartition).mapValues { Int64($0.count) }
        await producer.shutdown()

        let group = uniqueTopic("group")
        var configuration = consumerConfiguration(cluster, group: group)
        // Small fetches, so the first member cannot read everything before the second joins.
        configuration.additionalProperties["queued.min.messages"] = "10"
        configuration.additionalProperties["max.partition.fetch.bytes"] = "512"
        let a = Member(try KafkaConsumer(configuration: configuration, logger: testLogger))
        let b = Member(try KafkaConsumer(configuration: configuration, logger: testLogger))
        try a.consumer.subscribe(topics: [topic])
        try b.consumer.subscribe(topics: [topic])
        // a stops well before the end of its partitions, so b must continue where a's commits say.
        let runA = Task { try await a.run(limit: 600) }
        let runB = Task { try await b.run() }

        try await waitUntil("both members hold four partitions") { a.partitions.count == 4 && b.partitions.count == 4 }
        #expect(a.partitions.isDisjoint(with: b.partitions))
        _ = try await runA.value
        let leftBehind = a.partitions
        try await a.consumer.close()  // commits what a stored, then leaves the group
        let committed = try await b.consumer.committedOffsets(for: Array(leftBehind))

        try await waitUntil("the remaining member holds every partition") { b.partitions.count == 8 }
        try await waitUntil("every record has been read") { a.count + b.count >= total }
        try await Task.sleep(for: .milliseconds(500))  // anything read twice would arrive now
        runB.cancel()
        _ = try await runB.value
        try await b.consumer.close()

        // b took over each of a's partitions exactly at the offset a committed (nothing, where a had read all
        // of it, or the keys left it empty).
        let bRecords = b.records.withLock { $0 }
        for partition in leftBehind {
            let start = (committed[partition] ?? nil) ?? 0
            let resumedAt = bRecords.first { $0.topicPartition == partition }?.offset
            #expect(
                resumedAt == (start == sizes[partition, default: 0] ? nil : start),
                "\(partition): committed \(start), b started at \(String(describing: resumedAt))")
        }
        let all = a.records.withLock { $0 } + b.records.withLock { $0 }
        let coordinates = all.map { "\($0.topicPartition)@\($0.offset)" }
        #expect(all.count == total, "read \(all.count) records for \(total) sent")
        #expect(Set(coordinates).count == total, "some records were read twice")
    }

    @Test("offsets committed by one consumer are where the next member of the group starts")
    func committedOffsetsResume() async throws {
        let (cluster, topic) = try makeCluster(partitions: 1)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        _ = try await sendAll((0..<20).map { KafkaProducerRecord(topic: topic, value: "\($0)".bytes) }, with: producer)
        await producer.shutdown()
        let group = uniqueTopic("group")
        let partition = KafkaTopicPartition(topic: topic, partition: 0)

        let first = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group), logger: testLogger)
        try first.subscribe(topics: [topic])
        _ = try await collect(5, from: first, store: true)
        try await first.commit()
        #expect(try await first.committedOffsets(for: [partition]) == [partition: 5])
        try await first.close()

        let second = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: group), logger: testLogger)
        try second.subscribe(topics: [topic])
        let resumed = try await collect(1, from: second)
        #expect(resumed.first?.offset == 5)
        try await second.close()
    }

    @Test("assignment offsets chosen by the caller override the group's committed ones")
    func callerChosenStart() async throws {
        let (cluster, topic) = try makeCluster(partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        _ = try await sendAll(
            (0..<20).map { KafkaProducerRecord(topic: topic, partition: Int32($0 % 2), value: "\($0)".bytes) }, with: producer)
        await producer.shutdown()
        let asked = Mutex<[KafkaTopicPartition]>([])
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration(cluster, group: uniqueTopic("group")),
            logger: testLogger,
            assignmentOffsets: { partitions in
                asked.withLock { $0 += partitions }
                return Dictionary(uniqueKeysWithValues: partitions.map { ($0, .exactly(7)) })
            }
        )
        try consumer.subscribe(topics: [topic])
        let events = try await withTimeout(.seconds(60), "the assignment and six records") {
            var events: [KafkaConsumerEvent] = []
            for try await event in consumer.events {
                events.append(event)
                if events.count == 7 { break }  // the assignment, then three records from each partition
            }
            return events
        }
        try await consumer.close()
        guard case .rebalance(.assigned(let partitions)) = events.first else {
            Issue.record("the assignment did not come first: \(events)")
            return
        }
        #expect(Set(partitions) == Set(asked.withLock { $0 }))
        let records = events.dropFirst().compactMap { if case .record(let r) = $0 { r } else { nil } }
        #expect(records.count == 6)
        for partition in 0..<Int32(2) {
            #expect(records.filter { $0.topicPartition.partition == partition }.map(\.offset).first == 7)
        }
    }
}
