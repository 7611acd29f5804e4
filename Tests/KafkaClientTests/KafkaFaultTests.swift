import KafkaClient
import Testing

@Suite("Faults", .timeLimit(.minutes(10)))
struct KafkaFaultTests {
    @Test("with one of three brokers down mid-stream, the idempotent producer delivers every record exactly once")
    func brokerDown() async throws {
        let (cluster, topic) = try makeCluster(brokers: 3, partitions: 6, replicationFactor: 3)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        let total = 3_000
        let records = (0..<total).map { KafkaProducerRecord(topic: topic, key: "k\($0 % 40)".bytes, value: "\($0)".bytes) }
        let reports = try await withThrowingTaskGroup(of: KafkaDeliveryReport.self) { group in
            for (index, record) in records.enumerated() {
                if index == 1_000 {
                    try cluster.setBrokerDown(2)
                }
                if index == 2_000 {
                    try await Task.sleep(for: .seconds(1))
                    try cluster.setBrokerUp(2)
                }
                group.addTask { try await producer.send(record) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        await producer.shutdown()
        #expect(reports.count == total)

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster, group: uniqueTopic("group")), logger: testLogger)
        try consumer.subscribe(topics: [topic])
        let consumed = try await collect(total, from: consumer)
        // Anything duplicated by a retry would show up beyond the expected count.
        let extra = try? await collect(1, from: consumer, timeout: .seconds(2))
        try await consumer.close()
        #expect(extra == nil, "a record was delivered twice")
        #expect(Set(consumed.map { String(decoding: $0.value!, as: UTF8.self) }) == Set((0..<total).map(String.init)))
    }

    @Test("a producer pointed where nothing listens fails with messageTimedOut within its timeout")
    func nothingListening() async throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.deliveryTimeout = .seconds(2)
        let producer = try KafkaProducer(configuration: configuration, logger: testLogger)
        let started = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerRecord(topic: "anything", value: "v".bytes))
        }
        #expect(error?.code == .messageTimedOut)
        #expect(error?.isRetriable == true)
        // The bound is loose so that a loaded machine cannot fail it; a record that waited for librdkafka's
        // own default (300 s) or no timeout at all would.
        #expect(ContinuousClock.now - started < .seconds(60))
        await producer.shutdown(timeout: .zero)
    }

    @Test("a full local queue fails the send at once with queueFull")
    func queueFull() async throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.maximumQueuedRecords = 5
        configuration.deliveryTimeout = .seconds(3)
        let producer = try KafkaProducer(configuration: configuration, logger: testLogger)
        let codes = await withTaskGroup(of: KafkaError.Code?.self) { group in
            for i in 0..<10 {
                group.addTask {
                    do {
                        _ = try await producer.send(KafkaProducerRecord(topic: "t", value: "\(i)".bytes))
                        return nil
                    } catch let error as KafkaError {
                        return error.code
                    } catch {
                        return nil
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        // Five fit in the queue and time out; the other five are refused at once.
        #expect(codes.filter { $0 == .queueFull }.count == 5)
        #expect(codes.filter { $0 == .messageTimedOut }.count == 5)
        await producer.shutdown(timeout: .zero)
    }

    @Test("injected fetch errors and a dropped connection pause consumption; nothing is lost or repeated")
    func injectedFetchErrors() async throws {
        let (cluster, topic) = try makeCluster(partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: testLogger)
        _ = try await sendAll(
            (0..<500).map { KafkaProducerRecord(topic: topic, key: "k\($0)".bytes, value: "\($0)".bytes) }, with: producer)
        await producer.shutdown()
        cluster.injectErrors([.notLeaderForPartition, .requestTimedOut, .disconnect, .leaderNotAvailable], into: .fetch)

        let consumer = try KafkaConsumer(configuration: consumerConfiguration(cluster), logger: testLogger)
        try await consumer.assign([
            KafkaTopicPartition(topic: topic, partition: 0): .beginning, KafkaTopicPartition(topic: topic, partition: 1): .beginning,
        ])
        let consumed = try await collect(500, from: consumer)
        let extra = try? await collect(1, from: consumer, timeout: .seconds(1))
        #expect(extra == nil)
        #expect(Set(consumed.map { String(decoding: $0.value!, as: UTF8.self) }).count == 500)
    }
}
