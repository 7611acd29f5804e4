import ConsentFixtures
import ConsentModel
import Foundation
import InstitutionPublisher
import KafkaClient
import Logging
import Testing

/// A quiet logger: only errors reach the output.
let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// One institution publishing to an embedded cluster whose events topic has four partitions.
struct PublishingFixture {
    let cluster: KafkaMockCluster
    let topic = "events"
    let key = InstitutionKey(institution: "bank-a", keyID: "bank-a/test")
    let sequenceFile = FileManager.default.temporaryDirectory.appendingPathComponent("seq-\(UUID().uuidString).json")

    init() throws {
        cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        try cluster.createTopic(topic, partitions: 4)
    }

    func producer(deliveryTimeout: Duration = .seconds(30)) throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        configuration.deliveryTimeout = deliveryTimeout
        return try KafkaProducer(configuration: configuration, logger: testLogger)
    }

    /// A publisher as a fresh process would make it: from the sequence file alone.
    func publisher(deliveryTimeout: Duration = .seconds(30)) async throws -> EventPublisher {
        try await EventPublisher(producer: producer(deliveryTimeout: deliveryTimeout), key: key, sequenceFile: sequenceFile, topic: topic)
    }

    func grants(_ count: Int, from first: Int = 0) throws -> [EventDraft] {
        try (first..<first + count).map { number in
            let object: [String: Any] = ["type": "consent.granted", "subject": "CI-\(number % 10)", "data": Fixtures.grant("c-\(number)")]
            return try EventDraft(json: Fixtures.bytes(object), institution: key.institution, now: .now)
        }
    }

    /// Every partition's records judged in order by the ledger's rules, as ledgerd would.
    func judgedTopic() async throws -> [Int32: [Judgement]] {
        let registry = try InstitutionRegistry(institutions: [
            .init(id: "bank-a", name: "Bank A", roles: ["dataHolder"], keys: [key.registryKey(validFrom: t("2026-01-01T00:00:00Z"))])
        ])
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: testLogger)
        var judged: [Int32: [Judgement]] = [:]
        for partition: Int32 in 0..<4 {
            var rules = Rules(registry: registry, secret: Fixtures().secret)
            let records = try await consumer.readToEnd(KafkaTopicPartition(topic: topic, partition: partition))
            judged[partition] = records.map { record in
                rules.judge(
                    IncomingRecord(
                        value: record.value, headers: record.headers.map { ($0.name, $0.value) },
                        kafkaTimestamp: record.timestamp))
            }
        }
        try await consumer.close()
        return judged
    }
}

@Suite("Publishing an institution's events", .serialized, .timeLimit(.minutes(10)))
struct PublisherTests {
    @Test("numbers events per partition from 1, signs them, and a restarted publisher continues without gap or repeat")
    func numbersAndContinues() async throws {
        let fixture = try PublishingFixture()
        let first = try await fixture.publisher().publish(try fixture.grants(25))
        let restarted = try await fixture.publisher().publish(try fixture.grants(15, from: 25))
        let publications = try (first + restarted).map { try $0.get() }
        #expect(Set(publications.map(\.eventID)).count == 40)

        let judged = try await fixture.judgedTopic()
        #expect(judged.values.map(\.count).reduce(0, +) == 40, "each event stored once")
        #expect(judged.values.filter { !$0.isEmpty }.count > 1, "subjects spread over partitions")
        for (partition, judgements) in judged {
            #expect(judgements.map { $0.event?.producerSequence } == judgements.indices.map { Int64($0 + 1) }, "partition \(partition)")
            for judgement in judgements {
                #expect(judgement.verdict.rejection == nil, "signed by the registered key: \(judgement.verdict)")
                #expect(judgement.verdict.findings.isEmpty, "no gap, replay or skew: \(judgement.verdict)")
            }
        }
        for publication in publications {
            let stored = try #require(judged[publication.partition]?[Int(publication.offset)].event)
            #expect(stored.id == publication.eventID)
            #expect(stored.producerSequence == publication.producerSequence)
        }
    }

    @Test("while the broker is down nothing is delivered and every drawn number is given back, so a later run leaves no gap")
    func brokerDown() async throws {
        let fixture = try PublishingFixture()
        let publisher = try await fixture.publisher(deliveryTimeout: .seconds(3))
        _ = try await publisher.publish(try fixture.grants(4))
        try fixture.cluster.setBrokerDown(1)
        let failed = try await publisher.publish(try fixture.grants(6, from: 4))
        for result in failed {
            #expect(throws: KafkaError.self) { try result.get() }
        }
        try fixture.cluster.setBrokerUp(1)
        let retried = try await fixture.publisher().publish(try fixture.grants(6, from: 4))
        #expect(retried.allSatisfy { (try? $0.get()) != nil }, "\(retried)")

        let judged = try await fixture.judgedTopic()
        #expect(judged.values.map(\.count).reduce(0, +) == 10, "the failed attempt stored nothing, the retry everything once")
        for judgements in judged.values {
            #expect(judgements.map { $0.event?.producerSequence } == judgements.indices.map { Int64($0 + 1) })
            #expect(judgements.allSatisfy { $0.verdict.findings.isEmpty }, "\(judgements.map(\.verdict))")
        }
    }

    @Test("refuses a sequence file that numbers another institution's events, or is not one")
    func foreignSequenceFile() async throws {
        let fixture = try PublishingFixture()
        _ = try await fixture.publisher().publish(try fixture.grants(1))
        let other = InstitutionKey(institution: "bank-b", keyID: "bank-b/test")
        let producer = try fixture.producer()
        let foreign = await #expect(throws: PublishError.self) {
            _ = try await EventPublisher(producer: producer, key: other, sequenceFile: fixture.sequenceFile, topic: fixture.topic)
        }
        #expect(foreign?.code == .sequenceFileForeign)
        try Data("{}".utf8).write(to: fixture.sequenceFile)
        let malformed = await #expect(throws: PublishError.self) { _ = try await fixture.publisher() }
        #expect(malformed?.code == .sequenceFileMalformed)
    }
}
