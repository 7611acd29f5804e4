import MerkleLog
import Testing

@Suite("Subject map", .timeLimit(.minutes(10)))
struct SubjectMapTests {
    static func key(_ i: Int) -> SHA256Hash { SHA256Hash.of(Array("subject-\(i)".utf8)) }
    static func value(_ i: Int) -> SubjectMapValue { SubjectMapValue(count: UInt64(i + 1), chainHead: SHA256Hash.of([UInt8(i % 256)])) }
    static let entries = Dictionary(uniqueKeysWithValues: (0..<500).map { (key($0), value($0)) })

    @Test("keys order byte by byte, the order the map's shape is built in")
    func keyOrder() {
        // Random keys, and keys that differ only in their first or their last byte.
        let edges = [[0x00], [0x01], [0xff]].flatMap { byte in
            [byte + [UInt8](repeating: 0, count: 31), [UInt8](repeating: 0x80, count: 31) + byte]
        }
        let keys = (0..<200).map(Self.key) + edges.map { SHA256Hash(bytes: $0)! }
        #expect(keys.sorted().map(\.bytes) == keys.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) })
    }

    @Test("the empty map's root is 32 zero bytes, and a one-key map's root is that key's leaf")
    func smallMaps() {
        var map = SubjectMap()
        #expect(map.rootHash == .zero)
        map.update(key: Self.key(0), value: Self.value(0))
        #expect(map.rootHash == SubjectMap.leafHash(key: Self.key(0), value: Self.value(0)))
        #expect(map.count == 1)
    }

    @Test("the root depends only on the contents: one batch, one key at a time, or shuffled batches")
    func orderIndependent() {
        var batch = SubjectMap()
        batch.update(Self.entries)
        var single = SubjectMap()
        for (key, value) in Self.entries.shuffled() { single.update(key: key, value: value) }
        var chunks = SubjectMap()
        let shuffled = Self.entries.shuffled()
        for start in stride(from: 0, to: shuffled.count, by: 37) {
            chunks.update(Dictionary(uniqueKeysWithValues: shuffled[start..<min(start + 37, shuffled.count)].map { ($0.key, $0.value) }))
        }
        #expect(batch.rootHash == single.rootHash)
        #expect(batch.rootHash == chunks.rootHash)
        #expect(batch.count == 500)
    }

    @Test("updating a key changes the root, and updating it back restores it")
    func updates() {
        var map = SubjectMap()
        map.update(Self.entries)
        let before = map.rootHash
        map.update(key: Self.key(7), value: SubjectMapValue(count: 99, chainHead: .zero))
        #expect(map.rootHash != before)
        #expect(map.value(for: Self.key(7))?.count == 99)
        map.update(key: Self.key(7), value: Self.value(7))
        #expect(map.rootHash == before)
        #expect(map.count == 500)
    }

    @Test("a copy keeps its contents, root and proofs while the original is updated (nodes are shared, then copied)")
    func copies() throws {
        var map = SubjectMap()
        map.update(Self.entries)
        let snapshot = map
        let root = snapshot.rootHash
        var changed: [SHA256Hash: SubjectMapValue] = [:]
        for n in stride(from: 0, to: 500, by: 7) { changed[Self.key(n)] = SubjectMapValue(count: 1_000, chainHead: .zero) }
        changed[SHA256Hash.of(Array("a new subject".utf8))] = Self.value(1)
        map.update(changed)
        #expect(map.rootHash != root && map.count == 501)
        #expect(snapshot.rootHash == root && snapshot.count == 500)
        #expect(snapshot.value(for: Self.key(7)) == Self.value(7) && map.value(for: Self.key(7))?.count == 1_000)
        try snapshot.proof(for: Self.key(7)).verify(key: Self.key(7), value: Self.value(7), root: root)
        var rebuilt = SubjectMap()
        rebuilt.update(Self.entries.merging(changed) { _, new in new })
        #expect(rebuilt.rootHash == map.rootHash, "updating in place gives the root of the same contents built afresh")
    }

    @Test("proofs of presence verify, and of a different value do not")
    func presence() throws {
        var map = SubjectMap()
        map.update(Self.entries)
        for i in stride(from: 0, to: 500, by: 23) {
            let proof = map.proof(for: Self.key(i))
            try proof.verify(key: Self.key(i), value: Self.value(i), root: map.rootHash)
            #expect(throws: MerkleLogError.self) { try proof.verify(key: Self.key(i), value: Self.value(i + 1), root: map.rootHash) }
            #expect(throws: MerkleLogError.self) { try proof.verify(key: Self.key(i), value: nil, root: map.rootHash) }
            #expect(proof.siblings.count < 30, "a map of 500 keys should be about 9 deep, not \(proof.siblings.count)")
        }
    }

    @Test("proofs of absence verify, and cannot be turned into presence")
    func absence() throws {
        var map = SubjectMap()
        map.update(Self.entries)
        for i in 500..<540 {
            let proof = map.proof(for: Self.key(i))
            try proof.verify(key: Self.key(i), value: nil, root: map.rootHash)
            #expect(throws: MerkleLogError.self) { try proof.verify(key: Self.key(i), value: Self.value(i), root: map.rootHash) }
        }
        try SubjectMap().proof(for: Self.key(1)).verify(key: Self.key(1), value: nil, root: .zero)
    }

    @Test("tampering with a proof or the root fails verification")
    func tampering() throws {
        var map = SubjectMap()
        map.update(Self.entries)
        let proof = map.proof(for: Self.key(42))
        for position in proof.siblings.indices {
            var siblings = proof.siblings
            siblings[position] = siblings[position].flipping(bit: 9)
            #expect(throws: MerkleLogError.self) {
                try SubjectMapProof(siblings: siblings, terminal: proof.terminal).verify(
                    key: Self.key(42), value: Self.value(42), root: map.rootHash)
            }
        }
        #expect(throws: MerkleLogError.self) {
            try proof.verify(key: Self.key(42), value: Self.value(42), root: map.rootHash.flipping(bit: 0))
        }
        // Another key's proof of presence does not prove this key's absence.
        let other = map.proof(for: Self.key(43))
        #expect(throws: MerkleLogError.self) { try other.verify(key: Self.key(42), value: nil, root: map.rootHash) }
    }

    @Test("a map checkpoint names its log checkpoint, survives its text form, and verifies under the policy")
    func mapCheckpoint() throws {
        var map = SubjectMap()
        map.update(Self.entries)
        let signer = try NoteSigner.generate(name: "consent-ledger.example/events.v1/0")
        let log = try Checkpoint(origin: signer.verifier.name, size: 1234, root: SHA256Hash.of([1]))
        let statement = MapCheckpoint(log: log, keyCount: UInt64(map.count), mapRoot: map.rootHash)
        #expect(try MapCheckpoint(text: statement.text) == statement)
        var note = try SignedNote(text: statement.text)
        try note.sign(with: signer)
        let policy = try TrustPolicy(log: signer.verifier)
        #expect(try policy.verifyMap(SignedNote(parsing: Array(note.formatted.utf8))) == statement)
        // A map checkpoint is not a log checkpoint, and cannot be passed off as one.
        #expect(throws: MerkleLogError.self) { try policy.verify(note) }
    }
}
