import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import LedgerAudit
import LedgerStore
import LedgerStoreFixtures
import MerkleLog
import Testing

/// An honest ledger of eight leaves (a consent, covered and uncovered accesses, a revocation, a
/// forged record, a second subject), checkpointed at 4 and 8; then each tamper a regulator must catch.
@Suite("Offline verification of a ledger", .timeLimit(.minutes(10)))
struct LedgerAuditTests {
    let fixtures = Fixtures()
    let key = Curve25519.Signing.PrivateKey()
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).sqlite").path
    let keys = try! PayloadKeys.inTests(FileManager.default.temporaryDirectory.appendingPathComponent("audit-keys-\(UUID().uuidString)"))

    /// Writes the ledger with `rules` judging (the honest rules unless an insider's are given).
    func write(judgingWith registry: InstitutionRegistry? = nil) async throws -> PartitionLedger {
        let ledger = try PartitionLedger(path: path, origin: "audit/events/0", topic: "events", partition: 0, keys: keys)
        let signer = try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: key)
        var rules = Rules(registry: registry ?? fixtures.registry, secret: fixtures.secret)
        func event(_ type: String, _ seq: Int64, _ day: String, _ subject: String, _ data: [String: Any]) -> IncomingRecord {
            fixtures.record(
                Fixtures.envelope(
                    type: type, id: "e-\(seq)", source: "mydata-op-1", seq: seq, time: "2026-\(day)T00:00:00Z", subject: subject, data: data
                ))
        }
        var forged = event("access.performed", 6, "06-02", "CI-A", Fixtures.access(at: "2026-06-02T00:00:00Z"))
        forged.value = forged.value.map { $0 + Array(" ".utf8) }
        try await ledger.append(
            [
                event("consent.granted", 1, "03-01", "CI-A", Fixtures.grant("c-1")),
                event("access.performed", 2, "04-01", "CI-A", Fixtures.access(at: "2026-04-01T00:00:00Z")),
                event("access.performed", 3, "04-02", "CI-A", Fixtures.access(at: "2026-04-02T00:00:00Z", purpose: "marketing")),
                event("consent.revoked", 4, "05-01", "CI-A", Fixtures.revoke("c-1", at: "2026-05-01T00:00:00Z")),
            ], judgedBy: &rules)
        try await ledger.signCheckpoint(with: signer)
        try await ledger.append(
            [
                event("access.performed", 5, "06-01", "CI-A", Fixtures.access(at: "2026-06-01T00:00:00Z")),
                forged,
                event("consent.granted", 6, "03-01", "CI-B", Fixtures.grant("c-2")),
                event("access.performed", 7, "04-01", "CI-B", Fixtures.access(at: "2026-04-01T00:00:00Z")),
            ], judgedBy: &rules)
        try await ledger.signCheckpoint(with: signer)
        return ledger
    }

    var audit: LedgerAudit {
        LedgerAudit(trust: RegistryTrust(bootstrap: fixtures.registry, authority: nil), ledgerKey: key.publicKey, keys: keys)
    }

    /// Changes the file behind the ledger's back, as someone with access to the disk could.
    var tamper: LedgerFileTampering { LedgerFileTampering(path: path, keys: keys) }

    func expectFailure(at index: UInt64?, mentioning words: String) {
        #expect {
            _ = try audit.verify(path: path)
        } throws: { error in
            guard let failure = error as? LedgerAudit.Failure else { return false }
            return failure.index == index && failure.reason.contains(words)
        }
    }

    @Test("an honest ledger verifies: every leaf, both checkpoints, the subject map and every verdict")
    func honest() async throws {
        let ledger = try await write()
        var reported: [(UInt64, UInt64)] = []
        let summary = try audit.verify(path: path) { reported.append(($0, $1)) }
        #expect(summary.origin == ledger.origin && summary.leaves == 8 && summary.checkpoints == 2)
        #expect(summary.subjects == 2 && summary.verdictsRecomputed == 8)
        #expect(reported.last.map { $0 == (8, 8) } == true)
    }

    @Test("a ledger of several batches, each checked while the next is read: a bad leaf in the first or a later one is named")
    func severalBatches() async throws {
        let ledger = try PartitionLedger(path: path, origin: "audit/events/0", topic: "events", partition: 0, keys: keys)
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        let garbage = (0..<10_000).map { IncomingRecord(value: Array("not an event \($0)".utf8), headers: [], kafkaTimestamp: nil) }
        try await ledger.append(garbage, judgedBy: &rules)
        try await ledger.signCheckpoint(with: try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: key))
        var reported: [UInt64] = []
        let summary = try audit.verify(path: path) { done, total in
            #expect(total == 10_000)
            reported.append(done)
        }
        #expect(summary.leaves == 10_000 && summary.verdictsRecomputed == 10_000)
        #expect(reported.count > 2 && reported == reported.sorted() && reported.last == 10_000)
        for index in [9_000, 10] {
            try tamper.replaceValue(ofLeaf: UInt64(index), with: Array("{}".utf8))
            expectFailure(at: UInt64(index), mentioning: "record's bytes")
        }
    }

    @Test("a leaf's bytes changed: the stored hashes no longer match")
    func leafChanged() async throws {
        _ = try await write()
        var bytes = try tamper.leaf(2)
        bytes[bytes.count - 3] ^= 1
        try tamper.replaceLeaf(2, with: bytes)
        expectFailure(at: 2, mentioning: "stored leaf hash")
    }

    @Test("a record's stored bytes changed: they no longer hash to what the leaf commits to")
    func payloadChanged() async throws {
        _ = try await write()
        try tamper.replaceValue(ofLeaf: 1, with: Array("{}".utf8))
        expectFailure(at: 1, mentioning: "record's bytes")
    }

    @Test("a record's sealed bytes changed without its key, or set to NULL as redacted: gone with no erasure leaf, which fails")
    func payloadGone() async throws {
        _ = try await write()
        try LedgerFileTampering(path: path).replaceValue(ofLeaf: 1, with: Array("{}".utf8))
        expectFailure(at: 1, mentioning: "no erasure leaf ordered it removed")
        try LedgerFileTampering(path: path).redactValue(ofLeaf: 1)
        expectFailure(at: 1, mentioning: "no erasure leaf ordered it removed")
    }

    @Test("a leaf deleted: the gap is named")
    func leafDeleted() async throws {
        _ = try await write()
        try tamper.deleteLeaf(3)
        expectFailure(at: 3, mentioning: "missing")
    }

    @Test("the last leaves truncated: the signed checkpoint covers more than is left")
    func truncated() async throws {
        _ = try await write()
        try tamper.deleteLeaves(from: 6)
        expectFailure(at: nil, mentioning: "covers 8 leaves, but the ledger holds 6")
    }

    @Test("a checkpoint's root changed: its signature fails")
    func checkpointRootChanged() async throws {
        let ledger = try await write()
        let note = try ledger.readSynchronously { try $0.checkpoints()[0].note }
        // The note's third line is the root: put the 8-leaf root under the 4-leaf checkpoint's signature.
        var lines = note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[2] = ledger.root.base64
        try tamper.replaceCheckpoint(size: 4, with: lines.joined(separator: "\n"))
        expectFailure(at: nil, mentioning: "checkpoint at size 4 does not verify")
    }

    @Test("a map checkpoint signed over another subject map: named at its size, before a later bad leaf")
    func mapCheckpointWrong() async throws {
        let ledger = try await write()
        let signer = try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: key)
        let logNote = try ledger.readSynchronously { try $0.checkpoints()[0].note }
        let log = try Checkpoint(text: SignedNote(parsing: Array(logNote.utf8)).text)
        // An insider with the key signs a map that leaves out a subject; a later record is changed as well.
        var mapNote = try SignedNote(text: MapCheckpoint(log: log, keyCount: 1, mapRoot: SubjectMap().rootHash).text)
        try mapNote.sign(with: signer)
        try tamper.replaceMapCheckpoint(size: 4, with: mapNote.formatted)
        try tamper.replaceValue(ofLeaf: 6, with: Array("{}".utf8))
        expectFailure(at: nil, mentioning: "subject map of the first 4 leaves")
    }

    @Test("a checkpoint re-signed with another key: refused")
    func checkpointResigned() async throws {
        let ledger = try await write()
        let other = try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: .init())
        let note = try SignedNote.checkpoint(try Checkpoint(origin: ledger.origin, size: ledger.size, root: ledger.root), signedBy: other)
        try tamper.replaceCheckpoint(size: 8, with: note.formatted)
        expectFailure(at: nil, mentioning: "checkpoint at size 8 does not verify")
    }

    @Test("a verdict flipped by an insider who rehashed and re-signed everything: the rules disagree")
    func verdictFlipped() async throws {
        // The insider's ledger judged with a registry that trusts no key: every verdict says rejected,
        // and every hash, chain link and checkpoint is consistent with that.
        _ = try await write(judgingWith: try InstitutionRegistry(institutions: []))
        expectFailure(at: 0, mentioning: "is not what rules/v1 makes of the record")
    }

    @Test("without a registry, everything but the verdicts is checked: a flipped verdict passes, a changed record does not")
    func structureOnly() async throws {
        let structural = LedgerAudit(trust: nil, ledgerKey: key.publicKey, keys: keys)
        _ = try await write(judgingWith: try InstitutionRegistry(institutions: []))
        let summary = try structural.verify(path: path)
        #expect(summary.leaves == 8 && summary.checkpoints == 2 && summary.verdictsRecomputed == 0)
        try tamper.replaceValue(ofLeaf: 1, with: Array("{}".utf8))
        #expect(throws: LedgerAudit.Failure.self) { _ = try structural.verify(path: path) }
    }

    @Test("a stored tree node changed: proofs read from it would fail, and verify names it")
    func treeNodeChanged() async throws {
        _ = try await write()
        try tamper.replaceNode(level: 2, index: 1, with: Array(repeating: 7, count: 32))
        expectFailure(at: nil, mentioning: "the stored tree node(level 2, index 1) is not the hash of the leaves below it")
    }

    @Test("the next offset to consume moved back: ledgerd would append records it holds, and verify names it")
    func consumedOffsetMovedBack() async throws {
        _ = try await write()
        try tamper.setConsumedNextOffset(3)
        expectFailure(at: nil, mentioning: "the stored next offset to consume, 3, is not past the last leaf's offset")
    }

    @Test("an access's outcome changed in the query index the API lists from: named at its leaf")
    func indexedOutcomeChanged() async throws {
        _ = try await write()
        try tamper.replaceIndexedOutcome(ofLeaf: 4, with: "covered")  // an access after the revocation
        expectFailure(at: 4, mentioning: "its row in the query index (what the API lists) is not what the leaf and its record say")
    }

    @Test("a subject row edited in the materialized state: it disagrees with the leaves")
    func subjectRowEdited() async throws {
        _ = try await write()
        try tamper.inflateSubjectCounts()
        expectFailure(at: nil, mentioning: "subject rows")
    }
}

@Suite("Offline verification under a witness policy", .timeLimit(.minutes(10)))
struct WitnessPolicyAuditTests {
    let base = LedgerAuditTests()
    let witnesses = (0..<3).map { try! NoteSigner(name: "witness-\($0).example", kind: .cosignatureV1, privateKey: .init()) }

    /// The ledger's stored checkpoint at `size`, cosigned by `witness` as `ledgerctl witness` publishes it.
    func cosigned(_ ledger: PartitionLedger, at size: UInt64, by witness: NoteSigner) async throws -> SignedNote {
        let stored = try await ledger.read { reader in try reader.checkpoints().first { $0.size == size }!.note }
        var note = try SignedNote(parsing: Array(stored.utf8))
        try note.sign(with: witness, timestamp: 1_780_000_000)
        return note
    }

    func policy(quorum: Int) -> String {
        "# two of three witnesses\n" + witnesses.map { "witness \($0.verifier.vkey)\n" }.joined() + "quorum \(quorum)\n"
    }

    @Test("the largest checkpoint a quorum cosigned is reported; bad or foreign cosignatures count for nothing")
    func quorum() async throws {
        let ledger = try await base.write()
        for witness in witnesses.prefix(2) {
            #expect(try await ledger.storeCosigned(try await cosigned(ledger, at: 4, by: witness), witness: witness.verifier.name))
        }
        #expect(try await ledger.storeCosigned(try await cosigned(ledger, at: 8, by: witnesses[0]), witness: witnesses[0].verifier.name))
        // Someone else's signature filed under the third witness's name, at 8: it does not make a quorum there.
        let impostor = try NoteSigner(name: witnesses[2].verifier.name, kind: .cosignatureV1, privateKey: .init())
        #expect(try await ledger.storeCosigned(try await cosigned(ledger, at: 8, by: impostor), witness: impostor.verifier.name))
        // A note of a checkpoint this ledger never signed is not kept.
        var foreign = try SignedNote(text: try Checkpoint(origin: ledger.origin, size: 8, root: .zero).text)
        try foreign.sign(with: witnesses[1], timestamp: 1)
        #expect(try await ledger.storeCosigned(foreign, witness: witnesses[1].verifier.name) == false)

        let twoOfThree = LedgerAudit(
            trust: RegistryTrust(bootstrap: base.fixtures.registry, authority: nil), ledgerKey: base.key.publicKey, keys: base.keys,
            witnessPolicy: policy(quorum: 2))
        #expect(try twoOfThree.verify(path: base.path).witnessedSize == 4)
        let one = LedgerAudit(trust: nil, ledgerKey: base.key.publicKey, keys: base.keys, witnessPolicy: policy(quorum: 1))
        #expect(try one.verify(path: base.path).witnessedSize == 8)
        let all = LedgerAudit(trust: nil, ledgerKey: base.key.publicKey, keys: base.keys, witnessPolicy: policy(quorum: 3))
        let error = #expect(throws: LedgerAudit.Failure.self) { try all.verify(path: base.path) }
        #expect(error?.reason == "none of its 2 checkpoints carries the cosignatures of 3 of the policy's 3 witnesses")
        #expect(try LedgerAudit(trust: nil, ledgerKey: base.key.publicKey, keys: base.keys).verify(path: base.path).witnessedSize == nil)
    }

    @Test("a policy naming another log key, or unreadable, is refused with the line at fault")
    func badPolicy() async throws {
        _ = try await base.write()
        let otherLog = try NoteSigner(name: "audit/events/0", kind: .ed25519, privateKey: .init())
        for (text, words) in [
            ("log \(otherLog.verifier.vkey)\n" + policy(quorum: 1), "is not the ledger's key"), ("witnesses 2\n", "line 1"),
        ] {
            let audit = LedgerAudit(trust: nil, ledgerKey: base.key.publicKey, keys: base.keys, witnessPolicy: text)
            let error = #expect(throws: LedgerAudit.Failure.self) { try audit.verify(path: base.path) }
            #expect(
                error?.reason.hasPrefix("the witness policy: ") == true && error?.reason.contains(words) == true, "\(error?.reason ?? "")")
        }
    }
}
