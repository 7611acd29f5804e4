/// Verification of inclusion and consistency proofs, by the algorithms of RFC 9162 §2.1.3.2 and
/// §2.1.4.2, step for step.
public enum ProofVerifier {
    /// Checks that `leafHash` is leaf `index` of the tree of `size` leaves whose root is `root`.
    public static func verifyInclusion(
        leafHash: SHA256Hash,
        index: UInt64,
        size: UInt64,
        proof: [SHA256Hash],
        root: SHA256Hash
    ) throws {
        guard index < size else {
            throw MerkleLogError(.outOfRange, "leaf \(index) is not in a tree of \(size) leaves")
        }
        var (fn, sn, r) = (index, size - 1, leafHash)
        for p in proof {
            guard sn != 0 else {
                throw MerkleLogError(
                    .invalidProof, "the inclusion proof has \(proof.count) hashes, more than a tree of \(size) leaves needs")
            }
            if fn & 1 == 1 || fn == sn {
                r = RFC6962.nodeHash(p, r)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                r = RFC6962.nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw MerkleLogError(.invalidProof, "the inclusion proof has \(proof.count) hashes, fewer than a tree of \(size) leaves needs")
        }
        guard r == root else {
            throw MerkleLogError(.invalidProof, "leaf \(index) with this proof gives root \(r), not \(root)")
        }
    }

    /// Checks that the tree of `newSize` leaves with root `newRoot` extends the tree of `oldSize`
    /// leaves with root `oldRoot`.
    public static func verifyConsistency(
        oldSize: UInt64,
        newSize: UInt64,
        oldRoot: SHA256Hash,
        newRoot: SHA256Hash,
        proof: [SHA256Hash]
    ) throws {
        guard oldSize <= newSize else {
            throw MerkleLogError(.outOfRange, "a tree of \(newSize) leaves cannot extend one of \(oldSize)")
        }
        if oldSize == newSize {
            guard proof.isEmpty else { throw MerkleLogError(.invalidProof, "equal sizes need an empty proof") }
            guard oldRoot == newRoot else {
                throw MerkleLogError(.invalidProof, "two trees of \(oldSize) leaves with different roots: the log forked")
            }
            return
        }
        if oldSize == 0 { return }  // every tree extends the empty tree
        guard !proof.isEmpty else { throw MerkleLogError(.invalidProof, "the consistency proof is empty") }

        var path = proof[...]
        let oldIsPowerOfTwo = oldSize & (oldSize - 1) == 0
        var (fn, sn) = (oldSize - 1, newSize - 1)
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        let first = oldIsPowerOfTwo ? oldRoot : path.removeFirst()
        var (fr, sr) = (first, first)
        for c in path {
            guard sn != 0 else {
                throw MerkleLogError(.invalidProof, "the consistency proof has more hashes than \(oldSize) → \(newSize) needs")
            }
            if fn & 1 == 1 || fn == sn {
                fr = RFC6962.nodeHash(c, fr)
                sr = RFC6962.nodeHash(c, sr)
                while fn & 1 == 0 && fn != 0 {
                    fn >>= 1
                    sn >>= 1
                }
            } else {
                sr = RFC6962.nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw MerkleLogError(.invalidProof, "the consistency proof has fewer hashes than \(oldSize) → \(newSize) needs")
        }
        guard fr == oldRoot else {
            throw MerkleLogError(.invalidProof, "the proof does not lead to the old root: the tree of \(oldSize) leaves was rewritten")
        }
        guard sr == newRoot else {
            throw MerkleLogError(.invalidProof, "the proof does not lead to the new root of \(newSize) leaves")
        }
    }
}
