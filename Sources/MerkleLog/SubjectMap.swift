import Crypto

/// What the subject map holds for one subject: how many leaves are theirs, and the head of their chain.
public struct SubjectMapValue: Hashable, Sendable {
    public var count: UInt64
    public var chainHead: SHA256Hash

    public init(count: UInt64, chainHead: SHA256Hash) {
        self.count = count
        self.chainHead = chainHead
    }

    /// 8-byte big-endian count, then the 32-byte chain head.
    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: count >> (56 - 8 * $0)) } + chainHead.bytes
    }
}

/// A verifiable map from 32-byte keys (subject references) to ``SubjectMapValue``s: a sparse Merkle
/// tree over the 256-bit key space whose root depends only on its contents.
///
/// Canonical shape: an empty subtree hashes to 32 zero bytes; a subtree holding one key is that key's
/// leaf, placed as high as it can go; a subtree holding two or more keys is a branch. So a map of n
/// keys is about log2(n) deep rather than 256.
///
/// - leaf hash:   SHA-256(0x00 ‖ key ‖ count as 8 bytes big-endian ‖ chain head)
/// - branch hash: SHA-256(0x01 ‖ left ‖ right), left holding the keys whose next bit is 0
///
/// Keys are only added or updated, never removed: a subject's history only grows.
public struct SubjectMap: Sendable {
    indirect enum Node: Sendable {
        case leaf(key: SHA256Hash, value: SubjectMapValue, hash: SHA256Hash)
        case branch(left: Node?, right: Node?, hash: SHA256Hash)

        var hash: SHA256Hash {
            switch self {
            case .leaf(_, _, let hash), .branch(_, _, let hash): hash
            }
        }
    }

    private var root: Node?
    /// How many keys the map holds.
    public private(set) var count = 0

    public init() {}

    /// The root hash; 32 zero bytes for the empty map.
    public var rootHash: SHA256Hash { root?.hash ?? .zero }

    public static func leafHash(key: SHA256Hash, value: SubjectMapValue) -> SHA256Hash {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        key.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        hasher.update(data: value.bytes)
        return SHA256Hash(hasher.finalize())
    }

    public func value(for key: SHA256Hash) -> SubjectMapValue? {
        var node = root
        var depth = 0
        while let current = node {
            switch current {
            case .leaf(let leafKey, let value, _):
                return leafKey == key ? value : nil
            case .branch(let left, let right, _):
                node = key.bit(depth) ? right : left
                depth += 1
            }
        }
        return nil
    }

    /// Sets many keys at once; each touched node is hashed once, however many updates pass through it.
    /// The result does not depend on the order of `updates`; a key given twice takes its last value.
    public mutating func update(_ updates: [SHA256Hash: SubjectMapValue]) {
        let sorted = updates.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        let added: Int
        (root, added) = Self.update(root, depth: 0, with: sorted[...])
        count += added
    }

    public mutating func update(key: SHA256Hash, value: SubjectMapValue) {
        update([key: value])
    }

    /// The subtree with `updates` applied, and how many of their keys it did not hold.
    private static func update(
        _ node: Node?, depth: Int, with updates: ArraySlice<(key: SHA256Hash, value: SubjectMapValue)>
    ) -> (Node?, added: Int) {
        guard !updates.isEmpty else { return (node, 0) }
        switch node {
        case nil:
            return (build(updates, depth: depth), updates.count)
        case .leaf(let key, let value, _):
            var merged = Array(updates)
            if merged.contains(where: { $0.key == key }) {
                return (build(merged[...], depth: depth), merged.count - 1)
            }
            merged.insert((key, value), at: merged.firstIndex { key < $0.key } ?? merged.endIndex)
            return (build(merged[...], depth: depth), updates.count)
        case .branch(let left, let right, _):
            let split = updates.firstIndex { $0.key.bit(depth) } ?? updates.endIndex
            let (newLeft, addedLeft) = update(left, depth: depth + 1, with: updates[..<split])
            let (newRight, addedRight) = update(right, depth: depth + 1, with: updates[split...])
            return (branch(newLeft, newRight), addedLeft + addedRight)
        }
    }

    /// The canonical subtree of sorted, distinct entries that share their first `depth` bits.
    private static func build(_ entries: ArraySlice<(key: SHA256Hash, value: SubjectMapValue)>, depth: Int) -> Node? {
        guard let first = entries.first else { return nil }
        if entries.count == 1 {
            return .leaf(key: first.key, value: first.value, hash: leafHash(key: first.key, value: first.value))
        }
        let split = entries.firstIndex { $0.key.bit(depth) } ?? entries.endIndex
        return branch(build(entries[..<split], depth: depth + 1), build(entries[split...], depth: depth + 1))
    }

    private static func branch(_ left: Node?, _ right: Node?) -> Node {
        .branch(left: left, right: right, hash: RFC6962.nodeHash(left?.hash ?? .zero, right?.hash ?? .zero))
    }

    /// The proof of a key's value, or of its absence.
    public func proof(for key: SHA256Hash) -> SubjectMapProof {
        var siblings: [SHA256Hash] = []
        var node = root
        while let current = node {
            switch current {
            case .leaf(let leafKey, let value, _):
                return SubjectMapProof(siblings: siblings, terminal: .leaf(key: leafKey, value: value))
            case .branch(let left, let right, _):
                let goRight = key.bit(siblings.count)
                siblings.append((goRight ? left : right)?.hash ?? .zero)
                node = goRight ? right : left
            }
        }
        return SubjectMapProof(siblings: siblings, terminal: .empty)
    }
}

/// The path from a subject-map root down to where a key is, or would be.
public struct SubjectMapProof: Hashable, Sendable {
    /// What the path ends at.
    public enum Terminal: Hashable, Sendable {
        /// An empty subtree: the key is absent.
        case empty
        /// A leaf: the key's own (present), or another key sharing the path (the key is absent).
        case leaf(key: SHA256Hash, value: SubjectMapValue)
    }

    /// Sibling hashes from the root's children down (32 zero bytes for an empty sibling).
    public let siblings: [SHA256Hash]
    public let terminal: Terminal

    public init(siblings: [SHA256Hash], terminal: Terminal) {
        self.siblings = siblings
        self.terminal = terminal
    }

    /// Checks that, in the map with root `root`, `key` has `value` (or is absent, for `nil`).
    public func verify(key: SHA256Hash, value expected: SubjectMapValue?, root: SHA256Hash) throws {
        guard siblings.count <= 256 else { throw MerkleLogError(.invalidProof, "a map proof is at most 256 levels deep") }
        var hash: SHA256Hash
        switch terminal {
        case .empty:
            guard expected == nil else { throw MerkleLogError(.invalidProof, "the proof shows \(key) absent, not holding a value") }
            hash = .zero
        case .leaf(let leafKey, let value):
            if leafKey == key {
                guard value == expected else {
                    throw MerkleLogError(.invalidProof, "the proof shows \(key) with count \(value.count), not the value claimed")
                }
            } else {
                guard expected == nil else { throw MerkleLogError(.invalidProof, "the proof ends at another key, so \(key) is absent") }
                guard (0..<siblings.count).allSatisfy({ leafKey.bit($0) == key.bit($0) }) else {
                    throw MerkleLogError(.invalidProof, "the proof ends at a key that is not on \(key)'s path")
                }
            }
            hash = SubjectMap.leafHash(key: leafKey, value: value)
        }
        for depth in stride(from: siblings.count - 1, through: 0, by: -1) {
            hash = key.bit(depth) ? RFC6962.nodeHash(siblings[depth], hash) : RFC6962.nodeHash(hash, siblings[depth])
        }
        guard hash == root else { throw MerkleLogError(.invalidProof, "the map proof for \(key) leads to \(hash), not the root \(root)") }
    }
}

extension SubjectMapProof {
    /// Checks that `leafHashes`, in order, are the whole history of `key` in the map with root `root`: the
    /// map holds for the key exactly their count and the head of their chain, or nothing when there are none.
    public func verifyHistory(key: SHA256Hash, leafHashes: [SHA256Hash], root: SHA256Hash) throws {
        let head = leafHashes.reduce(SHA256Hash.zero) { HashChain.next($0, $1) }
        try verify(
            key: key, value: leafHashes.isEmpty ? nil : SubjectMapValue(count: UInt64(leafHashes.count), chainHead: head), root: root)
    }
}
