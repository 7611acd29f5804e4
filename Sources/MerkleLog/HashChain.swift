import Crypto

/// The hash chain over a log's leaves: chain₀ = ``genesis``, chainᵢ = SHA-256(chainᵢ₋₁ ‖ leafHashᵢ).
///
/// The ledger puts chainᵢ₋₁ inside leaf i, so the Merkle root commits to the chain as well; a
/// verifier must check both (``ChainedLogVerifier``).
public enum HashChain {
    /// SHA-256 of the ASCII bytes `consent-ledger/chain/v1`.
    public static let genesis = SHA256Hash.of(Array("consent-ledger/chain/v1".utf8))

    /// The link after `previous` for a leaf with hash `leafHash`.
    public static func next(_ previous: SHA256Hash, _ leafHash: SHA256Hash) -> SHA256Hash {
        SHA256Hash.of(byteCount: 64) { buffer in
            previous.write(into: buffer, at: 0)
            leafHash.write(into: buffer, at: 32)
        }
    }
}

/// Checks a run of leaves against both the hash chain and the Merkle root, so that a log cannot
/// show one history to chain checkers and another to proof checkers.
public struct ChainedLogVerifier {
    /// Reads the previous chain hash a leaf carries.
    public typealias PreviousChainHash = ([UInt8]) throws -> SHA256Hash

    private let previousChainHash: PreviousChainHash
    public private(set) var tree = MerkleFrontier()
    /// The chain hash after the last leaf checked.
    public private(set) var chainHead = HashChain.genesis

    public init(previousChainHash: @escaping PreviousChainHash) {
        self.previousChainHash = previousChainHash
    }

    /// Checks the next leaf: it must name the chain hash of everything before it. Returns its leaf hash.
    @discardableResult
    public mutating func append(leaf: [UInt8]) throws -> SHA256Hash {
        try append(leaf: leaf, hash: RFC6962.leafHash(leaf))
    }

    /// The same, with the leaf's hash already computed (`RFC6962.leafHash(leaf)`, say on other cores).
    @discardableResult
    public mutating func append(leaf: [UInt8], hash leafHash: SHA256Hash) throws -> SHA256Hash {
        let claimed = try previousChainHash(leaf)
        guard claimed == chainHead else {
            throw MerkleLogError(
                .chainMismatch, "leaf \(tree.size) names previous chain hash \(claimed), but the leaves before it chain to \(chainHead)")
        }
        tree.append(leafHash)
        chainHead = HashChain.next(chainHead, leafHash)
        return leafHash
    }

    /// Checks that the leaves seen so far are exactly the tree of `size` leaves with root `root`.
    public func finish(size: UInt64, root: SHA256Hash, chainHead expectedHead: SHA256Hash? = nil) throws {
        guard tree.size == size else {
            throw MerkleLogError(.chainMismatch, "\(tree.size) leaves were checked, but the tree has \(size)")
        }
        guard tree.root == root else {
            throw MerkleLogError(.chainMismatch, "the \(size) leaves hash to root \(tree.root), not \(root)")
        }
        if let expectedHead, expectedHead != chainHead {
            throw MerkleLogError(.chainMismatch, "the \(size) leaves chain to \(chainHead), not \(expectedHead)")
        }
    }
}
