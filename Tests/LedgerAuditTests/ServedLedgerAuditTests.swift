import ConsentFixtures
import ConsentModel
import Foundation
import LedgerAudit
import LedgerClient
import LedgerStore
import MerkleLog
import Testing

/// The same ledger as ``LedgerAuditTests``, checked through a ledgerd's API rather than its file: what the
/// server serves is held to the same checks, and a server that lies fails them the same way.
@Suite("Verification of a ledger as a ledgerd serves it", .timeLimit(.minutes(10)))
struct ServedLedgerAuditTests {
    let base = LedgerAuditTests()

    /// Checks `ledger` as the real API serves it, with a regulator's token.
    func verifyServed(_ ledger: PartitionLedger, with audit: LedgerAudit? = nil) async throws -> LedgerAudit.Summary {
        try await servingAPI([ledger], registry: base.fixtures.registry, secret: base.fixtures.secret) { url, token in
            let api = LedgerAPIClient(url: url, token: try await token(.regulator, "regulator-1"))
            let listed = try await api.ledgers()
            try #require(listed.count == 1)
            return try await (audit ?? base.audit).verify(listed[0], servedBy: api)
        }
    }

    func expectFailure(_ ledger: PartitionLedger, at index: UInt64?, mentioning words: String) async {
        let error = await #expect(throws: LedgerAudit.Failure.self) { try await verifyServed(ledger) }
        #expect(error?.index == index && error?.reason.contains(words) == true, "\(String(describing: error))")
    }

    @Test("an honest ledger verifies as served exactly as from its file")
    func honest() async throws {
        let ledger = try await base.write()
        let fromFile = try base.audit.verify(path: base.path)
        #expect(try await verifyServed(ledger) == fromFile)
        #expect(fromFile.leaves == 8 && fromFile.verdictsRecomputed == 8 && fromFile.subjects == 2)
    }

    @Test("a record changed on the server: its bytes no longer hash to what the leaf commits to")
    func payloadChanged() async throws {
        let ledger = try await base.write()
        try base.tamper.replaceValue(ofLeaf: 1, with: Array("{}".utf8))
        await expectFailure(ledger, at: 1, mentioning: "record's bytes")
    }

    @Test("a record's signature header stripped on the server: the verdict recomputed differs")
    func headersChanged() async throws {
        let ledger = try await base.write()
        try base.tamper.replaceHeaders(ofLeaf: 0, with: [0, 0, 0, 0])
        await expectFailure(ledger, at: 0, mentioning: "is not what rules/v1 makes of the record")
    }

    @Test("an insider's verdicts, consistent with every hash and signature: the rules disagree")
    func verdictFlipped() async throws {
        let ledger = try await base.write(judgingWith: try InstitutionRegistry(institutions: []))
        await expectFailure(ledger, at: 0, mentioning: "is not what rules/v1 makes of the record")
    }

    @Test("a checkpoint re-signed with another key: refused")
    func checkpointResigned() async throws {
        let ledger = try await base.write()
        let other = try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: .init())
        let note = try SignedNote.checkpoint(try Checkpoint(origin: ledger.origin, size: ledger.size, root: ledger.root), signedBy: other)
        try base.tamper.replaceCheckpoint(size: 8, with: note.formatted)
        await expectFailure(ledger, at: nil, mentioning: "checkpoint at size 8 does not verify")
    }

    @Test("leaves gone from the server's disk: the check stops where they are missing")
    func truncated() async throws {
        let ledger = try await base.write()
        try base.tamper.deleteLeaves(from: 6)
        await expectFailure(ledger, at: nil, mentioning: "served 6 leaves for 0..<8")
    }

    @Test("a ledgerd that cannot be reached: the ledger fails, naming the call and why, in one line")
    func unreachable() async throws {
        let ledger = try await base.write()
        let listed = try await servingAPI([ledger], registry: base.fixtures.registry, secret: base.fixtures.secret) { url, token in
            try await LedgerAPIClient(url: url, token: try await token(.regulator, "regulator-1")).ledgers()[0]
        }
        // Nothing listens on port 1 (tcpmux) here.
        let gone = LedgerAPIClient(url: URL(string: "http://127.0.0.1:1")!, token: "unused")
        let error = await #expect(throws: LedgerAudit.Failure.self) { try await base.audit.verify(listed, servedBy: gone) }
        #expect(error?.index == nil && error?.origin == ledger.origin)
        #expect(error?.reason.hasPrefix("ledgerd at http://127.0.0.1:1, listCheckpoints: ") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("\n") == false)
    }

    @Test("the witnesses' cosignatures are served with the checkpoints and count as they do in the file")
    func witnessed() async throws {
        let ledger = try await base.write()
        let policy = WitnessPolicyAuditTests()
        for witness in policy.witnesses.prefix(2) {
            #expect(try await ledger.storeCosigned(try await policy.cosigned(ledger, at: 4, by: witness), witness: witness.verifier.name))
        }
        let twoOfThree = LedgerAudit(trust: nil, ledgerKey: base.key.publicKey, keys: base.keys, witnessPolicy: policy.policy(quorum: 2))
        #expect(try await verifyServed(ledger, with: twoOfThree).witnessedSize == 4)
        let all = LedgerAudit(trust: nil, ledgerKey: base.key.publicKey, keys: base.keys, witnessPolicy: policy.policy(quorum: 3))
        await #expect(throws: LedgerAudit.Failure.self) { try await verifyServed(ledger, with: all) }
    }
}
