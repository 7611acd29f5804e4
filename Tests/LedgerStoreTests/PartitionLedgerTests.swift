import ConsentModel
import Foundation
import GRDB
import LedgerFormat
import LedgerStore
import LedgerStoreFixtures
import MerkleLog
import Testing

@Suite("Partition ledger on SQLite", .timeLimit(.minutes(10)))
struct PartitionLedgerTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
    let origin = "test.example/consent-ledger.events.v1/3"

    let keys: PayloadKeys

    init() throws {
        keys = try PayloadKeys.inTests(directory)
    }

    func open() throws -> PartitionLedger {
        try PartitionLedger(
            path: directory.appendingPathComponent("p3.sqlite").path, origin: origin, topic: "consent-ledger.events.v1", partition: 3,
            keys: keys)
    }

    /// Unsigned events of a few subjects (the rules reject them, but they still name their subject),
    /// plus a tombstone and garbage, judged in order.
    static func entries(offsets: Range<Int64>) -> [PartitionLedger.Entry] {
        var rules = Rules(
            trust: RegistryTrust(bootstrap: try! InstitutionRegistry(institutions: []), authority: nil), partition: 3,
            secret: try! SubjectSecret(bytes: Array(0..<32)))
        return offsets.map { offset in
            let value: [UInt8]? =
                switch offset % 7 {
                case 5: nil
                case 6: Array("not json".utf8)
                default:
                    Array(
                        """
                        {"specversion":"1.0","id":"e\(offset)","source":"bank-a","type":"consent.revoked","time":"2026-03-01T00:00:00Z","subject":"CI-\(offset % 4)","dataschema":"urn:consent-ledger:schema:consent.revoked:v1","datacontenttype":"application/json","producerseq":\(offset + 1),"data":{"consentId":"c","effectiveAt":"2026-03-01T00:00:00Z","initiatedBy":"subject"}}
                        """.utf8)
                }
            let record = IncomingRecord(value: value, headers: [], kafkaTimestamp: 1_772_323_200_000 + offset)
            return PartitionLedger.Entry(
                offset: offset, timestamp: 1_772_323_200_000 + offset, value: value, headers: [("h", [1])], judgement: rules.judge(record))
        }
    }

    @Test("appended batches give the root, chain and subject map that MerkleLog computes from the stored leaves")
    func appendAndVerify() async throws {
        let ledger = try open()
        try await ledger.append(Self.entries(offsets: 0..<40), nextOffset: 40)
        try await ledger.append(Self.entries(offsets: 40..<100), nextOffset: 100)
        #expect(ledger.size == 100)
        #expect(ledger.nextOffset == 100)

        let leaves = try await ledger.read { reader in try (0..<100).map { try reader.leaf(at: $0) } }
        #expect(RFC6962.rootHash(leaves.map(RFC6962.leafHash)) == ledger.root)
        var chain = ChainedLogVerifier(previousChainHash: LedgerLeaf.previousChainHash(in:))
        for leaf in leaves { try chain.append(leaf: leaf) }
        try chain.finish(size: 100, root: ledger.root, chainHead: ledger.chainHead)

        // Subject map: recompute counts and per-subject chains from the leaves alone.
        var expected: [SHA256Hash: SubjectMapValue] = [:]
        for leaf in leaves {
            let decoded = try LedgerLeaf(decoding: leaf)
            guard let subject = decoded.subject else { continue }
            let key = SHA256Hash(bytes: subject.bytes)!
            let previous = expected[key]
            #expect(decoded.previousSubjectHead == previous?.chainHead ?? .zero)
            expected[key] = SubjectMapValue(
                count: (previous?.count ?? 0) + 1, chainHead: HashChain.next(previous?.chainHead ?? .zero, RFC6962.leafHash(leaf)))
        }
        var map = SubjectMap()
        map.update(expected)
        #expect(map.rootHash == ledger.subjectMapRoot)
        #expect(ledger.subjectCount == 4)
    }

    @Test("proofs read from SQLite verify against the ledger's root")
    func proofs() async throws {
        let ledger = try open()
        try await ledger.append(Self.entries(offsets: 0..<77), nextOffset: 77)
        let root = ledger.root
        let (paths, consistency, oldRoot, leaves) = try await ledger.read { reader in
            (
                try [0, 31, 76].map { try reader.inclusionProof(index: $0, size: 77) }, try reader.consistencyProof(from: 50, to: 77),
                try reader.rootHash(size: 50), try [0, 31, 76].map { try reader.leaf(at: $0) }
            )
        }
        for (position, index) in [0, 31, 76].enumerated() {
            try ProofVerifier.verifyInclusion(
                leafHash: RFC6962.leafHash(leaves[position]), index: UInt64(index), size: 77, proof: paths[position], root: root)
        }
        try ProofVerifier.verifyConsistency(oldSize: 50, newSize: 77, oldRoot: oldRoot, newRoot: root, proof: consistency)
    }

    @Test("reopening restores every summary and appending continues the same tree")
    func reopen() async throws {
        var ledger: PartitionLedger? = try open()
        try await ledger!.append(Self.entries(offsets: 0..<30), nextOffset: 30)
        let (root, head, mapRoot) = (ledger!.root, ledger!.chainHead, ledger!.subjectMapRoot)
        ledger = nil
        let reopened = try open()
        #expect(reopened.size == 30 && reopened.nextOffset == 30)
        #expect(reopened.root == root && reopened.chainHead == head && reopened.subjectMapRoot == mapRoot)

        try await reopened.append(Self.entries(offsets: 30..<60), nextOffset: 60)
        let other = try PartitionLedger(
            path: directory.appendingPathComponent("other.sqlite").path, origin: origin, topic: "consent-ledger.events.v1", partition: 3,
            keys: keys)
        try await other.append(Self.entries(offsets: 0..<60), nextOffset: 60)
        #expect(reopened.root == other.root, "appending in two batches across a restart equals appending at once")
    }

    @Test("how far outputs were delivered is written with the next append or on a clean stop; older ledgers start at their size")
    func outputsMark() async throws {
        var ledger: PartitionLedger? = try open()
        try await ledger!.append(Self.entries(offsets: 0..<10), nextOffset: 10)
        #expect(ledger!.outputsPublishedThrough == 0)
        ledger!.outputsPublished(through: 10)
        ledger!.outputsPublished(through: 4)
        #expect(ledger!.outputsPublishedThrough == 10, "the mark never goes back")
        ledger = nil
        #expect(try open().outputsPublishedThrough == 0, "kept in memory until the next write")

        ledger = try open()
        ledger!.outputsPublished(through: 10)
        try await ledger!.append(Self.entries(offsets: 10..<20), nextOffset: 20)
        ledger = nil
        #expect(try open().outputsPublishedThrough == 10, "written with the next append")
        ledger = try open()
        ledger!.outputsPublished(through: 15)
        try await ledger!.saveOutputsPublished()
        ledger = nil
        #expect(try open().outputsPublishedThrough == 15, "written on request, as at a clean stop")

        // A ledger written before the mark existed: what it published is unknown, so nothing is published again.
        try await DatabaseQueue(path: directory.appendingPathComponent("p3.sqlite").path).write { db in
            try db.execute(
                sql: """
                    DROP TABLE published; DROP TABLE cosigned; DROP INDEX entry_transmission;
                    ALTER TABLE entry DROP COLUMN transmission_id; ALTER TABLE entry DROP COLUMN transmission_type;
                    ALTER TABLE payload DROP COLUMN key_id; ALTER TABLE payload DROP COLUMN erased_by; DROP TABLE erasure;
                    DELETE FROM grdb_migrations WHERE identifier >= 'v4'
                    """)
        }
        #expect(try open().outputsPublishedThrough == 20)
    }

    @Test("a batch that does not continue the ledger is refused and changes nothing")
    func outOfOrder() async throws {
        let ledger = try open()
        try await ledger.append(Self.entries(offsets: 0..<10), nextOffset: 10)
        let root = ledger.root
        let overlapping = await #expect(throws: LedgerStoreError.self) {
            try await ledger.append(Self.entries(offsets: 5..<12), nextOffset: 12)
        }
        #expect(overlapping?.code == .outOfOrder)
        let behind = await #expect(throws: LedgerStoreError.self) {
            try await ledger.append(Self.entries(offsets: 10..<12), nextOffset: 11)
        }
        #expect(behind?.code == .outOfOrder)
        #expect(ledger.root == root && ledger.size == 10 && ledger.nextOffset == 10)
        // Offsets may skip (compacted or transactional topics): the gap is simply consumed.
        try await ledger.append(Self.entries(offsets: 15..<16), nextOffset: 16)
        #expect(ledger.size == 11 && ledger.nextOffset == 16)
    }

    @Test("a database of another ledger is refused with what to check")
    func wrongLedger() throws {
        _ = try open()
        let error = #expect(throws: LedgerStoreError.self) {
            try PartitionLedger(
                path: directory.appendingPathComponent("p3.sqlite").path, origin: "elsewhere/7", topic: "t", partition: 7, keys: keys)
        }
        #expect(error?.code == .wrongLedger)
        #expect(error?.description.contains("check --data-dir") == true)
    }

    @Test("stored values that no writer of this package makes are refused as corrupt, not trapped on")
    func hostileStoredValues() async throws {
        let ledger = try open()
        try await ledger.append(Self.entries(offsets: 0..<3), nextOffset: 3)
        let database = try DatabaseQueue(path: directory.appendingPathComponent("p3.sqlite").path)
        // A header count of 2^32 − 1 once sized an allocation before any header was read (in a row stored in the clear,
        // as ledgers stored them before sealing).
        try await database.write { db in try db.execute(sql: "UPDATE payload SET headers = x'FFFFFFFF', key_id = NULL WHERE idx = 1") }
        let headers = await #expect(throws: LedgerFormatError.self) { try await ledger.read { try $0.storedLeaves(0..<3) } }
        #expect(headers?.code == .malformedLeaf && headers?.reason == "ends 2 bytes early")
        try await database.write { db in try db.execute(sql: "INSERT INTO checkpoint(size, note) VALUES (-5, 'x')") }
        let size = await #expect(throws: LedgerStoreError.self) { try await ledger.read { try $0.checkpoints() } }
        #expect(size?.code == .corrupt)
        // Not UTF-8 where the query index keeps text: once a fatal error inside GRDB's row subscript.
        try await database.write { db in try db.execute(sql: "UPDATE entry SET institution = x'FF' WHERE idx = 2") }
        await #expect(throws: (any Error).self) { try await ledger.read { try $0.entries(matching: EntryFilter(), after: nil, limit: 10) } }
    }

    @Test("a cosigned note that claims a size beyond what SQLite counts is not kept")
    func cosignedSizeOutOfRange() async throws {
        let ledger = try open()
        let log = try NoteSigner(name: origin, kind: .ed25519, privateKey: .init())
        let witness = try NoteSigner(name: "witness.example", kind: .cosignatureV1, privateKey: .init())
        var note = try SignedNote.checkpoint(Checkpoint(origin: origin, size: 1 << 63, root: .zero), signedBy: log)
        try note.sign(with: witness, timestamp: 1)
        #expect(try await ledger.storeCosigned(note, witness: "witness.example") == false)
    }
}
