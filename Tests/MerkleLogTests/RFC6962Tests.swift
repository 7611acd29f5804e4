import MerkleLog
import Testing

@Suite("RFC 6962 known answers", .timeLimit(.minutes(10)))
struct RFC6962Tests {
    let leafHashes = ReferenceTree.leaves.map(RFC6962.leafHash)

    @Test("roots of the reference tree at every size 0…8, by definition and incrementally")
    func roots() {
        var frontier = MerkleFrontier()
        #expect(frontier.root == ReferenceTree.roots[0])
        for size in 1...8 {
            #expect(RFC6962.rootHash(leafHashes.prefix(size)) == ReferenceTree.roots[size], "size \(size)")
            frontier.append(leafHashes[size - 1])
            #expect(frontier.root == ReferenceTree.roots[size], "incremental, size \(size)")
        }
    }

    @Test("every complete subtree the frontier finishes is the reference node hash")
    func completedNodes() {
        var frontier = MerkleFrontier()
        var seen: [NodeID: SHA256Hash] = [:]
        for leafHash in leafHashes { frontier.append(leafHash) { seen[$0] = $1 } }
        for (level, hashes) in ReferenceTree.nodes.enumerated() {
            for (index, hash) in hashes.enumerated() {
                #expect(seen[NodeID(level: level, index: UInt64(index))] == hash)
            }
        }
        #expect(seen.count == 15)
    }

    @Test("inclusion proofs are generated and verified as published")
    func inclusion() throws {
        let store = MemoryNodeStore(leafHashes: leafHashes)
        for vector in ReferenceTree.inclusionProofs {
            #expect(try store.inclusionProof(index: vector.index, size: vector.size) == vector.path, "\(vector.index) in \(vector.size)")
            try ProofVerifier.verifyInclusion(
                leafHash: leafHashes[Int(vector.index)], index: vector.index, size: vector.size, proof: vector.path,
                root: ReferenceTree.roots[Int(vector.size)])
        }
    }

    @Test("consistency proofs are generated and verified as published")
    func consistency() throws {
        let store = MemoryNodeStore(leafHashes: leafHashes)
        for vector in ReferenceTree.consistencyProofs {
            #expect(try store.consistencyProof(from: vector.old, to: vector.new) == vector.proof, "\(vector.old) → \(vector.new)")
            try ProofVerifier.verifyConsistency(
                oldSize: vector.old, newSize: vector.new, oldRoot: ReferenceTree.roots[Int(vector.old)],
                newRoot: ReferenceTree.roots[Int(vector.new)], proof: vector.proof)
        }
    }

    @Test("a frontier restored from stored nodes continues the same tree")
    func restoredFrontier() throws {
        let store = MemoryNodeStore(leafHashes: leafHashes.prefix(7))
        var restored = try MerkleFrontier(size: 7, from: store)
        #expect(restored == store.frontier)
        restored.append(leafHashes[7])
        #expect(restored.root == ReferenceTree.roots[8])
    }

    @Test("the split point is the largest power of two below n, not the midpoint")
    func split() {
        for (n, k) in [(2, 1), (3, 2), (4, 2), (5, 4), (8, 4), (9, 8), (1000, 512)] as [(UInt64, UInt64)] {
            #expect(RFC6962.largestPowerOfTwo(below: n) == k)
        }
    }
}
