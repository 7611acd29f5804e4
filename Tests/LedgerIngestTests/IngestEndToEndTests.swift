import ConsentModel
import Crypto
import Foundation
import KafkaClient
import LedgerFormat
import LedgerIdentity
import LedgerIngest
import LedgerStore
import LedgerStoreFixtures
import Logging
import MerkleLog
import TestSupport
import Testing

@Suite("Ingest end to end on the embedded broker", .timeLimit(.minutes(10)))
struct IngestEndToEndTests {
    let topic = "consent-ledger.events.v1"
    let partitionCount = 4
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ingest-\(UUID().uuidString)")
    let key = Curve25519.Signing.PrivateKey()
    let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }()

    var registry: InstitutionRegistry {
        try! InstitutionRegistry(institutions: [
            .init(
                id: "mydata-op-1", name: "Operator", roles: ["operator", "recipient"],
                keys: [
                    .init(
                        id: "op/1", publicKey: Data(key.publicKey.rawRepresentation).base64EncodedString(),
                        validFrom: Timestamp(rfc3339: "2026-01-01T00:00:00Z")!, validUntil: nil)
                ]),
            .init(id: "bank-a", name: "Bank", roles: ["dataHolder"], keys: []),
        ])
    }

    /// What was sent, and what its verdict must be.
    enum Expectation: Equatable {
        case applied(access: String?)
        case rejected(String)
    }

    /// Signed events for `subjects` subjects: per subject a grant, two covered accesses and one for a
    /// purpose not consented; plus garbage, a tombstone and a forged signature now and then.
    func traffic(subjects: Range<Int>, sequenceStart: Int64) throws -> [(record: KafkaProducerRecord, expect: Expectation)] {
        var out: [(KafkaProducerRecord, Expectation)] = []
        var sequence = sequenceStart
        func event(_ type: String, subject: String, data: [String: Any]) throws -> [UInt8] {
            sequence += 1
            let object: [String: Any] = [
                "specversion": "1.0", "id": "evt-\(sequence)", "source": "mydata-op-1", "type": type, "time": "2026-05-01T00:00:00Z",
                "subject": subject, "dataschema": "urn:consent-ledger:schema:\(type):v1", "datacontenttype": "application/json",
                "producerseq": sequence, "data": data,
            ]
            return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        }
        func signed(_ value: [UInt8], subject: String, forged: Bool = false) throws -> KafkaProducerRecord {
            let signature = try key.signature(for: forged ? value + [0] : value)
            return KafkaProducerRecord(
                topic: topic, key: Array(subject.utf8), value: value,
                headers: [
                    KafkaHeader(name: EventSignature.keyHeader, value: Array("op/1".utf8)),
                    KafkaHeader(name: EventSignature.signatureHeader, value: Array(Data(signature).base64EncodedString().utf8)),
                ])
        }
        for s in subjects {
            let subject = "CI-\(s)"
            let grant: [String: Any] = [
                "consentId": "c-\(s)", "dataHolder": "bank-a", "recipients": ["mydata-op-1"], "purposes": ["financial-overview"],
                "dataCategories": ["finance.account.transactions"], "legalBasis": "consent", "validFrom": "2026-03-01T00:00:00Z",
                "validUntil": "2027-03-01T00:00:00Z", "notice": ["uri": "https://n.example", "sha256": String(repeating: "0", count: 64)],
            ]
            out.append((try signed(try event("consent.granted", subject: subject, data: grant), subject: subject), .applied(access: nil)))
            for purpose in ["financial-overview", "financial-overview", "marketing"] {
                let access: [String: Any] = [
                    "accessId": "a-\(sequence)", "accessor": "mydata-op-1", "dataHolder": "bank-a", "actor": "sys", "action": "read",
                    "purpose": purpose,
                    "dataCategories": ["finance.account.transactions"], "recordCount": 1, "dataForm": "identified",
                    "occurredAt": "2026-05-01T00:00:00Z",
                ]
                out.append(
                    (
                        try signed(try event("access.performed", subject: subject, data: access), subject: subject),
                        .applied(access: purpose == "marketing" ? "purpose-not-covered" : "covered")
                    ))
            }
            if s % 5 == 0 {
                out.append(
                    (KafkaProducerRecord(topic: topic, key: Array(subject.utf8), value: Array("garbage \(s)".utf8)), .rejected("malformed"))
                )
                out.append((KafkaProducerRecord(topic: topic, key: Array(subject.utf8), value: nil), .rejected("tombstone")))
                let forged = try signed(
                    try event(
                        "consent.revoked", subject: subject,
                        data: ["consentId": "c-\(s)", "effectiveAt": "2026-01-01T00:00:00Z", "initiatedBy": "subject"]), subject: subject,
                    forged: true)
                out.append((forged, .rejected("signature-invalid")))
            }
        }
        return out
    }

    func makeIngest(
        _ cluster: KafkaMockCluster, identity: LedgerIdentity, directory: URL? = nil, group: String = "ledgerd",
        witnesses: [NoteVerifier] = [], trust: RegistryTrust? = nil
    ) throws -> (LedgerIngest, KafkaProducer) {
        var consumer = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: group)
        consumer.sessionTimeout = .seconds(6)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        var configuration = IngestConfiguration(dataDirectory: directory ?? self.directory)
        configuration.checkpointEveryLeaves = 50
        configuration.witnesses = witnesses
        let ingest = try LedgerIngest(
            configuration: configuration, consumer: consumer, producer: producer,
            trust: trust ?? RegistryTrust(bootstrap: registry, authority: nil), identity: identity, logger: logger)
        return (ingest, producer)
    }

    func runIngest(
        _ cluster: KafkaMockCluster, until expected: Int, identity: LedgerIdentity, directory: URL? = nil, group: String = "ledgerd",
        trust: RegistryTrust? = nil
    ) async throws {
        let (ingest, producer) = try makeIngest(cluster, identity: identity, directory: directory, group: group, trust: trust)
        let task = Task { try await ingest.run() }
        do {
            try await waitUntil("\(expected) records ingested", every: .milliseconds(100)) {
                ingest.ledgerSizes.values.reduce(0, +) >= UInt64(expected)
            }
        } catch {
            task.cancel()
            throw error
        }
        task.cancel()
        try await task.value
        await producer.shutdown()
    }

    func makeCluster() throws -> KafkaMockCluster {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        for name in [
            topic, "consent-ledger.checkpoints.v1", "consent-ledger.alerts.v1", "consent-ledger.rejected.v1", "consent-ledger.receipts.v1",
        ] {
            try cluster.createTopic(name, partitions: name == topic ? partitionCount : 1)
        }
        return cluster
    }

    func send(_ traffic: [(record: KafkaProducerRecord, expect: Expectation)], to cluster: KafkaMockCluster) async throws -> [Int32: [Int64:
        Expectation]]
    {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        var sent: [Int32: [Int64: Expectation]] = [:]
        for (record, expect) in traffic {  // one at a time: per-subject order is what the tests rely on
            let report = try await producer.send(record)
            sent[report.topicPartition.partition, default: [:]][report.offset] = expect
        }
        await producer.shutdown()
        return sent
    }

    func origin(_ partition: Int32) -> String { "consent-ledger.local/\(topic)/\(partition)" }

    /// Where ledgerd keeps `partition`'s ledger in `directory` (the suite's own by default).
    func ledgerPath(_ partition: Int32, in directory: URL? = nil) -> String {
        (directory ?? self.directory).appendingPathComponent("\(topic)-\(partition).sqlite").path
    }

    func ledger(_ partition: Int32, in directory: URL? = nil) throws -> PartitionLedger {
        let directory = directory ?? self.directory
        return try PartitionLedger(
            path: ledgerPath(partition, in: directory), origin: origin(partition), topic: topic, partition: partition,
            keys: PayloadKeys(
                path: directory.appendingPathComponent(LedgerIdentity.payloadKeysFile).path,
                masterKey: LedgerIdentity.existingMasterKey(in: directory)))
    }

    func leaves(in directory: URL, partition: Int32) async throws -> [[UInt8]] {
        guard FileManager.default.fileExists(atPath: ledgerPath(partition, in: directory)) else { return [] }
        // Leaves only: read as a verifier reads a file, without the payloads' keys (those of another directory's identity).
        return try LedgerFile(readingAt: ledgerPath(partition, in: directory)).read { reader in
            try (0..<reader.size).map { try reader.leaf(at: $0) }
        }
    }

    /// Every partition's leaves in the suite's directory.
    func allLeaves() async throws -> [[[UInt8]]] {
        var all: [[[UInt8]]] = []
        for partition in 0..<Int32(partitionCount) { all.append(try await leaves(in: directory, partition: partition)) }
        return all
    }

    @Test("every record is in exactly one leaf, verdicts are as expected, roots and checkpoints verify, and a restart continues")
    func endToEnd() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        var sent = try await send(traffic(subjects: 0..<40, sequenceStart: 0), to: cluster)
        let firstCount = sent.totalCount
        try await runIngest(cluster, until: firstCount, identity: identity)

        // A restart (a new process would do the same) resumes from SQLite, not from Kafka's offsets.
        for (partition, more) in try await send(traffic(subjects: 40..<60, sequenceStart: 10_000), to: cluster) {
            sent[partition, default: [:]].merge(more) { _, new in new }
        }
        let total = sent.totalCount
        try await runIngest(cluster, until: total, identity: identity)

        let publishedCheckpoints = try await read("consent-ledger.checkpoints.v1", from: cluster)
        for partition in 0..<Int32(partitionCount) {
            let origin = origin(partition)
            let ledger = try ledger(partition)
            let expected = sent[partition] ?? [:]
            #expect(ledger.size == UInt64(expected.count), "partition \(partition)")
            let (leaves, checkpoints) = try await ledger.read { reader in
                (try (0..<reader.size).map { try reader.leaf(at: $0) }, try reader.checkpoints())
            }
            let decoded = try leaves.map(LedgerLeaf.init(decoding:))
            #expect(decoded.map(\.offset) == expected.keys.sorted(), "each offset exactly once, in order")
            for leaf in decoded {
                let verdict = try JSONSerialization.jsonObject(with: Data(leaf.verdict)) as! [String: Any]
                switch expected[leaf.offset]! {
                case .rejected(let code):
                    #expect((verdict["rejection"] as? [String: Any])?["code"] as? String == code, "offset \(leaf.offset)")
                case .applied(let access):
                    #expect(verdict["rejection"] == nil, "offset \(leaf.offset): \(verdict)")
                    #expect((verdict["access"] as? [String: Any])?["code"] as? String == access, "offset \(leaf.offset)")
                }
            }
            #expect(RFC6962.rootHash(leaves.map(RFC6962.leafHash)) == ledger.root)
            let policy = try TrustPolicy(log: identity.signer(origin: origin).verifier)
            let last = try #require(checkpoints.last)
            let checkpoint = try policy.verify(SignedNote(parsing: Array(last.note.utf8)))
            #expect(checkpoint.size == ledger.size && checkpoint.root == ledger.root)
            let map = try policy.verifyMap(SignedNote(parsing: Array(try #require(last.mapNote).utf8)))
            #expect(map.log == checkpoint)
            #expect(map.mapRoot == ledger.subjectMapRoot && map.keyCount == UInt64(ledger.subjectCount))
            // Two clean stops: every checkpoint stored was published once, both notes, and none twice.
            let published = try (publishedCheckpoints[origin] ?? []).map { try policy.verify(SignedNote(parsing: $0)).size }
            #expect(published == checkpoints.map(\.size), "partition \(partition)")
            let publishedMaps = try (publishedCheckpoints["\(origin)/subject-map"] ?? []).map {
                try policy.verifyMap(SignedNote(parsing: $0)).log.size
            }
            #expect(publishedMaps == checkpoints.map(\.size), "partition \(partition)")
        }
    }

    /// The values a one-partition output topic holds, by key, in the order they were published.
    func read(_ topic: String, from cluster: KafkaMockCluster) async throws -> [String: [[UInt8]]] {
        let reader = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        defer { Task { try? await reader.close() } }
        let records = try await reader.readToEnd(KafkaTopicPartition(topic: topic, partition: 0))
        return records.reduce(into: [:]) { byKey, record in
            byKey[String(decoding: record.key ?? [], as: UTF8.self), default: []].append(record.value ?? [])
        }
    }

    /// The receipts the receipts topic holds, by key (event id, or coordinates for unreadable records).
    func receipts(_ cluster: KafkaMockCluster) async throws -> [String: [[UInt8]]] {
        try await read("consent-ledger.receipts.v1", from: cluster)
    }

    func receiptCounts(_ cluster: KafkaMockCluster) async throws -> [String: Int] {
        try await receipts(cluster).mapValues(\.count)
    }

    @Test("a 70 KB key-id header and the longest verdict the schema allows give receipts within 64 KiB; every output is delivered")
    func boundedReceipts() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        var traffic = try traffic(subjects: 0..<1, sequenceStart: 0)
        // The subject's consent covers one category; an access names the schema's most (64), 63 of them not covered.
        let categories =
            ["finance.account.transactions"] + (1..<Event.maximumListLength).map { "x\($0)." + String(repeating: "c", count: 120) }
        var sequence: Int64 = 100
        func access(_ categories: [String]) throws -> KafkaProducerRecord {
            sequence += 1
            let object: [String: Any] = [
                "specversion": "1.0", "id": "evt-\(sequence)", "source": "mydata-op-1", "type": "access.performed",
                "time": "2026-05-01T00:00:00Z", "subject": "CI-0", "dataschema": "urn:consent-ledger:schema:access.performed:v1",
                "datacontenttype": "application/json", "producerseq": sequence,
                "data": [
                    "accessId": "a-\(sequence)", "accessor": "mydata-op-1", "dataHolder": "bank-a", "actor": "sys", "action": "read",
                    "purpose": "financial-overview", "dataCategories": categories, "recordCount": 1, "dataForm": "identified",
                    "occurredAt": "2026-05-01T00:00:00Z",
                ] as [String: Any],
            ]
            let value = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            return KafkaProducerRecord(
                topic: topic, key: Array("CI-0".utf8), value: value,
                headers: [
                    KafkaHeader(name: EventSignature.keyHeader, value: Array("op/1".utf8)),
                    KafkaHeader(
                        name: EventSignature.signatureHeader, value: Array(Data(try key.signature(for: value)).base64EncodedString().utf8)),
                ])
        }
        traffic.append((try access(categories), .applied(access: "category-not-covered")))
        var longKey = try access(["finance.account.transactions"])
        longKey.headers[0].value = [UInt8](repeating: UInt8(ascii: "k"), count: 70_000)
        traffic.append((longKey, .rejected("unknown-key")))
        let sent = try await send(traffic, to: cluster)
        try await runIngest(cluster, until: sent.totalCount, identity: identity)

        let receipts = try await receipts(cluster).values.flatMap { $0 }
        #expect(receipts.count == sent.totalCount, "one receipt per leaf")
        #expect(receipts.allSatisfy { $0.count <= 65_536 }, "\(receipts.map(\.count).sorted().suffix(3))")
        let keyReceipt = try #require(receipts.map { String(decoding: $0, as: UTF8.self) }.first { $0.contains("unknown-key") })
        #expect(keyReceipt.contains("… (70000 bytes, SHA-256 "), "\(keyReceipt.prefix(400))")
        #expect(receipts.map { String(decoding: $0, as: UTF8.self) }.contains { $0.contains("category-not-covered") })
        let partition = try #require(sent.first { $0.value.count == sent.totalCount }?.key)
        let ledger = try ledger(partition)
        #expect(ledger.outputsPublishedThrough == ledger.size, "the published mark reached the last leaf")
    }

    @Test("outputs whose delivery fails are sent again in place, so the published mark still reaches the last leaf")
    func outputsRetried() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let total = try await send(traffic(subjects: 0..<6, sequenceStart: 0), to: cluster).totalCount
        // The next produce requests, ledgerd's first outputs, fail for good as far as librdkafka is concerned.
        cluster.injectErrors(Array(repeating: .topicAuthorizationFailed, count: 3), into: .produce)
        try await runIngest(cluster, until: total, identity: identity)
        for partition in 0..<Int32(partitionCount) {
            let ledger = try ledger(partition)
            #expect(ledger.outputsPublishedThrough == ledger.size, "partition \(partition)")
        }
        #expect(try await receiptCounts(cluster).values.reduce(0, +) >= total, "every leaf has its receipt")
    }

    @Test("outputs are at least once: a clean stop delivers every one once; those a crash kept from delivery come on restart")
    func outputsAtLeastOnce() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let total = try await send(traffic(subjects: 0..<12, sequenceStart: 0), to: cluster).totalCount
        try await runIngest(cluster, until: total, identity: identity)
        let first = try await receiptCounts(cluster)
        #expect(first.count == total && first.values.allSatisfy { $0 == 1 }, "one receipt per record")

        // A crash after the last commits and before their outputs were acknowledged leaves the stored mark behind.
        var rewound = 0
        for partition in 0..<Int32(partitionCount) {
            let ledger = try ledger(partition)
            #expect(ledger.outputsPublishedThrough == ledger.size, "a clean stop records every delivery")
            let back = min(3, Int(ledger.size))
            rewound += back
            let through = Int(ledger.size) - back
            try LedgerFileTampering(path: ledgerPath(partition)).markOutputsPublished(through: UInt64(through))
        }
        try await runIngest(cluster, until: total, identity: identity)
        let second = try await receiptCounts(cluster)
        #expect(second.keys == first.keys, "no receipt lost")
        #expect(second.values.reduce(0, +) == total + rewound, "exactly the undelivered outputs published again")
    }

    @Test("a power loss that takes back the last committed batches: they are ingested again to the same leaves and receipts")
    func powerLoss() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let earlier = try await send(traffic(subjects: 0..<12, sequenceStart: 0), to: cluster).totalCount
        try await runIngest(cluster, until: earlier, identity: identity)
        // What the disk holds if the commits after this moment never left the OS's cache (synchronous=NORMAL):
        // SQLite's recovery keeps the write-ahead log up to its last complete commit, so a prefix of the batches.
        let paths = (0..<Int32(partitionCount)).flatMap { [ledgerPath($0), ledgerPath($0) + "-wal"] }
        let onDisk = paths.map { FileManager.default.contents(atPath: $0) }

        let total = try await send(traffic(subjects: 12..<24, sequenceStart: 1_000), to: cluster).totalCount + earlier
        try await runIngest(cluster, until: total, identity: identity)
        let before = try await allLeaves()
        let receiptsBefore = try await receipts(cluster)

        for (path, bytes) in zip(paths, onDisk) {
            try? FileManager.default.removeItem(atPath: path)
            if let bytes { try bytes.write(to: URL(fileURLWithPath: path)) }
        }
        let restored: UInt64 = try (0..<Int32(partitionCount)).map { try ledger($0).size }.reduce(0, +)
        #expect(restored == UInt64(earlier), "the later batches are gone")
        try await runIngest(cluster, until: total, identity: identity)

        #expect(try await allLeaves() == before)
        let receiptsAfter = try await receipts(cluster)
        #expect(receiptsAfter.keys == receiptsBefore.keys, "no receipt lost")
        #expect(receiptsAfter.values.allSatisfy { Set($0).count == 1 }, "a receipt published again is the same receipt")
        let published = (before: receiptsBefore.totalCount, after: receiptsAfter.totalCount)
        #expect(published.after > published.before, "the lost batches' receipts were published again")
    }

    @Test(
        "a configured witness's cosignatures are kept beside the ledgers, published before the start or during the run; a forged one under its name, or another witness's, is not"
    )
    func cosignatures() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let total = try await send(traffic(subjects: 0..<8, sequenceStart: 0), to: cluster).totalCount
        try await runIngest(cluster, until: total, identity: identity)

        let witness = try NoteSigner.generate(name: "witness.test", kind: .cosignatureV1)
        // Anyone may write to the checkpoints topic: one who signs under the witness's name, and a witness nobody configured.
        let forger = try NoteSigner.generate(name: "witness.test", kind: .cosignatureV1)
        let stranger = try NoteSigner.generate(name: "stranger.test", kind: .cosignatureV1)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        /// Cosigns a ledger's newest checkpoint and publishes it as `ledgerctl witness` does.
        @discardableResult
        func cosign(_ partition: Int32, by signer: NoteSigner = witness) async throws -> SignedNote {
            let ledger = try ledger(partition)
            let stored = try await ledger.read { reader in try reader.checkpoints().last!.note }
            var note = try SignedNote(parsing: Array(stored.utf8))
            try note.sign(with: signer, timestamp: 1_780_000_000)
            _ = try await producer.send(
                KafkaProducerRecord(
                    topic: "consent-ledger.checkpoints.v1", key: Array("\(ledger.origin)/cosigned-by/\(signer.verifier.name)".utf8),
                    value: Array(note.formatted.utf8)))
            return note
        }
        let before = try await cosign(0)
        try await cosign(0, by: forger)
        try await cosign(2, by: stranger)
        let (ingest, ingestProducer) = try makeIngest(cluster, identity: identity, witnesses: [witness.verifier])
        let running = Task { try await ingest.run() }
        while ingest.ledgerSizes.count < partitionCount { try await Task.sleep(for: .milliseconds(50)) }
        let during = try await cosign(1)
        try await cosign(1, by: forger)
        let deadline = ContinuousClock.now + .seconds(30)
        func kept(_ partition: Int32) async throws -> [UInt64: [String: String]] {
            try await ledger(partition).read { try $0.cosignedCheckpoints() }
        }
        while ContinuousClock.now < deadline {
            let (first, second) = (try await kept(0), try await kept(1))
            if !first.isEmpty, !second.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        running.cancel()
        try await running.value
        await ingestProducer.shutdown()
        await producer.shutdown()

        for (partition, note) in [(Int32(0), before), (1, during)] {
            let checkpoint = try Checkpoint(text: note.text)
            let stored = try #require(try await kept(partition)[checkpoint.size]?["witness.test"], "partition \(partition)")
            let policy = try TrustPolicy(
                log: identity.signer(origin: origin(partition)).verifier, witnesses: [witness.verifier], quorum: 1)
            #expect(try policy.verify(SignedNote(parsing: Array(stored.utf8))) == checkpoint)
        }
        #expect(try await kept(2).isEmpty, "a witness nobody configured: nothing kept")
        #expect(try await kept(3).isEmpty, "nothing cosigned, nothing kept")
    }

    @Test("ready (what /readyz says) only once the group has given this instance its partitions and each is open")
    func readyOnceAssigned() async throws {
        let cluster = try makeCluster()
        let (ingest, producer) = try makeIngest(cluster, identity: try LedgerIdentity.loadOrCreate(in: directory, logger: logger))
        let task = Task { try await ingest.run() }
        // Polled often: running and consuming come well before the group's first assignment.
        try await waitUntil("ready", every: .milliseconds(1)) { ingest.isReady }
        #expect(ingest.ledgerSizes.count == partitionCount, "every partition of the assignment is open when ready is first said")
        task.cancel()
        try await task.value
        #expect(!ingest.isReady)
        await producer.shutdown()
    }

    @Test("one ledgerd, two sharing a group with one leaving midway, and a fresh replay write byte-identical leaves")
    func determinism() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory.appendingPathComponent("keys"), logger: logger)
        let sent = try await send(traffic(subjects: 0..<80, sequenceStart: 0), to: cluster)
        let total = sent.totalCount
        let single = directory.appendingPathComponent("single")
        try await runIngest(cluster, until: total, identity: identity, directory: single, group: "single")

        // Two members: a leaves after a while, b takes its partitions over and rebuilds them from offset 0.
        let (a, producerA) = try makeIngest(cluster, identity: identity, directory: directory.appendingPathComponent("a"), group: "pair")
        let (b, producerB) = try makeIngest(cluster, identity: identity, directory: directory.appendingPathComponent("b"), group: "pair")
        let runA = Task { try await a.run() }
        let runB = Task { try await b.run() }
        try await waitUntil("the pair shares the partitions", every: .milliseconds(20)) {
            !a.ledgerSizes.isEmpty && !b.ledgerSizes.isEmpty && a.ledgerSizes.values.reduce(0, +) > 0
        }
        let aHeld = Set(a.ledgerSizes.keys)
        runA.cancel()
        try await runA.value
        try await waitUntil("b ingests all \(total) records", every: .milliseconds(100)) {
            b.ledgerSizes.values.reduce(0, +) >= UInt64(total)
        }
        runB.cancel()
        try await runB.value
        await producerA.shutdown()
        await producerB.shutdown()

        let replay = directory.appendingPathComponent("replay")
        try await runIngest(cluster, until: total, identity: identity, directory: replay, group: "replay")

        #expect(!aHeld.isEmpty && aHeld.count < partitionCount, "a held \(aHeld) before leaving")
        for partition in 0..<Int32(partitionCount) {
            let reference = try await leaves(in: single, partition: partition)
            #expect(reference.count == sent[partition]?.count ?? 0)
            #expect(
                try await leaves(in: directory.appendingPathComponent("b"), partition: partition) == reference,
                "pair, partition \(partition)")
            #expect(try await leaves(in: replay, partition: partition) == reference, "replay, partition \(partition)")
            let fromA = try await leaves(in: directory.appendingPathComponent("a"), partition: partition)
            #expect(fromA == Array(reference.prefix(fromA.count)), "what a wrote before leaving is a prefix of the same ledger")
        }
    }

    @Test(
        "every invalid example, garbage, an empty value, a tombstone and an oversized value become rejected leaves, and ingestion goes on")
    func badInput() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("topics/examples")
        var inputs: [(value: [UInt8]?, reason: String)] = []
        for kind in ["invalid", "valid"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: examples.appendingPathComponent(kind).path).sorted() {
                // Invalid examples fail to decode; valid ones decode but carry no signature, but for those that use what a
                // partition under rules/v1 (as this one is: no registry authority) does not read.
                let value = Array(try Data(contentsOf: examples.appendingPathComponent(kind).appendingPathComponent(name)))
                let isValid = kind == "valid" && (try? Event.decode(value, schema: .rulesV1)) != nil
                inputs.append((value, isValid ? "signature-missing" : "malformed"))
            }
        }
        inputs += [
            (Array("\u{1}\u{2} not even text".utf8), "malformed"), ([], "empty-value"), (nil, "tombstone"),
            ([UInt8](repeating: UInt8(ascii: " "), count: Event.maximumSize + 1), "oversized"),
        ]
        // All under one key, so they share a partition, followed by a good event that must still be applied.
        let good = try traffic(subjects: 0..<1, sequenceStart: 0)[0]
        let sent = try await send(
            inputs.map { (KafkaProducerRecord(topic: topic, key: Array("CI-0".utf8), value: $0.value), Expectation.rejected($0.reason)) }
                + [
                    (
                        KafkaProducerRecord(topic: topic, key: Array("CI-0".utf8), value: good.record.value, headers: good.record.headers),
                        good.expect
                    )
                ],
            to: cluster)
        try await runIngest(cluster, until: inputs.count + 1, identity: identity)

        let (partition, expected) = try #require(sent.first)
        #expect(sent.count == 1)
        let decoded = try await leaves(in: directory, partition: partition).map(LedgerLeaf.init(decoding:))
        #expect(decoded.map(\.offset) == expected.keys.sorted())
        for leaf in decoded {
            let verdict = try JSONSerialization.jsonObject(with: Data(leaf.verdict)) as! [String: Any]
            let rejection = (verdict["rejection"] as? [String: Any])?["code"] as? String
            switch expected[leaf.offset]! {
            case .rejected(let code): #expect(rejection == code, "offset \(leaf.offset): \(verdict)")
            case .applied: #expect(rejection == nil, "the good event after the bad ones is applied")
            }
        }
        // The raw bytes of every rejected record are on the rejected topic, as evidence.
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        try await consumer.assign([KafkaTopicPartition(topic: "consent-ledger.rejected.v1", partition: 0): .beginning])
        let rejectedCount = inputs.count
        let evidence = try await withTimeout(.seconds(60), "\(rejectedCount) records on the rejected topic") {
            var evidence: [KafkaRecord] = []
            for try await record in consumer.records {
                evidence.append(record)
                if evidence.count == rejectedCount { break }
            }
            return evidence
        }
        #expect(Set(evidence.map { $0.value ?? [] }) == Set(inputs.map { $0.value ?? [] }))
        #expect(evidence.allSatisfy { $0.headers.first(named: "consent-ledger-rejection") != nil })
    }

    @Test("a broker taken down and brought back, and injected fetch errors, pause ingestion; nothing is lost or doubled")
    func brokerFaults() async throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: logger)
        try cluster.createTopic(topic, partitions: partitionCount, replicationFactor: 3)
        for name in [
            "consent-ledger.checkpoints.v1", "consent-ledger.alerts.v1", "consent-ledger.rejected.v1", "consent-ledger.receipts.v1",
        ] {
            try cluster.createTopic(name, partitions: 1, replicationFactor: 3)
        }
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        var sent = try await send(traffic(subjects: 0..<20, sequenceStart: 0), to: cluster)
        let (ingest, producer) = try makeIngest(cluster, identity: identity)
        let task = Task { try await ingest.run() }

        // While it runs: a broker goes away, fetches fail, and more events arrive meanwhile.
        try await Task.sleep(for: .seconds(4))
        try cluster.setBrokerDown(2)
        cluster.injectErrors([.notLeaderForPartition, .requestTimedOut, .disconnect, .leaderNotAvailable], into: .fetch)
        let more = Task { try await send(traffic(subjects: 20..<40, sequenceStart: 10_000), to: cluster) }
        try await Task.sleep(for: .seconds(2))
        try cluster.setBrokerUp(2)
        for (partition, records) in try await more.value { sent[partition, default: [:]].merge(records) { _, new in new } }

        let total = sent.totalCount
        let deadline = ContinuousClock.now + .seconds(90)
        while ingest.ledgerSizes.values.reduce(0, +) < UInt64(total), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
        }
        task.cancel()
        try await task.value
        await producer.shutdown()
        for partition in 0..<Int32(partitionCount) {
            let offsets = try await leaves(in: directory, partition: partition).map { try LedgerLeaf(decoding: $0).offset }
            #expect(offsets == (sent[partition] ?? [:]).keys.sorted(), "partition \(partition): every offset once, none missing")
        }
    }

    @Test("a ledger rebuilt after losing its disk matches its published checkpoints; one that disagrees is quarantined, not served")
    func publishedCheckpoints() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let sent = try await send(traffic(subjects: 0..<30, sequenceStart: 0), to: cluster)
        let total = sent.totalCount
        try await runIngest(cluster, until: total, identity: identity)  // publishes checkpoints as it stops
        let before = try await leaves(in: directory, partition: 0)

        // Disk loss: the ledgers go, the secrets stay. The rebuild must reach the published roots again.
        for partition in 0..<partitionCount {
            for suffix in ["", "-wal", "-shm"] {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("\(topic)-\(partition).sqlite\(suffix)"))
            }
        }
        try await runIngest(cluster, until: total, identity: identity)
        #expect(try await leaves(in: directory, partition: 0) == before)

        // A checkpoint signed with the ledger's key but for another history: this copy must not be served.
        let origin = origin(0)
        let forged = try SignedNote.checkpoint(
            Checkpoint(origin: origin, size: UInt64(before.count), root: SHA256Hash.of(Array("another history".utf8))),
            signedBy: identity.signer(origin: origin))
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        _ = try await producer.send(
            KafkaProducerRecord(topic: "consent-ledger.checkpoints.v1", key: Array(origin.utf8), value: Array(forged.formatted.utf8)))
        await producer.shutdown()
        let (ingest, outputs) = try makeIngest(cluster, identity: identity)
        let running = Task { try await ingest.run() }
        let deadline = ContinuousClock.now + .seconds(30)
        while ingest.quarantined.isEmpty || ingest.ledgerSizes.count < partitionCount - 1, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        // Only that partition stops, and its copy is not served; the others go on.
        #expect(ingest.quarantined.map(\.partition) == [0])
        #expect(ingest.quarantined.first?.fault.cause == .checkpointMismatch)
        #expect(ingest.quarantined.first?.fault.reason.contains("published checkpoint") == true)
        #expect(!ingest.servedLedgers.map(\.partition).contains(0) && ingest.unservedOrigins == [origin])
        #expect(Set(ingest.ledgerSizes.keys) == Set(1..<Int32(partitionCount)))
        running.cancel()
        try await running.value
        await outputs.shutdown()
    }
}

extension Dictionary where Value: Collection {
    /// How many elements all the values hold together: records sent over all partitions, receipts over all keys.
    var totalCount: Int { values.reduce(0) { $0 + $1.count } }
}
