import ConsentModel
import Crypto
import Foundation
import InstitutionPublisher
import KafkaClient
import LedgerFormat
import LedgerIdentity
import LedgerIngest
import Testing

extension IngestEndToEndTests {
    /// A registry authority of the suite's own, and its publisher into `cluster`'s events topic (with the producer it
    /// sends through, to shut down once published).
    func registryAuthority(on cluster: KafkaMockCluster) async throws -> (RegistryAuthority, RegistryPublisher, KafkaProducer) {
        let key = InstitutionKey(institution: "registry-authority", keyID: "registry-authority/1")
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        let publisher = try await RegistryPublisher(
            producer: producer, key: key, sequenceFile: directory.appendingPathComponent("authority.sequence.json"), topic: topic)
        return (RegistryAuthority(id: key.institution, keyID: key.keyID, publicKey: key.privateKey.publicKey), publisher, producer)
    }

    @Test(
        "rules/v2 end to end: the registry published through the log, a forged grant not applied, and a restart without the registry file keeps every verdict"
    )
    func rulesV2() async throws {
        let cluster = try makeCluster()
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let (authority, publisher, producer) = try await registryAuthority(on: cluster)
        let bankB = Curve25519.Signing.PrivateKey()

        // The authority registers the operator (the suite's key, op/1), a data holder, and a competitor bank.
        let changes: [RegistryChange] = [
            publisher.rulesChange,
            .institutionRegistered(institution: "mydata-op-1", name: "Operator One", roles: [.operator, .recipient]),
            .keyAdded(institution: "mydata-op-1", keyID: "op/1", publicKey: Array(key.publicKey.rawRepresentation)),
            .institutionRegistered(institution: "bank-a", name: "Bank A", roles: [.dataHolder]),
            .institutionRegistered(institution: "bank-b", name: "Bank B", roles: [.dataHolder, .recipient]),
            .keyAdded(institution: "bank-b", keyID: "bank-b/1", publicKey: Array(bankB.publicKey.rawRepresentation)),
        ]
        let registryEvents = try await publisher.publish(changes)
        #expect(registryEvents.count == changes.count * partitionCount)
        #expect(Set(registryEvents.map(\.partition)) == Set(0..<Int32(partitionCount)))
        await producer.shutdown()

        // The operator's traffic, and bank-b granting itself a consent over bank-a's data for CI-0.
        var sent = try await send(traffic(subjects: 0..<12, sequenceStart: 0), to: cluster)
        let forgedGrant = Array(
            try JSONSerialization.data(
                withJSONObject: [
                    "specversion": "1.0", "id": "forged-1", "source": "bank-b", "type": "consent.granted", "time": "2026-05-01T00:00:00Z",
                    "subject": "CI-0", "dataschema": "urn:consent-ledger:schema:consent.granted:v1", "datacontenttype": "application/json",
                    "producerseq": 1,
                    "data": [
                        "consentId": "stolen", "dataHolder": "bank-a", "recipients": ["bank-b"], "purposes": ["marketing"],
                        "dataCategories": ["finance.account.transactions"], "legalBasis": "consent", "validFrom": "2026-03-01T00:00:00Z",
                        "validUntil": "2027-03-01T00:00:00Z",
                        "notice": ["uri": "https://n.example", "sha256": String(repeating: "0", count: 64)],
                    ],
                ] as [String: Any], options: [.sortedKeys]))
        let forged = KafkaProducerRecord(
            topic: topic, key: Array("CI-0".utf8), value: forgedGrant,
            headers: try EventSignature.headers(for: forgedGrant, keyID: "bank-b/1", privateKey: bankB).map {
                KafkaHeader(name: $0.name, value: $0.value)
            }, timestamp: 1_777_593_600_000)  // the event's time: no clock skew to report beside the refusal
        for (partition, more) in try await send([(forged, .applied(access: nil))], to: cluster) {
            sent[partition, default: [:]].merge(more) { _, new in new }
        }
        let trust = RegistryTrust(bootstrap: registry, authority: authority)
        try await runIngest(cluster, until: sent.totalCount + registryEvents.count, identity: identity, trust: trust)

        var verdicts: [String] = []
        for partition in 0..<Int32(partitionCount) {
            let leaves = try await leaves(in: directory, partition: partition).map(LedgerLeaf.init(decoding:))
            #expect(leaves.prefix(changes.count).allSatisfy { $0.producer == "registry-authority" && $0.subject == nil })
            for leaf in leaves {
                let verdict = String(decoding: leaf.verdict, as: UTF8.self)
                #expect(verdict.hasSuffix(#""rules":"rules/v2"}"#), "partition \(partition), offset \(leaf.offset): \(verdict)")
                if let expected = sent[partition]?[leaf.offset], case .applied(let access?) = expected {
                    #expect(verdict.contains(#""code":"\#(access)""#), "offset \(leaf.offset): \(verdict)")
                }
                if leaf.eventID == "forged-1" { verdicts.append(verdict) }
            }
        }
        #expect(verdicts == [#"{"findings":[{"code":"not-authorized","rule":"grant-by-holder-or-operator"}],"rules":"rules/v2"}"#])

        // ledgerd restarted without the registry file (the operator removed it): every partition replays to the same
        // verdicts, since under rules/v2 only the log's registry counts, and goes on with the keys it learned there.
        let empty = RegistryTrust(bootstrap: try InstitutionRegistry(institutions: []), authority: authority)
        let more = try await send(traffic(subjects: 12..<16, sequenceStart: 10_000), to: cluster)
        try await runIngest(cluster, until: sent.totalCount + more.totalCount + registryEvents.count, identity: identity, trust: empty)
        for partition in 0..<Int32(partitionCount) {
            let leaves = try await leaves(in: directory, partition: partition).map(LedgerLeaf.init(decoding:))
            for leaf in leaves where more[partition]?[leaf.offset] != nil {
                guard case .applied(let access?) = more[partition]![leaf.offset]! else { continue }
                #expect(String(decoding: leaf.verdict, as: UTF8.self).contains(#""code":"\#(access)""#), "offset \(leaf.offset)")
            }
        }
    }
}
