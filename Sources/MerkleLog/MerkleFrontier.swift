/// The right edge of a growing RFC 6962 tree: the roots of its perfect subtrees, largest first
/// (one per set bit of the size). Appending is amortised one node hash per leaf; the root costs
/// one hash per extra perfect subtree, at most log2(size), when asked for.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: UInt64 = 0
    /// Perfect subtree roots, left to right.
    public private(set) var subtrees: [SHA256Hash] = []

    public init() {}

    /// Restores a frontier from the perfect subtrees of a tree of `size` leaves, read from `source`.
    public init(size: UInt64, from source: some MerkleNodeSource) throws {
        self.size = size
        var start: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where size & (1 << level) != 0 {
            subtrees.append(try source.hash(of: NodeID(level: level, index: start >> level)))
            start += 1 << level
        }
    }

    /// Appends a leaf hash. `completed` sees every complete subtree this append finishes, the leaf
    /// itself first, so a store can keep them for proofs.
    public mutating func append(_ leafHash: SHA256Hash, completed: (NodeID, SHA256Hash) -> Void = { _, _ in }) {
        var hash = leafHash
        var node = NodeID(level: 0, index: size)
        completed(node, hash)
        while node.index & 1 == 1 {
            hash = RFC6962.nodeHash(subtrees.removeLast(), hash)
            node = NodeID(level: node.level + 1, index: node.index >> 1)
            completed(node, hash)
        }
        subtrees.append(hash)
        size += 1
    }

    /// The tree's root hash (the empty tree's for size 0).
    public var root: SHA256Hash {
        guard var hash = subtrees.last else { return RFC6962.emptyRoot }
        for left in subtrees.dropLast().reversed() {
            hash = RFC6962.nodeHash(left, hash)
        }
        return hash
    }
}
