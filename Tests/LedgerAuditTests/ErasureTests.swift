import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import LedgerAudit
import LedgerStore
import LedgerStoreFixtures
import MerkleLog
import Testing

/// A rules/v2 ledger of two citizens: CI-1 with a consent (granted by the operator over bank-a's data) and three
/// accesses, CI-2 with a consent and one access; then erasure requests, carried out as ledgerd carries them out.
@Suite("Erasure as a recorded act", .timeLimit(.minutes(10)))
struct ErasureTests {
    let fixtures = Fixtures()
    let key = Curve25519.Signing.PrivateKey()
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("erasure-\(UUID().uuidString)")
    var path: String { directory.appendingPathComponent("0.sqlite").path }
    let keys: PayloadKeys
    let ledger: PartitionLedger
    var rules: Rules
    var sequence: Int64 = 0
    var audit: LedgerAudit {
        LedgerAudit(trust: RegistryTrust(bootstrap: fixtures.registry, authority: fixtures.authority), ledgerKey: key.publicKey, keys: keys)
    }
    let ci1 = SubjectReference(subject: "CI-1", secret: Fixtures().secret)

    init() async throws {
        keys = try PayloadKeys.inTests(directory)
        ledger = try PartitionLedger(
            path: directory.appendingPathComponent("0.sqlite").path, origin: "e/events/0", topic: "events", partition: 0, keys: keys)
        rules = fixtures.rulesV2()
        var registry = Rules(
            trust: RegistryTrust(bootstrap: fixtures.registry, authority: fixtures.authority), partition: 0, secret: fixtures.secret)
        try await ledger.append(fixtures.registryRecords(partitionCount: 1), judgedBy: &registry)
        try await append([
            event("consent.granted", "mydata-op-1", "03-01", "CI-1", Fixtures.grant("c-1")),
            event("access.performed", "mydata-op-1", "03-02", "CI-1", Fixtures.access(at: "2026-03-02T00:00:00Z")),
            event("consent.granted", "mydata-op-1", "03-03", "CI-2", Fixtures.grant("c-2")),
            event("access.performed", "mydata-op-1", "04-01", "CI-1", Fixtures.access(at: "2026-04-01T00:00:00Z")),
            event("access.performed", "mydata-op-1", "04-02", "CI-2", Fixtures.access(at: "2026-04-02T00:00:00Z")),
            event("access.performed", "mydata-op-1", "05-01", "CI-1", Fixtures.access(at: "2026-05-01T00:00:00Z")),
        ])
        try await ledger.signCheckpoint(with: try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: key))
    }

    mutating func event(_ type: String, _ source: String, _ day: String, _ subject: String, _ data: [String: Any]) -> IncomingRecord {
        sequence += 1
        return fixtures.record(
            Fixtures.envelope(
                type: type, id: "\(source)-\(sequence)", source: source, seq: sequence, time: "2026-\(day)T00:00:00Z", subject: subject,
                data: data))
    }

    static func erasure(_ scope: String, before: String? = nil, by initiator: String = "subject") -> [String: Any] {
        var data: [String: Any] = ["requestId": "case-1", "initiatedBy": initiator, "scope": scope]
        if let before { data["before"] = before }
        return data
    }

    /// Judges and appends the records, then carries out the erasures among them as ledgerd does after a commit.
    @discardableResult
    mutating func append(_ records: [IncomingRecord]) async throws -> [PartitionLedger.Erasure] {
        try await ledger.append(records, judgedBy: &rules)
    }

    func stored() async throws -> [StoredLeaf] {
        try await ledger.read { try $0.storedLeaves(0..<$0.size) }
    }

    @Test(
        "a party's request erases the subject's records: no longer readable, keys destroyed, leaves and proofs unchanged, verify says by which leaf"
    )
    mutating func erasedByParty() async throws {
        let root = ledger.root
        let before = try await stored()
        let erasing = ledger.size
        // bank-a holds the data CI-1's consent is about: a party of it. Its request is one of CI-1's records, erased too.
        let erasures = try await append([event("subject.erasure-requested", "bank-a", "05-02", "CI-1", Self.erasure("all"))])
        #expect(erasures.map(\.orderedBy) == [erasing] && erasures.map(\.erased) == [5] && erasures.map(\.destroyedKeys) == [1])

        let after = try await stored()
        let subjects = try await ledger.read { reader in try (0..<reader.size).map { try reader.subject(at: $0).subject } }
        for (index, leaf) in after.enumerated() {
            #expect(leaf.leaf == (index < before.count ? before[index].leaf : leaf.leaf), "leaf \(index) unchanged")
            if subjects[index] == ci1 {
                #expect(leaf.value == nil && leaf.redacted && leaf.erasedBy == erasing, "leaf \(index)")
            } else {
                #expect(leaf.value != nil && leaf.erasedBy == nil, "leaf \(index)")
            }
        }
        #expect(try keys.keyIDs(of: .subject(ci1)).isEmpty, "no key of CI-1 is left")
        let backup = directory.appendingPathComponent("backup-keys.db").path
        #expect(try keys.backup(to: backup) > 0)
        let copy = try PayloadKeys(path: backup, masterKey: SymmetricKey(size: .bits256), readingOnly: true)
        #expect(try copy.keyIDs(of: .subject(ci1)).isEmpty, "nor in a backup taken after the erasure")
        #expect(try await ledger.read { try $0.rootHash(size: UInt64(before.count)) } == root, "the tree is the one checkpointed")

        let summary = try audit.verify(path: path)
        #expect(summary.erasures.map(\.leaf) == [erasing] && summary.erasures.map(\.records) == [5])
        #expect(summary.verdictsRecomputed == UInt64(after.count - 5), "CI-1's records up to the erasure stand as written")

        // Later records of CI-1 are judged anew: its consents were forgotten with its records.
        try await append([event("access.performed", "mydata-op-1", "06-01", "CI-1", Fixtures.access(at: "2026-06-01T00:00:00Z"))])
        let last = try #require(try await stored().last)
        #expect(String(decoding: last.leaf, as: UTF8.self).contains("no-consent"))
        #expect(try audit.verify(path: path).erasures.map(\.records) == [5])
    }

    @Test("an institution that is no party of the subject's consents cannot erase: a finding, and nothing is erased")
    mutating func notAParty() async throws {
        let erasures = try await append([event("subject.erasure-requested", "bank-b", "05-02", "CI-1", Self.erasure("all"))])
        #expect(erasures.isEmpty)
        let leaf = try #require(try await stored().last)
        #expect(String(decoding: leaf.leaf, as: UTF8.self).contains(#"{"code":"not-authorized","rule":"erasure-by-party"}"#))
        #expect(try await stored().allSatisfy { !$0.redacted })
        #expect(try audit.verify(path: path).erasures.isEmpty)
    }

    @Test("records before an instant: those are erased, the later ones kept under a new key, and every verdict still checks")
    mutating func before() async throws {
        let erasing = ledger.size
        let erasures = try await append([
            event("subject.erasure-requested", "bank-a", "05-02", "CI-1", Self.erasure("before", before: "2026-04-01T00:00:00Z"))
        ])
        #expect(erasures.map(\.erased) == [2] && erasures.map(\.destroyedKeys) == [1])
        let kept = try keys.keyIDs(of: .subject(ci1))
        #expect(kept.count == 1, "a new key, for the records kept")
        let stored = try await stored()
        #expect(stored.filter { $0.erasedBy == erasing }.count == 2)
        #expect(stored.filter { !$0.redacted }.count == stored.count - 2, "the access of 1 April, of 1 May and the request itself open")
        #expect(try audit.verify(path: path).erasures.map(\.leaf) == [erasing])
        #expect(try audit.verify(path: path).erasures.map(\.records) == [2])
    }

    @Test("a regulator's order, signed by the registry authority, erases without being a party")
    mutating func authorityOrder() async throws {
        var order = Fixtures.envelope(
            type: "subject.erasure-requested", id: "order-1", source: fixtures.authority.id, seq: 100, time: "2026-05-02T00:00:00Z",
            subject: "CI-1", data: Self.erasure("all", by: "authority"))
        order["producerseq"] = 100
        let value = Fixtures.bytes(order)
        let headers = try EventSignature.headers(for: value, keyID: fixtures.authority.keyID, privateKey: fixtures.authorityKey)
        let erasures = try await append([
            IncomingRecord(value: value, headers: headers.map { ($0.name, $0.value) }, kafkaTimestamp: ms("2026-05-02T00:00:00Z"))
        ])
        #expect(erasures.map(\.erased) == [5])
        #expect(try audit.verify(path: path).erasures.map(\.records) == [5])
    }

    @Test("an erasure the leaves do not back is caught: a record marked erased by another subject's erasure, or by none")
    mutating func unbacked() async throws {
        let erasing = ledger.size
        _ = try await append([event("subject.erasure-requested", "bank-a", "05-02", "CI-1", Self.erasure("all"))])
        let ci2 = try await stored().firstIndex {
            !$0.redacted && $0.value.map { String(decoding: $0, as: UTF8.self).contains("CI-2") } == true
        }
        let index = UInt64(try #require(ci2))
        try LedgerFileTampering(path: path, keys: keys).markErased(ofLeaf: index, by: erasing)
        #expect {
            try audit.verify(path: path)
        } throws: { error in
            (error as? LedgerAudit.Failure).map { $0.index == index && $0.reason.contains("not an erasure of its subject") } ?? false
        }
        try LedgerFileTampering(path: path, keys: keys).markErased(ofLeaf: index, by: 999)
        #expect {
            try audit.verify(path: path)
        } throws: { error in
            (error as? LedgerAudit.Failure).map { $0.index == index && $0.reason.contains("does not hold") } ?? false
        }
    }
}
