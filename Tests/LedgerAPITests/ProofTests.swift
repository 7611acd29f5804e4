import ConsentModel
import Foundation
import HummingbirdTesting
import LedgerAPI
import MerkleLog
import Testing

/// The API's answers are checked here with MerkleLog alone, as a citizen's or regulator's own client would.
@Suite("Proofs served by the API", .timeLimit(.minutes(10)))
struct ProofTests {
    struct Position: Decodable { let ledger: String, partition: Int32, index: UInt64, leafHash: String }
    struct MapProof: Decodable { let siblings: [String], leafKey: String?, leafCount: UInt64?, leafChainHead: String? }
    struct SubjectCompleteness: Decodable {
        let ledger: String, partition: Int32, checkpoint: String, mapCheckpoint: String, subjectKey: String, proof: MapProof,
            entries: [Position]
    }
    struct Completeness: Decodable { let ledgers: [SubjectCompleteness], pending: [String] }

    /// What a citizen's client does with a completeness answer: the map checkpoint is the ledger's,
    /// the proof shows the key's (count, head), and the listed leaves chain to exactly that head.
    static func check(_ proof: SubjectCompleteness, entries: [Position], policy: TrustPolicy) throws {
        let map = try policy.verifyMap(try SignedNote(parsing: Array(proof.mapCheckpoint.utf8)))
        #expect(map.log == (try policy.verify(try SignedNote(parsing: Array(proof.checkpoint.utf8)))))
        let path = SubjectMapProof(
            siblings: proof.proof.siblings.map { SHA256Hash(hex: $0)! },
            terminal: proof.proof.leafKey.map {
                .leaf(
                    key: SHA256Hash(hex: $0)!,
                    value: SubjectMapValue(count: proof.proof.leafCount!, chainHead: SHA256Hash(hex: proof.proof.leafChainHead!)!))
            } ?? .empty)
        try path.verifyHistory(
            key: SHA256Hash(hex: proof.subjectKey)!, leafHashes: entries.map { SHA256Hash(hex: $0.leafHash)! }, root: map.mapRoot)
    }

    @Test("a citizen's completeness proof verifies for every ledger, and catches a history with one entry removed")
    func completeness() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let response = try await client.get("/v1/me/completeness", as: .citizenA, fixture: fixture)
            let answer = try JSONDecoder().decode(Completeness.self, from: Data(buffer: response.body))
            #expect(answer.pending.isEmpty)
            #expect(answer.ledgers.map(\.entries.count) == [6, 1], "leaf 6 of partition 0 is newer than the checkpoint")
            for proof in answer.ledgers {
                let policy = try fixture.policy(Int(proof.partition))
                try Self.check(proof, entries: proof.entries, policy: policy)
                for removed in proof.entries.indices {
                    var shortened = proof.entries
                    shortened.remove(at: removed)
                    #expect(throws: MerkleLogError.self) { try Self.check(proof, entries: shortened, policy: policy) }
                }
            }
            // Citizen B has nothing in partition 0: the proof there shows absence.
            let other = try JSONDecoder().decode(
                Completeness.self, from: Data(buffer: try await client.get("/v1/me/completeness", as: .citizenB, fixture: fixture).body))
            #expect(other.ledgers.map(\.entries.count) == [0, 3])
            for proof in other.ledgers { try Self.check(proof, entries: proof.entries, policy: try fixture.policy(Int(proof.partition))) }
        }
    }

    @Test("an entry's offline proof bundle verifies under the ledger's key, and a newer entry waits for its checkpoint")
    func entryBundle() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let response = try await client.get("/v1/me/entries/0/1/proof", as: .citizenA, fixture: fixture)
            #expect(response.type?.hasPrefix("text/plain") == true)
            let bundle = try ProofBundle(text: String(buffer: response.body))
            let checkpoint = try bundle.verify(policy: try fixture.policy(0))
            #expect(bundle.index == 1 && checkpoint.size == 6)
            #expect(bundle.leaf == (try await fixture.ledgers[0].read { try $0.leaf(at: 1) }))

            let pending = try await client.get("/v1/me/entries/0/6/proof", as: .citizenA, fixture: fixture)
            #expect(pending.status == .conflict)
            #expect(String(buffer: pending.body).contains("retry"))
        }
    }

    @Test("a regulator's inclusion and consistency proofs verify against the signed checkpoints")
    func regulatorProofs() async throws {
        struct Inclusion: Decodable { let index: UInt64, treeSize: UInt64, leafHash: String, hashes: [String] }
        struct Consistency: Decodable { let from: UInt64, to: UInt64, hashes: [String] }
        struct Summary: Decodable { let partition: Int32, size: UInt64, root: String, checkpoint: String? }
        let fixture = try await APIFixture()
        let policy = try fixture.policy(0)
        try await fixture.application.test(.router) { client in
            let summaries = try JSONDecoder().decode(
                [Summary].self, from: Data(buffer: try await client.get("/v1/ledgers", as: .regulator, fixture: fixture).body))
            #expect(summaries.map(\.size) == [7, 4])
            let checkpoint = try policy.verify(try SignedNote(parsing: Array(summaries[0].checkpoint!.utf8)))
            #expect(checkpoint.size == 6)

            for index in 0..<6 {
                let byIndex = try JSONDecoder().decode(
                    Inclusion.self,
                    from: Data(
                        buffer: try await client.get("/v1/ledgers/0/proofs/inclusion?index=\(index)", as: .regulator, fixture: fixture).body
                    ))
                try ProofVerifier.verifyInclusion(
                    leafHash: SHA256Hash(hex: byIndex.leafHash)!, index: byIndex.index, size: byIndex.treeSize,
                    proof: byIndex.hashes.map { SHA256Hash(hex: $0)! }, root: checkpoint.root)
                let byHash = try JSONDecoder().decode(
                    Inclusion.self,
                    from: Data(
                        buffer: try await client.get(
                            "/v1/ledgers/0/proofs/inclusion?leafHash=\(byIndex.leafHash)", as: .regulator, fixture: fixture
                        ).body))
                #expect(byHash.index == UInt64(index) && byHash.hashes == byIndex.hashes)
            }
            let current = SHA256Hash(hex: summaries[0].root)!
            let consistency = try JSONDecoder().decode(
                Consistency.self,
                from: Data(
                    buffer: try await client.get("/v1/ledgers/0/proofs/consistency?from=6&to=7", as: .regulator, fixture: fixture).body))
            try ProofVerifier.verifyConsistency(
                oldSize: 6, newSize: 7, oldRoot: checkpoint.root, newRoot: current, proof: consistency.hashes.map { SHA256Hash(hex: $0)! })
        }
    }

    @Test("a regulator's subject proof shows a subject's count and head, or its absence")
    func subjectProof() async throws {
        let fixture = try await APIFixture()
        let policy = try fixture.policy(1)
        let keyA = SubjectReference(subject: APIFixture.citizenA, secret: fixture.fixtures.secret).hex
        try await fixture.application.test(.router) { client in
            let present = try JSONDecoder().decode(
                SubjectCompleteness.self,
                from: Data(buffer: try await client.get("/v1/ledgers/1/subjects/\(keyA)/proof", as: .regulator, fixture: fixture).body))
            #expect(present.entries.isEmpty && present.proof.leafCount == 1)
            let absentKey = String(repeating: "0", count: 64)
            let absent = try JSONDecoder().decode(
                SubjectCompleteness.self,
                from: Data(buffer: try await client.get("/v1/ledgers/1/subjects/\(absentKey)/proof", as: .regulator, fixture: fixture).body)
            )
            try Self.check(absent, entries: [], policy: policy)
        }
    }
}
