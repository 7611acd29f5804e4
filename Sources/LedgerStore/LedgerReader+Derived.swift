import ConsentModel
import Foundation
import GRDB
import LedgerFormat
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
    /// Recomputes each leaf's row of the query index (what the API's lists and filters read) from the leaf and its
    /// record, as the writer made it, and returns the first leaf whose stored row differs, or a row without a leaf.
    /// A redacted record's row is taken as stored: its event cannot be read again.
    public func firstQueryIndexDisagreement() throws -> (index: UInt64?, reason: String)? {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT leaf.idx, leaf.leaf, payload.value, payload.redacted, entry.institution, entry.event_type, entry.outcome,
                    entry.violation, entry.findings, entry.purpose, entry.occurred_at
                FROM leaf JOIN payload USING (idx) LEFT JOIN entry USING (idx) ORDER BY leaf.idx
                """)
        while let row = try rows.next() {
            let index = try Self.index(row, 0)
            guard let institution: String = try row.decode(atIndex: 4) else { return (index, "has no row in the query index") }
            if try row.decode(Bool.self, atIndex: 3) { continue }
            let leaf = try LedgerLeaf(decoding: Array(row.decode(Data.self, atIndex: 1)))
            let value: Data? = try row.decode(atIndex: 2)
            let event = leaf.eventID.isEmpty ? nil : value.flatMap { try? Event.decode(Array($0)) }
            let expected = EntryIndex(leaf: leaf, verdict: try VerdictCodes(canonicalJSON: leaf.verdict), event: event)
            let stored = EntryIndex(
                institution: institution, eventType: try row.decode(atIndex: 5), outcome: try row.decode(atIndex: 6),
                isViolation: try row.decode(atIndex: 7), findings: try row.decode(atIndex: 8), purpose: try row.decode(atIndex: 9),
                occurredAt: try row.decode(atIndex: 10))
            if stored != expected {
                return (index, "its row in the query index (what the API lists) is not what the leaf and its record say")
            }
        }
        let orphans = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry WHERE idx NOT IN (SELECT idx FROM leaf)") ?? 0
        return orphans > 0 ? (nil, "the query index lists \(orphans) entries that are no leaves") : nil
    }
}
