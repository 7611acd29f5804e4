import Foundation
import GRDB
import MerkleLog

/// The tables a writer derives from the leaves, read as stored, for a verifier to compare with what it recomputes.
extension LedgerReader {
    /// The stored leaf hashes, in index order.
    public func forEachStoredLeafHash(_ body: (SHA256Hash) throws -> Void) throws {
        let cursor = try Data.fetchCursor(db, sql: "SELECT leaf_hash FROM leaf ORDER BY idx")
        while let data = try cursor.next() { try body(try Self.hash(data)) }
    }

    /// The stored tree nodes above the leaves, in the order a growing tree completes them: by the end of the leaves
    /// each covers, lower levels first.
    public func storedNodes() throws -> StoredNodes {
        StoredNodes(
            rows: try Row.fetchCursor(
                db, sql: "SELECT level, idx, hash FROM node ORDER BY ((idx + 1) << level), level"))
    }

    /// The next Kafka offset the ledger would consume (`nil` before its first batch).
    public var consumedNextOffset: Int64? {
        get throws { try Int64.fetchOne(db, sql: "SELECT next_offset FROM consumed WHERE id = 1") }
    }
}

/// The stored tree nodes, one at a time (see ``LedgerReader/storedNodes()``).
public struct StoredNodes {
    let rows: RowCursor

    /// The next stored node and its hash; `nil` after the last.
    public mutating func next() throws -> (node: NodeID, hash: SHA256Hash)? {
        guard let row = try rows.next() else { return nil }
        let level: Int64 = try row.decode(atIndex: 0)
        guard (1...63).contains(level) else { throw LedgerStoreError(.corrupt, "a stored tree node is at level \(level)") }
        return (
            NodeID(level: Int(level), index: try LedgerReader.index(row.decode(atIndex: 1), "tree node index")),
            try LedgerReader.hash(row.decode(atIndex: 2))
        )
    }
}

extension LedgerReader {
    /// Rows of the query index that belong to no leaf.
    public var queryIndexRowsWithoutLeaf: Int {
        get throws { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry WHERE idx NOT IN (SELECT idx FROM leaf)") ?? 0 }
    }
}
