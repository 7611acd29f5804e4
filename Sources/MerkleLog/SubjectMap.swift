import Crypto

/// What the subject map holds for one subject: how many leaves are theirs, and the head of their chain.
public struct SubjectMapValue: Hashable, Sendable {
    public var count: UInt64
    public var chainHead: SHA256Hash

    public init(count: UInt64, chainHead: SHA256Hash) {
        self.count = count
        self.chainHead = chainHead
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
    /// A subtree: a leaf (one key) or a branch. A branch keeps its children's hashes, and a node not its own (its
    /// parent does, or the map for the root): an update reads and writes only the nodes on its keys' paths, never
    /// their siblings, each of which would cost a cache miss in a map larger than the cache (a verifier's is).
    ///
    /// Nodes are shared between copies of a map and copied on write: an update changes a node in place only while
    /// this map alone holds it, so a copy never sees the change, and updating a map no other copy shares allocates
    /// nothing but its new keys' nodes.
    final class Node: @unchecked Sendable {
        /// A leaf's key and value; `nil` for a branch.
        var entry: (key: SHA256Hash, value: SubjectMapValue)?
        var left: Node?
        var right: Node?
        /// A branch's children's hashes (32 zero bytes for an empty child).
        var leftHash = SHA256Hash.zero
        var rightHash = SHA256Hash.zero

        init(key: SHA256Hash, value: SubjectMapValue) {
            entry = (key, value)
        }

        init(left: Subtree, right: Subtree) {
            (self.left, leftHash) = left
            (self.right, rightHash) = right
        }

        /// A copy sharing this node's children.
        init(copying node: Node) {
            entry = node.entry
            left = node.left
            right = node.right
            leftHash = node.leftHash
            rightHash = node.rightHash
        }
    }

    /// A subtree's root node and hash.
    typealias Subtree = (node: Node?, hash: SHA256Hash)

    private var root: Node?
    /// The root hash; 32 zero bytes for the empty map.
    public private(set) var rootHash = SHA256Hash.zero
    /// How many keys the map holds.
    public private(set) var count = 0

    public init() {}

    /// SHA-256(0x00 ‖ key ‖ count as 8 bytes big-endian ‖ chain head).
    public static func leafHash(key: SHA256Hash, value: SubjectMapValue) -> SHA256Hash {
        SHA256Hash.of(byteCount: 73) { buffer in
            buffer[0] = 0x00
            key.write(into: buffer, at: 1)
            buffer.storeBytes(of: value.count.bigEndian, toByteOffset: 33, as: UInt64.self)
            value.chainHead.write(into: buffer, at: 41)
        }
    }

    public func value(for key: SHA256Hash) -> SubjectMapValue? {
        var node = root
        var depth = 0
        while let current = node {
            if let entry = current.entry { return entry.key == key ? entry.value : nil }
            node = key.bit(depth) ? current.right : current.left
            depth += 1
        }
        return nil
    }

    /// Sets many keys at once; each touched node is hashed once, however many updates pass through it.
    /// The result does not depend on the order of `updates`; a key given twice takes its last value.
    public mutating func update(_ updates: [SHA256Hash: SubjectMapValue]) {
        let sorted = updates.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        count += Self.update(&root, &rootHash, depth: 0, with: sorted[...])
    }

    public mutating func update(key: SHA256Hash, value: SubjectMapValue) {
        update([key: value])
    }

    /// Applies `updates` to the subtree at `node` with hash `hash`, and returns how many of their keys it did not hold.
    private static func update(
        _ node: inout Node?, _ hash: inout SHA256Hash, depth: Int, with updates: ArraySlice<(key: SHA256Hash, value: SubjectMapValue)>
    ) -> Int {
        guard !updates.isEmpty else { return 0 }
        guard node != nil else {
            (node, hash) = build(updates, depth: depth)
            return updates.count
        }
        if let leaf = node!.entry {
            // A subject's new count and head, most updates: a leaf this map alone holds is rewritten in place.
            if updates.count == 1, let update = updates.first, update.key == leaf.key, isKnownUniquelyReferenced(&node) {
                node!.entry = update
                hash = leafHash(key: update.key, value: update.value)
                return 0
            }
            var merged = Array(updates)
            let added: Int
            if merged.contains(where: { $0.key == leaf.key }) {
                added = merged.count - 1
            } else {
                merged.insert(leaf, at: merged.firstIndex { leaf.key < $0.key } ?? merged.endIndex)
                added = updates.count
            }
            (node, hash) = build(merged[...], depth: depth)
            return added
        }
        // No other reference may be held here, or the node would never look unique.
        if !isKnownUniquelyReferenced(&node) { node = Node(copying: node!) }
        let branch = node!
        let split = updates.firstIndex { $0.key.bit(depth) } ?? updates.endIndex
        // Only a child with updates is visited. It is taken out while it is updated (so it is unique if only this
        // branch held it), rather than updated in place as an `inout` property, which costs a runtime exclusivity
        // check per level.
        var added = 0
        if split > updates.startIndex {
            var (left, leftHash) = (branch.left, branch.leftHash)
            branch.left = nil
            added += update(&left, &leftHash, depth: depth + 1, with: updates[..<split])
            (branch.left, branch.leftHash) = (left, leftHash)
        }
        if split < updates.endIndex {
            var (right, rightHash) = (branch.right, branch.rightHash)
            branch.right = nil
            added += update(&right, &rightHash, depth: depth + 1, with: updates[split...])
            (branch.right, branch.rightHash) = (right, rightHash)
        }
        hash = RFC6962.nodeHash(branch.leftHash, branch.rightHash)
        return added
    }

    /// The canonical subtree of sorted, distinct entries that share their first `depth` bits.
    private static func build(_ entries: ArraySlice<(key: SHA256Hash, value: SubjectMapValue)>, depth: Int) -> Subtree {
        guard let first = entries.first else { return (nil, .zero) }
        if entries.count == 1 { return (Node(key: first.key, value: first.value), leafHash(key: first.key, value: first.value)) }
        let split = entries.firstIndex { $0.key.bit(depth) } ?? entries.endIndex
        let branch = Node(left: build(entries[..<split], depth: depth + 1), right: build(entries[split...], depth: depth + 1))
        return (branch, RFC6962.nodeHash(branch.leftHash, branch.rightHash))
    }

    /// The proof of a key's value, or of its absence.
    public func proof(for key: SHA256Hash) -> SubjectMapProof {
        var siblings: [SHA256Hash] = []
        var node = root
        while let current = node {
            if let entry = current.entry { return SubjectMapProof(siblings: siblings, terminal: .leaf(key: entry.key, value: entry.value)) }
            let goRight = key.bit(siblings.count)
            siblings.append(goRight ? current.leftHash : current.rightHash)
            node = goRight ? current.right : current.left
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
