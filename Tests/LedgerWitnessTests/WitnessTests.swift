import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import KafkaClient
import LedgerStore
import LedgerStoreFixtures
import LedgerWitness
import Logging
import MerkleLog
import Testing

let quiet: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// A topic of signed records, ledgers built from it as ledgerd would (or not quite), served by the real
/// API, and a witness watching both.
final class WitnessFixture: Sendable {
    let fixtures = Fixtures()
    let cluster: KafkaMockCluster
    let topicPartition = KafkaTopicPartition(topic: "events", partition: 0)
    let ledgerKey = Curve25519.Signing.PrivateKey()
    let witnessSigner = try! NoteSigner.generate(name: "witness.test", kind: .cosignatureV1)
    let stateFile = FileManager.default.temporaryDirectory.appendingPathComponent("witness-\(UUID().uuidString).json")
    let origin = "test-ledger/events/0"

    init(records count: Int) async throws {
        cluster = try KafkaMockCluster(brokers: 1, logger: quiet)
        try cluster.createTopic(topicPartition.topic, partitions: 1)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: quiet)
        let records = (1...count).map { try! topicRecord($0) }
        for result in await producer.send(records) { _ = try result.get() }
        await producer.shutdown()
    }

    /// Event `n`: consents and accesses of three citizens, signed by mydata-op-1.
    func topicRecord(_ n: Int, changed: Bool = false) throws -> KafkaProducerRecord {
        let subject = "CI-\(n % 3)"
        let time = "2026-04-0\(1 + n % 9)T00:00:00Z"
        let data = n <= 3 ? Fixtures.grant("c-\(n)") : Fixtures.access(at: time, purpose: changed ? "marketing" : "financial-overview")
        let type = n <= 3 ? "consent.granted" : "access.performed"
        let record = fixtures.record(
            Fixtures.envelope(
                type: type, id: "e-\(n)", source: "mydata-op-1", seq: Int64((n - 1) / 3 + 1), time: time, subject: subject, data: data))
        return KafkaProducerRecord(
            topic: topicPartition.topic, partition: 0, key: Array(subject.utf8), value: record.value,
            headers: record.headers.map { KafkaHeader(name: $0.name, value: $0.value) })
    }

    /// A ledger of the topic's first `size` records, judged under `secret` and checkpointed; `replacing`
    /// swaps one record's bytes for what the ledger claims it received. `grow` appends and checkpoints
    /// the rest of the topic.
    func ledger(size: Int, secret: SubjectSecret? = nil, replacing: (offset: Int64, with: KafkaProducerRecord)? = nil) async throws -> (
        ledger: PartitionLedger, grow: @Sendable () async throws -> Void
    ) {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: quiet)
        let records = try await consumer.readToEnd(topicPartition)
        try await consumer.close()
        let ledger = try PartitionLedger(
            path: FileManager.default.temporaryDirectory.appendingPathComponent("w-\(UUID().uuidString).sqlite").path, origin: origin,
            topic: topicPartition.topic, partition: 0,
            keys: try PayloadKeys.inTests(FileManager.default.temporaryDirectory.appendingPathComponent("k-\(UUID().uuidString)")))
        var rules = Rules(registry: fixtures.registry, secret: secret ?? fixtures.secret)
        let entries = records.map { record in
            let replaced = replacing.flatMap { $0.offset == record.offset ? $0.with : nil }
            let value = replaced?.value ?? record.value
            let headers = (replaced?.headers ?? record.headers).map { ($0.name, $0.value) }
            let incoming = IncomingRecord(value: value, headers: headers, kafkaTimestamp: record.timestamp)
            return PartitionLedger.Entry(
                offset: record.offset, timestamp: record.timestamp, value: value, headers: headers, judgement: rules.judge(incoming))
        }
        let signer = try NoteSigner(name: origin, kind: .ed25519, privateKey: ledgerKey)
        try await ledger.append(Array(entries.prefix(size)), nextOffset: Int64(size))
        try await ledger.signCheckpoint(with: signer)
        return (
            ledger,
            {
                try await ledger.append(Array(entries.dropFirst(size)), nextOffset: Int64(entries.count))
                try await ledger.signCheckpoint(with: signer)
            }
        )
    }

    /// Serves `ledger` through the API for the duration of `body`, with a witness (fresh, as after a restart) pointed at it.
    /// With `subjectKey`, the API evaluates subject keys with it and the witness checks each citizen's against its public key.
    func witnessing<T>(_ ledger: PartitionLedger, subjectKey: SubjectOPRF.Key? = nil, _ body: (Witness) async throws -> T) async throws
        -> T
    {
        try await servingAPI([ledger], registry: fixtures.registry, secret: subjectKey.map { SubjectSecret(voprf: $0) } ?? fixtures.secret)
        {
            url, token in
            let consumer = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: quiet)
            let witness = try Witness(
                api: url, token: try await token(.regulator, "witness"), consumer: consumer,
                trust: RegistryTrust(bootstrap: fixtures.registry, authority: nil),
                ledgerKey: ledgerKey.publicKey, subjectKey: subjectKey?.publicKey, signer: witnessSigner, stateFile: stateFile,
                eventsTopic: topicPartition.topic)
            let result = try await body(witness)
            try await consumer.close()
            return result
        }
    }
}

@Suite("A witness", .serialized, .timeLimit(.minutes(10)))
struct WitnessTests {
    @Test("cosigns an honest ledger's checkpoint, then only what is new, and its cosignature verifies under a witness policy")
    func honest() async throws {
        let fixture = try await WitnessFixture(records: 12)
        let (ledger, grow) = try await fixture.ledger(size: 9)
        try await fixture.witnessing(ledger) { witness in
            let first = try await witness.round(now: 1_700_000_000)
            guard case .cosigned(let origin, let size, let note) = try #require(first.first) else {
                Issue.record("not cosigned: \(first)")
                return
            }
            #expect(origin == fixture.origin && size == 9)
            let policy = try TrustPolicy(
                log: try NoteVerifier(name: origin, kind: .ed25519, publicKey: Array(fixture.ledgerKey.publicKey.rawRepresentation)),
                witnesses: [fixture.witnessSigner.verifier], quorum: 1)
            #expect(try policy.verify(try SignedNote(parsing: Array(note.utf8))).size == 9)
            #expect(try await witness.round(now: 1_700_000_010) == [.unchanged(origin: fixture.origin, size: 9)])
            try await grow()
            let next = try await witness.round(now: 1_700_000_020)
            guard case .cosigned(_, 12, _) = try #require(next.first) else {
                Issue.record("the grown ledger was not cosigned: \(next)")
                return
            }
        }
    }

    @Test("with the published subject key: cosigns leaves that carry each citizen's own key, alarms on any other key")
    func subjectKeys() async throws {
        let published = SubjectOPRF.Key()
        let fixture = try await WitnessFixture(records: 9)
        let (honest, _) = try await fixture.ledger(size: 9, secret: SubjectSecret(voprf: published))
        try await fixture.witnessing(honest, subjectKey: published) { witness in
            let outcomes = try await witness.round(now: 1_700_000_000)
            guard case .cosigned(_, 9, _) = try #require(outcomes.first) else {
                Issue.record("an honest ledger was not cosigned: \(outcomes)")
                return
            }
        }
        // Leaves keyed by another VOPRF key than the one published (and evaluated): consistent per citizen, but not
        // the citizens' own keys, so a citizen checking theirs would find no history at all.
        let other = try await WitnessFixture(records: 9)
        let (hidden, _) = try await other.ledger(size: 9, secret: SubjectSecret(voprf: SubjectOPRF.Key()))
        try await other.witnessing(hidden, subjectKey: published) { witness in
            let outcomes = try await witness.round(now: 1_700_000_000)
            guard case .alarm(let alarm) = try #require(outcomes.first) else {
                Issue.record("a ledger with another subject key was cosigned: \(outcomes)")
                return
            }
            #expect(alarm.index == 0 && alarm.reason.contains("whose own key, by the blinded protocol"), "\(alarm)")
        }
    }

    @Test("refuses and alarms when a leaf commits to a record the topic does not hold")
    func mismatch() async throws {
        let fixture = try await WitnessFixture(records: 9)
        let forged = try fixture.topicRecord(5, changed: true)
        let (ledger, _) = try await fixture.ledger(size: 9, replacing: (offset: 4, with: forged))
        let outcomes = try await fixture.witnessing(ledger) { try await $0.round(now: 1_700_000_000) }
        guard case .alarm(let alarm) = try #require(outcomes.first) else {
            Issue.record("cosigned a ledger that disagrees with the topic: \(outcomes)")
            return
        }
        #expect(alarm.index == 4 && alarm.reason.contains("does not commit to the record at offset 4"), "\(alarm)")
    }

    @Test("after a restart, refuses a ledger whose history differs from the checkpoint it cosigned (a fork)")
    func fork() async throws {
        let fixture = try await WitnessFixture(records: 12)
        let (honest, _) = try await fixture.ledger(size: 9)
        _ = try await fixture.witnessing(honest) { try await $0.round(now: 1_700_000_000) }
        // The same records, re-ingested under another subject secret: every leaf still matches the topic,
        // but the history is not the one the witness cosigned.
        let (forked, _) = try await fixture.ledger(size: 12, secret: try SubjectSecret(bytes: Array(repeating: 7, count: 32)))
        let outcomes = try await fixture.witnessing(forked) { try await $0.round(now: 1_700_000_100) }
        guard case .alarm(let alarm) = try #require(outcomes.first) else {
            Issue.record("cosigned a fork: \(outcomes)")
            return
        }
        #expect(alarm.reason.contains("this witness cosigned") && alarm.reason.contains("forked"), "\(alarm)")
    }
}
