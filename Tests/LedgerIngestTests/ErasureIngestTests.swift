import ConsentModel
import Crypto
import Foundation
import InstitutionPublisher
import KafkaClient
import LedgerFormat
import LedgerIdentity
import LedgerIngest
import LedgerStore
import Testing

extension IngestEndToEndTests {
    @Test(
        "an erasure in a running ledgerd: the subject's records and keys are gone, the others untouched, and a restart replays to the same leaves and goes on"
    )
    func erasureWhileRunning() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let (authority, publisher, producer) = try await registryAuthority(on: cluster)
        let bankA = Curve25519.Signing.PrivateKey()
        let registryEvents = try await publisher.publish([
            publisher.rulesChange,
            .institutionRegistered(institution: "mydata-op-1", name: "Operator One", roles: [.operator, .recipient]),
            .keyAdded(institution: "mydata-op-1", keyID: "op/1", publicKey: Array(key.publicKey.rawRepresentation)),
            .institutionRegistered(institution: "bank-a", name: "Bank A", roles: [.dataHolder]),
            .keyAdded(institution: "bank-a", keyID: "bank-a/1", publicKey: Array(bankA.publicKey.rawRepresentation)),
        ])
        await producer.shutdown()

        var sent = try await send(traffic(subjects: 0..<6, sequenceStart: 0), to: cluster)
        // bank-a, the data holder of CI-1's consent, asks for CI-1's records to be erased.
        let request = Array(
            try JSONSerialization.data(
                withJSONObject: [
                    "specversion": "1.0", "id": "bank-a/erasure-1", "source": "bank-a", "type": "subject.erasure-requested",
                    "time": "2026-05-02T00:00:00Z", "subject": "CI-1",
                    "dataschema": "urn:consent-ledger:schema:subject.erasure-requested:v1",
                    "datacontenttype": "application/json", "producerseq": 1,
                    "data": ["requestId": "bank-a/case-7", "initiatedBy": "subject", "scope": "all"],
                ] as [String: Any], options: [.sortedKeys]))
        let erasure = KafkaProducerRecord(
            topic: topic, key: Array("CI-1".utf8), value: request,
            headers: try EventSignature.headers(for: request, keyID: "bank-a/1", privateKey: bankA).map {
                KafkaHeader(name: $0.name, value: $0.value)
            }, timestamp: 1_777_680_000_000)
        let erasureSent = try await send([(erasure, .applied(access: nil))], to: cluster)
        let (partition, offsets) = try #require(erasureSent.first)
        sent[partition, default: [:]].merge(offsets) { _, new in new }
        let trust = RegistryTrust(bootstrap: registry, authority: authority)
        try await runIngest(cluster, until: sent.totalCount + registryEvents.count, identity: identity, trust: trust)

        let subject = SubjectReference(subject: "CI-1", secret: identity.subjectSecret)
        let stored = try await ledger(partition).read { try $0.storedLeaves(0..<$0.size) }
        let leaves = try stored.map { try LedgerLeaf(decoding: $0.leaf) }
        let erasing = UInt64(try #require(leaves.firstIndex { $0.eventType == "subject.erasure-requested" }))
        #expect(String(decoding: leaves[Int(erasing)].verdict, as: UTF8.self) == #"{"erasure":{"code":"all"},"rules":"rules/v2"}"#)
        let ofSubject = leaves.indices.filter { leaves[$0].subject == subject }
        #expect(ofSubject.count == 5, "a grant, three accesses and the request")
        for index in leaves.indices {
            if ofSubject.contains(index) {
                #expect(stored[index].value == nil && stored[index].erasedBy == erasing, "leaf \(index)")
            } else {
                #expect(!stored[index].redacted, "leaf \(index)")
            }
        }
        let keys = try PayloadKeys(
            path: directory.appendingPathComponent(LedgerIdentity.payloadKeysFile).path, masterKey: identity.payloadMasterKey,
            readingOnly: true)
        #expect(try keys.keyIDs(of: .subject(subject)).isEmpty)
        #expect(try !keys.keyIDs(of: .subject(SubjectReference(subject: "CI-2", secret: identity.subjectSecret))).isEmpty)

        // A restart replays every partition past the erased records (a mismatch would quarantine it, and the new
        // records would never land) and goes on.
        let before = try await allLeaves()
        let more = try await send(traffic(subjects: 6..<8, sequenceStart: 10_000), to: cluster)
        try await runIngest(cluster, until: sent.totalCount + more.totalCount + registryEvents.count, identity: identity, trust: trust)
        let after = try await allLeaves()
        for partition in 0..<partitionCount {
            #expect(Array(after[partition].prefix(before[partition].count)) == before[partition], "partition \(partition)")
        }
    }
}
