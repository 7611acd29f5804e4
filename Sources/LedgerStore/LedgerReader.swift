import ConsentModel
import Foundation
import GRDB
import GRDBSQLite
import LedgerFormat
import MerkleLog

/// Reads one snapshot of a partition ledger: leaves, payloads, proofs, checkpoints.
public struct LedgerReader: MerkleNodeSource {
    let db: Database
    /// Opens sealed payloads; a reader without it refuses to read one.
    let keys: PayloadKeys?
    /// The ledger's origin, bound into each sealed payload.
    let origin: String

    public func hash(of node: NodeID) throws -> SHA256Hash {
        try NodeReader(db: db).hash(of: node)
    }

    public var size: UInt64 {
        get throws { try UInt64(Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leaf") ?? 0) }
    }

    /// The encoded leaf at `index`.
    public func leaf(at index: UInt64) throws -> [UInt8] {
        guard let key = Int64(exactly: index),
            let data = try Data.fetchOne(db, sql: "SELECT leaf FROM leaf WHERE idx = ?", arguments: [key])
        else {
            throw LedgerStoreError(.outOfOrder, "no leaf \(index)")
        }
        return Array(data)
    }

    /// The signed checkpoint notes and their subject-map checkpoints, oldest first.
    public func checkpoints() throws -> [(size: UInt64, note: String, mapNote: String?)] {
        try Row.fetchAll(db, sql: "SELECT size, note, map_note FROM checkpoint ORDER BY size").map(Self.checkpointRow)
    }

    /// Witnesses' cosigned checkpoint notes (of the checkpoints with a size in `sizes`, if given), by checkpoint
    /// size and witness name.
    public func cosignedCheckpoints(sizes: ClosedRange<UInt64>? = nil) throws -> [UInt64: [String: String]] {
        try Row.fetchAll(
            db, sql: "SELECT size, witness, note FROM cosigned WHERE size BETWEEN ? AND ?",
            arguments: [Int64(clamping: sizes?.lowerBound ?? 0), Int64(clamping: sizes?.upperBound ?? .max)]
        ).reduce(into: [:]) { notes, row in
            notes[try Self.index(row.decode(atIndex: 0), "checkpoint size"), default: [:]][try row.decode(atIndex: 1)] = try row.decode(
                atIndex: 2)
        }
    }
}

/// A leaf as stored, with the hashes the writer computed for it and its record.
public struct StoredLeaf: Sendable {
    public let index: UInt64
    public let leaf: [UInt8]
    public let leafHash: [UInt8]
    public let chainHash: [UInt8]
    /// The record's value; `nil` for a tombstone or once redacted.
    public let value: [UInt8]?
    public let headers: [(name: String, value: [UInt8]?)]
    /// The value is gone though the leaf may commit to one: erased, or unreadable (its key destroyed, its bytes altered).
    public let redacted: Bool
    /// The index of the leaf whose order erased the record, as recorded beside it.
    public let erasedBy: UInt64?
    /// Its row in the query index, when asked for (`nil` also when it has none).
    public let indexed: EntryIndex?

    public init(
        index: UInt64, leaf: [UInt8], leafHash: [UInt8], chainHash: [UInt8], value: [UInt8]?, headers: [(name: String, value: [UInt8]?)],
        redacted: Bool, erasedBy: UInt64? = nil, indexed: EntryIndex? = nil
    ) {
        self.index = index
        self.leaf = leaf
        self.leafHash = leafHash
        self.chainHash = chainHash
        self.value = value
        self.headers = headers
        self.redacted = redacted
        self.erasedBy = erasedBy
        self.indexed = indexed
    }
}

extension LedgerReader {
    /// Whether the database has a ledger's tables at all (a copy of the file without its write-ahead log, taken
    /// while the ledger had never been written back, has none).
    public var holdsLedger: Bool {
        get throws {
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')") ?? false
        }
    }

    /// The ledger's identity: `origin`, `topic`, `partition`, `format`.
    public func meta() throws -> [String: String] {
        // A file not written by this package may repeat a key: the first one counts.
        Dictionary(
            try Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { (try $0.decode(atIndex: 0), try $0.decode(atIndex: 1)) },
            uniquingKeysWith: { first, _ in first })
    }

    /// Calls `body` with every stored leaf in index order (those in `range`, if given), with what was stored beside it
    /// (but for the record's headers, left empty unless `withHeaders`, and its query-index row, left out unless
    /// `withIndex`: reading them is a cost when unused).
    public func forEachStoredLeaf(
        in range: Range<UInt64>? = nil, withHeaders: Bool = true, withIndex: Bool = false, _ body: (StoredLeaf) throws -> Void
    ) throws {
        let statement = try db.makeStatement(
            sql: """
                SELECT leaf.idx, leaf.leaf, leaf.leaf_hash, leaf.chain_hash, payload.value, payload.headers, payload.redacted,
                    entry.institution, entry.event_type, entry.outcome, entry.violation, entry.findings, entry.purpose,
                    entry.occurred_at, entry.transmission_id, entry.transmission_type, payload.key_id, payload.erased_by
                FROM leaf LEFT JOIN payload USING (idx) LEFT JOIN entry USING (idx) WHERE leaf.idx >= ? AND leaf.idx < ?
                ORDER BY leaf.idx
                """)
        let rows = try Row.fetchCursor(
            statement, arguments: [Int64(clamping: range?.lowerBound ?? 0), Int64(clamping: range?.upperBound ?? .max)])
        // This loop reads every leaf a verifier checks: the columns are read through SQLite's own API (GRDB's raw
        // statement), each blob copied once straight out of SQLite's buffer.
        let columns = statement.sqliteStatement
        func blob(_ column: Int32) -> [UInt8]? {
            guard sqlite3_column_type(columns, column) != SQLITE_NULL else { return nil }
            let count = Int(sqlite3_column_bytes(columns, column))
            guard count > 0, let bytes = sqlite3_column_blob(columns, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: bytes, count: count))
        }
        while let row = try rows.next() {
            let indexed: EntryIndex? =
                withIndex
                ? try row.decode(String?.self, atIndex: 7).map { institution in
                    EntryIndex(
                        institution: institution, eventType: try row.decode(atIndex: 8), outcome: try row.decode(atIndex: 9),
                        isViolation: try row.decode(atIndex: 10), findings: try row.decode(atIndex: 11),
                        purpose: try row.decode(atIndex: 12),
                        occurredAt: try row.decode(atIndex: 13), transmissionId: try row.decode(atIndex: 14),
                        transmissionType: try row.decode(atIndex: 15))
                } : nil
            let index = try Self.index(sqlite3_column_int64(columns, 0), "leaf index")
            let payload = try openPayload(
                index: index, value: blob(4), headers: blob(5), redacted: sqlite3_column_int64(columns, 6) != 0,
                keyID: try row.decode(atIndex: 16), erasedBy: try row.decode(atIndex: 17))
            try body(
                StoredLeaf(
                    index: index, leaf: blob(1) ?? [], leafHash: blob(2) ?? [], chainHash: blob(3) ?? [], value: payload.value,
                    headers: withHeaders ? try payload.headers.map(StoredHeaders.decode) ?? [] : [], redacted: payload.redacted,
                    erasedBy: payload.erasedBy, indexed: indexed))
        }
    }

    /// The stored leaves in `range`, in index order.
    public func storedLeaves(_ range: Range<UInt64>) throws -> [StoredLeaf] {
        var leaves: [StoredLeaf] = []
        try forEachStoredLeaf(in: range) { leaves.append($0) }
        return leaves
    }

    /// The stored per-subject rows: each subject reference's leaf count and chain head.
    public func subjectRows() throws -> [SHA256Hash: SubjectMapValue] {
        var rows: [SHA256Hash: SubjectMapValue] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT ref, count, head FROM subject")
        while let row = try cursor.next() {
            rows[try Self.hash(row.decode(atIndex: 0))] = SubjectMapValue(
                count: try Self.index(row.decode(atIndex: 1), "subject count"), chainHead: try Self.hash(row.decode(atIndex: 2)))
        }
        return rows
    }
}

/// Complete-subtree hashes from SQLite: level 0 from the leaf table, higher levels from the node table.
struct NodeReader: MerkleNodeSource {
    let db: Database

    func hash(of node: NodeID) throws -> SHA256Hash {
        // Cached statements: a proof reads up to 2·log2(n) nodes, and preparing each query anew cost more than reading it.
        // A node beyond what SQLite's integers index is not stored.
        let index = Int64(clamping: node.index)
        let data =
            node.level == 0
            ? try Data.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash FROM leaf WHERE idx = ?"), arguments: [index])
            : try Data.fetchOne(
                db.cachedStatement(sql: "SELECT hash FROM node WHERE level = ? AND idx = ?"), arguments: [node.level, index])
        guard let data, let hash = SHA256Hash(bytes: data) else {
            throw MerkleLogError(.missingNode, "\(node) is not stored")
        }
        return hash
    }
}
