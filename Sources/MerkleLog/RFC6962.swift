import Crypto

/// The hashing of RFC 6962 §2.1 (RFC 9162 §2.1.1): domain-separated leaf and node hashes.
public enum RFC6962 {
    /// The root of the empty tree: SHA-256 of no bytes.
    public static let emptyRoot = SHA256Hash(SHA256.hash(data: [UInt8]()))

    /// SHA-256(0x00 ‖ leaf).
    public static func leafHash(_ leaf: [UInt8]) -> SHA256Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        leaf.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return SHA256Hash(hasher.finalize())
    }

    /// SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: SHA256Hash, _ right: SHA256Hash) -> SHA256Hash {
        SHA256Hash.of(byteCount: 65) { buffer in
            buffer[0] = 0x01
            left.write(into: buffer, at: 1)
            right.write(into: buffer, at: 33)
        }
    }

    /// The Merkle tree hash of a list of leaf hashes, by the recursive definition (MTH). O(n);
    /// the reference against which the incremental tree and the proofs are tested.
    public static func rootHash(_ leafHashes: some RandomAccessCollection<SHA256Hash>) -> SHA256Hash {
        guard !leafHashes.isEmpty else { return emptyRoot }
        if leafHashes.count == 1 { return leafHashes.first! }
        let k = largestPowerOfTwo(below: UInt64(leafHashes.count))
        let split = leafHashes.index(leafHashes.startIndex, offsetBy: Int(k))
        return nodeHash(rootHash(leafHashes[..<split]), rootHash(leafHashes[split...]))
    }

    /// The largest power of two strictly less than `n` (n ≥ 2): where RFC 6962 splits a tree of n leaves.
    public static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        precondition(n >= 2, "a tree of \(n) leaves has no split")
        return 1 << (63 - (n - 1).leadingZeroBitCount)
    }
}
