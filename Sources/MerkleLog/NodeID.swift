/// A complete (perfect) subtree of the log: `2^level` leaves starting at leaf `index << level`.
/// Level 0 nodes are the leaf hashes themselves.
public struct NodeID: Hashable, Sendable, CustomStringConvertible {
    public var level: Int
    public var index: UInt64

    public init(level: Int, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The leaves the node covers.
    public var leaves: Range<UInt64> { (index << level)..<((index + 1) << level) }

    public var description: String { "node(level \(level), index \(index))" }
}

/// Anything that can give the hash of a complete subtree, such as the ledger's SQLite store.
///
/// Proofs need only these, O(log n) of them per proof; see ``MerkleNodeSource/inclusionProof(index:size:)``.
public protocol MerkleNodeSource {
    /// The hash of a complete subtree, or ``MerkleLogError/Code/missingNode`` if it is not stored.
    func hash(of node: NodeID) throws -> SHA256Hash
}
