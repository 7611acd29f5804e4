import ConsentModel
import Foundation
import GRDB
import MerkleLog

/// Reads one snapshot of a partition ledger: leaves, payloads, proofs, checkpoints.
public struct LedgerReader: MerkleNodeSource {
    let db: Database

    public func hash(of node: NodeID) throws -> SHA256Hash {
        try NodeReader(db: db).hash(of: node)
    }

    public var size: UInt64 {
        get throws { try UInt64(Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leaf") ?? 0) }
    }

    /// The encoded leaf at `index`.
    public func leaf(at index: UInt64) throws -> [UInt8] {
        guard let data = try Data.fetchOne(db, sql: "SELECT leaf FROM leaf WHERE idx = ?", arguments: [Int64(index)]) else {
            throw LedgerStoreError.outOfOrder("no leaf \(index)")
        }
        return Array(data)
    }

    /// A stored record as it came from Kafka, with its leaf.
    public struct Record: Sendable {
        public let index: UInt64
        public let leaf: [UInt8]
        public let value: [UInt8]?
        public let headers: [(name: String, value: [UInt8]?)]
        public let redacted: Bool
    }

    /// Calls `body` with every record from `start` on, in order.
    public func forEachRecord(from start: UInt64 = 0, _ body: (Record) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql:
                "SELECT leaf.idx, leaf.leaf, payload.value, payload.headers, payload.redacted FROM leaf JOIN payload USING (idx) WHERE leaf.idx >= ? ORDER BY leaf.idx",
            arguments: [Int64(start)])
        while let row = try rows.next() {
            let leaf: Data = row[1]
            let value: Data? = row[2]
            let headers: Data = row[3]
            try body(
                Record(
                    index: UInt64(row[0] as Int64), leaf: Array(leaf), value: value.map(Array.init),
                    headers: try StoredHeaders.decode(Array(headers)), redacted: row[4]))
        }
    }

    /// The signed checkpoint notes and their subject-map checkpoints, oldest first.
    public func checkpoints() throws -> [(size: UInt64, note: String, mapNote: String?)] {
        try Row.fetchAll(db, sql: "SELECT size, note, map_note FROM checkpoint ORDER BY size").map {
            (UInt64($0[0] as Int64), $0[1], $0[2])
        }
    }
}

/// Complete-subtree hashes from SQLite: level 0 from the leaf table, higher levels from the node table.
struct NodeReader: MerkleNodeSource {
    let db: Database

    func hash(of node: NodeID) throws -> SHA256Hash {
        // Cached statements: a proof reads up to 2·log2(n) nodes, and preparing each query anew cost more than reading it.
        let data =
            node.level == 0
            ? try Data.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash FROM leaf WHERE idx = ?"), arguments: [Int64(node.index)])
            : try Data.fetchOne(
                db.cachedStatement(sql: "SELECT hash FROM node WHERE level = ? AND idx = ?"), arguments: [node.level, Int64(node.index)])
        guard let data, let hash = SHA256Hash(bytes: data) else {
            throw MerkleLogError(.missingNode, "\(node) is not stored")
        }
        return hash
    }
}
