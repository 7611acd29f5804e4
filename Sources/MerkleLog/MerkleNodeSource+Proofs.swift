/// Proof generation per RFC 9162 §2.1.3.1 and §2.1.4.1, from complete-subtree hashes only.
///
/// Every range the RFC's recursion visits starts on a multiple of a power of two at least as large
/// as the range, so its hash is one stored node, or one stored node and the hash of a smaller such
/// range to its right. Each proof therefore reads O(log n) nodes.
extension MerkleNodeSource {
    /// The root hash of the first `size` leaves.
    public func rootHash(size: UInt64) throws -> SHA256Hash {
        size == 0 ? RFC6962.emptyRoot : try rangeHash(0, size)
    }

    /// The audit path of leaf `index` in the tree of `size` leaves: the leaf's sibling first, the
    /// root's child last (RFC 9162 §2.1.3.1).
    public func inclusionProof(index: UInt64, size: UInt64) throws -> [SHA256Hash] {
        guard index < size else {
            throw MerkleLogError(.outOfRange, "leaf \(index) is not in a tree of \(size) leaves")
        }
        var path: [SHA256Hash] = []
        var (begin, end) = (UInt64(0), size)
        while end - begin > 1 {
            let k = RFC6962.largestPowerOfTwo(below: end - begin)
            if index < begin + k {
                path.append(try rangeHash(begin + k, end))
                end = begin + k
            } else {
                path.append(try rangeHash(begin, begin + k))
                begin += k
            }
        }
        return path.reversed()
    }

    /// The proof that the tree of `newSize` leaves extends the tree of `oldSize` (RFC 9162 §2.1.4.1).
    /// Empty when the sizes are equal.
    public func consistencyProof(from oldSize: UInt64, to newSize: UInt64) throws -> [SHA256Hash] {
        guard 0 < oldSize, oldSize <= newSize else {
            throw MerkleLogError(
                .outOfRange, "no consistency proof from \(oldSize) to \(newSize) leaves: sizes must satisfy 0 < old ≤ new")
        }
        var proof: [SHA256Hash] = []
        var (m, begin, end) = (oldSize, UInt64(0), newSize)
        var isWholeOldTree = true  // the RFC's `b`: the old tree's root need not be sent
        while m != end - begin {
            let k = RFC6962.largestPowerOfTwo(below: end - begin)
            if m <= k {
                proof.append(try rangeHash(begin + k, end))
                end = begin + k
            } else {
                proof.append(try rangeHash(begin, begin + k))
                begin += k
                m -= k
                isWholeOldTree = false
            }
        }
        if !isWholeOldTree { proof.append(try rangeHash(begin, end)) }
        return proof.reversed()
    }

    /// The hash of leaves `begin..<end`, where `begin` is a multiple of a power of two ≥ the range's length.
    func rangeHash(_ begin: UInt64, _ end: UInt64) throws -> SHA256Hash {
        let count = end - begin
        if count & (count - 1) == 0 {
            return try hash(of: NodeID(level: count.trailingZeroBitCount, index: begin >> count.trailingZeroBitCount))
        }
        let k = RFC6962.largestPowerOfTwo(below: count)
        let left = try hash(of: NodeID(level: k.trailingZeroBitCount, index: begin >> k.trailingZeroBitCount))
        return RFC6962.nodeHash(left, try rangeHash(begin + k, end))
    }
}

/// Every complete-subtree hash of a tree, in memory: for tests, benchmarks and verifiers that
/// rebuild a log from its leaves.
public struct MemoryNodeStore: MerkleNodeSource, Sendable {
    /// `levels[l][i]` is the hash of ``NodeID``(level: l, index: i).
    private var levels: [[SHA256Hash]] = []
    public private(set) var frontier = MerkleFrontier()

    public init() {}

    public init(leafHashes: some Sequence<SHA256Hash>) {
        for leafHash in leafHashes { append(leafHash) }
    }

    public var size: UInt64 { frontier.size }
    public var root: SHA256Hash { frontier.root }

    public mutating func append(_ leafHash: SHA256Hash) {
        frontier.append(leafHash) { node, hash in
            if levels.count == node.level { levels.append([]) }
            levels[node.level].append(hash)
        }
    }

    public func hash(of node: NodeID) throws -> SHA256Hash {
        guard node.level < levels.count, node.index < levels[node.level].count else {
            throw MerkleLogError(.missingNode, "\(node) is not in a tree of \(size) leaves")
        }
        return levels[node.level][Int(node.index)]
    }
}
