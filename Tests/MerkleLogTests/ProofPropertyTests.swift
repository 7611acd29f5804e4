import MerkleLog
import Testing

@Suite("Proofs over many tree sizes", .timeLimit(.minutes(10)))
struct ProofPropertyTests {
    static let sizes: [UInt64] = [
        1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 1023, 1024, 1025, 4095, 4096,
        4097,
    ]
    static let largest = Int(sizes.max()!)
    static let leafHashes = (0..<largest).map { RFC6962.leafHash([UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)]) }
    static let store = MemoryNodeStore(leafHashes: leafHashes)

    /// A handful of indices that cover both edges and the middle, and every index of small trees.
    static func sample(below size: UInt64) -> [UInt64] {
        size <= 17 ? Array(0..<size) : Array(Set([0, 1, size / 3, size / 2, size - 2, size - 1, (size - 1) & ~1]))
    }

    @Test("roots from stored nodes equal the recursive definition", arguments: sizes)
    func roots(size: UInt64) throws {
        #expect(try Self.store.rootHash(size: size) == RFC6962.rootHash(Self.leafHashes.prefix(Int(size))))
    }

    @Test("every sampled inclusion proof verifies, and no tampered one does", arguments: sizes)
    func inclusion(size: UInt64) throws {
        let root = try Self.store.rootHash(size: size)
        for index in Self.sample(below: size) {
            let leaf = Self.leafHashes[Int(index)]
            let proof = try Self.store.inclusionProof(index: index, size: size)
            try ProofVerifier.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root)

            func rejects(
                _ what: String, leaf: SHA256Hash = leaf, index: UInt64 = index, size: UInt64 = size, proof: [SHA256Hash] = proof,
                root: SHA256Hash = root
            ) {
                #expect(throws: MerkleLogError.self, "\(what) accepted for leaf \(index) of \(size)") {
                    try ProofVerifier.verifyInclusion(leafHash: leaf, index: index, size: size, proof: proof, root: root)
                }
            }
            rejects("a flipped leaf bit", leaf: leaf.flipping(bit: Int(index % 256)))
            rejects("a flipped root bit", root: root.flipping(bit: 7))
            for (position, hash) in proof.enumerated() {
                var tampered = proof
                tampered[position] = hash.flipping(bit: position)
                rejects("a flipped proof bit", proof: tampered)
            }
            for bit in 0..<13 where index ^ (1 << bit) != index {
                let other = index ^ (1 << bit)
                // Another index only verifies if it truly holds the same leaf, which these distinct leaves never do.
                rejects("a wrong index", index: other)
            }
            // Another size is another tree: the proof must not verify against that tree's own root.
            for bit in 0..<13 {
                let other = size ^ (1 << bit)
                guard other > index, other <= UInt64(Self.largest) else { continue }
                rejects("a wrong size", size: other, root: try Self.store.rootHash(size: other))
            }
            if !proof.isEmpty { rejects("a shortened proof", proof: Array(proof.dropLast())) }
            rejects("a lengthened proof", proof: proof + [leaf])
        }
    }

    @Test("every sampled consistency proof verifies, and no tampered one does", arguments: sizes)
    func consistency(size: UInt64) throws {
        let newRoot = try Self.store.rootHash(size: size)
        for old in Self.sample(below: size + 1) where old > 0 {
            let oldRoot = try Self.store.rootHash(size: old)
            let proof = try Self.store.consistencyProof(from: old, to: size)
            try ProofVerifier.verifyConsistency(oldSize: old, newSize: size, oldRoot: oldRoot, newRoot: newRoot, proof: proof)

            func rejects(
                _ what: String, old: UInt64 = old, new: UInt64 = size, oldRoot: SHA256Hash = oldRoot, newRoot: SHA256Hash = newRoot,
                proof: [SHA256Hash] = proof
            ) {
                #expect(throws: MerkleLogError.self, "\(what) accepted for \(old) → \(new)") {
                    try ProofVerifier.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
                }
            }
            rejects("a flipped old root", oldRoot: oldRoot.flipping(bit: 3))
            rejects("a flipped new root", newRoot: newRoot.flipping(bit: 3))
            for (position, hash) in proof.enumerated() {
                var tampered = proof
                tampered[position] = hash.flipping(bit: 200)
                rejects("a flipped proof bit", proof: tampered)
            }
            if old < size {
                rejects("an old size one larger", old: old + 1)
                if size < UInt64(Self.largest) {
                    rejects("a new size one larger", new: size + 1, newRoot: try Self.store.rootHash(size: size + 1))
                }
                rejects("a truncated proof", proof: Array(proof.dropLast()))
            }
        }
    }

    @Test("proofs for positions outside the tree are refused")
    func outOfRange() {
        #expect(throws: MerkleLogError.self) { try Self.store.inclusionProof(index: 8, size: 8) }
        #expect(throws: MerkleLogError.self) { try Self.store.consistencyProof(from: 0, to: 8) }
        #expect(throws: MerkleLogError.self) { try Self.store.consistencyProof(from: 9, to: 8) }
        #expect(throws: MerkleLogError.self) { try Self.store.rootHash(size: UInt64(Self.largest) + 1) }
    }
}

extension SHA256Hash {
    func flipping(bit: Int) -> SHA256Hash {
        var bytes = self.bytes
        bytes[bit / 8 % 32] ^= 1 << (bit % 8)
        return SHA256Hash(bytes: bytes)!
    }
}

@Suite("Proof cost", .timeLimit(.minutes(10)))
struct ProofCostTests {
    /// Counts how many stored nodes a proof reads.
    final class CountingSource: MerkleNodeSource {
        let store: MemoryNodeStore
        var reads = 0
        init(_ store: MemoryNodeStore) { self.store = store }
        func hash(of node: NodeID) throws -> SHA256Hash {
            reads += 1
            return try store.hash(of: node)
        }
    }

    @Test("any proof reads at most 2·log2(n) + 2 stored nodes")
    func logarithmicReads() throws {
        let source = CountingSource(ProofPropertyTests.store)
        for size in ProofPropertyTests.sizes where size > 1 {
            let bound = 2 * (64 - size.leadingZeroBitCount) + 2
            for index in ProofPropertyTests.sample(below: size) {
                source.reads = 0
                _ = try source.inclusionProof(index: index, size: size)
                #expect(source.reads <= bound, "inclusion of \(index) in \(size) read \(source.reads) nodes")
                source.reads = 0
                _ = try source.consistencyProof(from: index + 1, to: size)
                #expect(source.reads <= bound, "consistency \(index + 1) → \(size) read \(source.reads) nodes")
            }
        }
    }
}
