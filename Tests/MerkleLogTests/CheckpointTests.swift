import Foundation
import MerkleLog
import Testing

@Suite("Checkpoints, policies and proof bundles", .timeLimit(.minutes(10)))
struct CheckpointTests {
    let origin = "consent-ledger.example/events.v1/3"
    let log: NoteSigner
    let witnesses: [NoteSigner]
    let store = MemoryNodeStore(leafHashes: (0..<10).map { RFC6962.leafHash([UInt8($0)]) })

    init() throws {
        log = try NoteSigner.generate(name: origin)
        witnesses = try (1...3).map { try NoteSigner.generate(name: "witness\($0).example", kind: .cosignatureV1) }
    }

    func signedCheckpoint(size: UInt64 = 10, cosignedBy count: Int) throws -> SignedNote {
        var note = try SignedNote.checkpoint(Checkpoint(origin: origin, size: size, root: try store.rootHash(size: size)), signedBy: log)
        for witness in witnesses.prefix(count) { try note.sign(with: witness, timestamp: 1_800_000_000) }
        return note
    }

    @Test("the C2SP checkpoint example parses and prints back unchanged")
    func c2spExample() throws {
        let text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
        let checkpoint = try Checkpoint(text: text)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.size == 20_852_163)
        #expect(checkpoint.text == text)
    }

    @Test(
        "malformed checkpoints are refused with the line at fault",
        arguments: [
            ("o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "line 2 \"01\""),
            ("o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "line 2 \"-1\""),
            ("o\n18446744073709551616\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "below 2^64"),
            ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2\n", "line 3"),
            ("o\n1\n", "at least 3 lines"),
            ("\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", "origin"),
            ("o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n", "extension lines must be non-empty"),
        ])
    func malformed(text: String, reason: String) {
        let error = #expect(throws: MerkleLogError.self) { try Checkpoint(text: text) }
        #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "")")
    }

    @Test("a policy of the log key and 2 of 3 witnesses accepts two cosignatures and refuses one")
    func quorum() throws {
        let policy = try TrustPolicy(log: log.verifier, witnesses: witnesses.map(\.verifier), quorum: 2)
        let checkpoint = try policy.verify(signedCheckpoint(cosignedBy: 2))
        #expect(checkpoint.size == 10)
        let error = #expect(throws: MerkleLogError.self) { try policy.verify(signedCheckpoint(cosignedBy: 1)) }
        #expect(error?.code == .policyNotMet)
        #expect(error?.reason == "1 of the required 2 witnesses cosigned the checkpoint")
    }

    @Test("a checkpoint without the log's signature, or for another origin, is refused")
    func logSignatureAndOrigin() throws {
        let policy = try TrustPolicy(log: log.verifier, witnesses: witnesses.map(\.verifier), quorum: 1)
        var witnessedOnly = try SignedNote(text: try Checkpoint(origin: origin, size: 1, root: .zero).text)
        try witnessedOnly.sign(with: witnesses[0], timestamp: 1)
        #expect(throws: MerkleLogError.self) { try policy.verify(witnessedOnly) }

        var otherOrigin = try SignedNote(text: try Checkpoint(origin: "elsewhere", size: 1, root: .zero).text)
        try otherOrigin.sign(with: log)
        try otherOrigin.sign(with: witnesses[0], timestamp: 1)
        let error = #expect(throws: MerkleLogError.self) { try policy.verify(otherOrigin) }
        #expect(error?.reason.contains("origin \"elsewhere\"") == true)
    }

    @Test("a policy survives its text form, and bad policies say which line is wrong")
    func policyText() throws {
        let policy = try TrustPolicy(log: log.verifier, witnesses: witnesses.map(\.verifier), quorum: 2)
        #expect(try TrustPolicy(text: "# regulator's policy\n" + policy.text) == policy)
        #expect(throws: MerkleLogError.self) { try TrustPolicy(text: "witness \(witnesses[0].verifier.vkey)\n") }
        let error = #expect(throws: MerkleLogError.self) { try TrustPolicy(text: "log \(log.verifier.vkey)\nquorum 1\n") }
        #expect(error?.reason.contains("quorum of 1 cannot be met by 0 witnesses") == true)
        let unknown = #expect(throws: MerkleLogError.self) { try TrustPolicy(text: "log \(log.verifier.vkey)\nwitnesses 2\n") }
        #expect(unknown?.reason.contains("line 2") == true)
        // A file of witnesses for a log whose key is given apart; one that names another log is refused.
        let witnessesOnly = witnesses.map { "witness \($0.verifier.vkey)\n" }.joined() + "quorum 2\n"
        #expect(try TrustPolicy(text: witnessesOnly, log: log.verifier) == policy)
        #expect(try TrustPolicy(text: policy.text, log: log.verifier) == policy)
        let other = try NoteSigner(name: "elsewhere", kind: .ed25519, privateKey: .init())
        let mismatch = #expect(throws: MerkleLogError.self) { try TrustPolicy(text: policy.text, log: other.verifier) }
        #expect(mismatch?.reason.contains("is not the ledger's key elsewhere") == true)
    }

    @Test("a policy may name the ledger's subject key once, as base64 of 49 bytes, and keeps it through its text form")
    func policySubjectKey() throws {
        let key = [UInt8](repeating: 3, count: 49)
        let policy = try TrustPolicy(log: log.verifier, subjectKey: key)
        #expect(policy.text.hasSuffix("subject-key \(Data(key).base64EncodedString())\n"))
        #expect(try TrustPolicy(text: policy.text) == policy)
        #expect(try TrustPolicy.subjectKey(inPolicy: policy.text) == key)
        #expect(try TrustPolicy.subjectKey(inPolicy: "quorum 0\n") == nil)
        let logLine = "log \(log.verifier.vkey)\n"
        for bad in [
            logLine + "subject-key AAAA", logLine + "subject-key not-base64",
            policy.text + "subject-key \(Data(key).base64EncodedString())",
        ] {
            let error = #expect(throws: MerkleLogError.self) { try TrustPolicy(text: bad) }
            #expect(error?.reason.contains("subject key") == true, "\(bad)")
        }
    }

    @Test("a proof bundle round-trips through text and verifies offline with the policy alone")
    func bundle() throws {
        let policy = try TrustPolicy(log: log.verifier, witnesses: witnesses.map(\.verifier), quorum: 2)
        let bundle = ProofBundle(
            leaf: [7], index: 7, proof: try store.inclusionProof(index: 7, size: 10), checkpoint: try signedCheckpoint(cosignedBy: 2))
        let text = bundle.text
        #expect(text.hasPrefix("c2sp.org/tlog-proof@v1\nextra Bw==\nindex 7\n"))
        let parsed = try ProofBundle(text: text)
        #expect(parsed == bundle)
        #expect(try parsed.verify(policy: policy).size == 10)

        let otherLeaf = ProofBundle(leaf: [8], index: 7, proof: bundle.proof, checkpoint: bundle.checkpoint)
        #expect(throws: MerkleLogError.self) { try otherLeaf.verify(policy: policy) }
        let tamperedText = text.replacingOccurrences(of: "index 7", with: "index 6")
        #expect(throws: MerkleLogError.self) { try ProofBundle(text: tamperedText).verify(policy: policy) }
        #expect(throws: MerkleLogError.self) { try ProofBundle(text: "c2sp.org/tlog-proof@v1\nindex 7\n\n" + bundle.checkpoint.formatted) }
    }
}
