import LedgerStore
import MerkleLog

extension LedgerAudit {
    /// Checks, once the leaves verified, that every tree node a file stores is the hash of the leaves below it, and
    /// that it stores each node the leaves complete: proofs are read from these nodes, so a changed one would serve
    /// proofs that fail against the signed roots.
    static func checkStoredNodes(_ reader: LedgerReader, origin: String) throws {
        var stored = try reader.storedNodes()
        var tree = MerkleFrontier()
        var disagreement: (node: NodeID, stored: NodeID?)?
        try reader.forEachStoredLeafHash { leafHash in
            guard disagreement == nil else { return }
            var completed: [(NodeID, SHA256Hash)] = []
            tree.append(leafHash) { node, hash in if node.level > 0 { completed.append((node, hash)) } }
            for (node, hash) in completed {
                let next = try stored.next()
                guard let next, next.node == node, next.hash == hash else {
                    disagreement = (node, next?.node)
                    return
                }
            }
        }
        if let disagreement {
            let found = disagreement.stored.map { $0 == disagreement.node ? "a different hash" : "\($0) in its place" } ?? "nothing"
            throw Failure(
                origin: origin, index: nil,
                reason:
                    "the stored tree \(disagreement.node) is not the hash of the leaves below it (found \(found)); proofs read from it would not verify: rebuild the file by replaying the partition"
            )
        }
        if let extra = try stored.next() {
            throw Failure(
                origin: origin, index: nil, reason: "the file stores a tree \(extra.node), which its leaves do not complete")
        }
    }
}
