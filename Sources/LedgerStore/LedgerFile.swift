import Foundation
import GRDB
import MerkleLog

/// A ledger database opened read-only, as a verifier opens it: nothing is migrated or written, and
/// the running ledgerd (if any) is not disturbed.
public struct LedgerFile: Sendable {
    let queue: DatabaseQueue

    public init(readingAt path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw LedgerStoreError.corrupt("\(path) does not exist") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs `body` on one consistent snapshot of the file.
    public func read<T>(_ body: (LedgerReader) throws -> T) throws -> T {
        try queue.read { try body(LedgerReader(db: $0)) }
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
    public let redacted: Bool
}

extension LedgerReader {
    /// The ledger's identity: `origin`, `topic`, `partition`, `format`.
    public func meta() throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM meta").map { ($0[0], $0[1]) })
    }

    /// Calls `body` with every stored leaf in index order, with what was stored beside it.
    public func forEachStoredLeaf(_ body: (StoredLeaf) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT leaf.idx, leaf.leaf, leaf.leaf_hash, leaf.chain_hash, payload.value, payload.headers, payload.redacted
                FROM leaf LEFT JOIN payload USING (idx) ORDER BY leaf.idx
                """)
        while let row = try rows.next() {
            let headers: Data? = row[5]
            try body(
                StoredLeaf(
                    index: UInt64(row[0] as Int64), leaf: Array(row[1] as Data), leafHash: Array(row[2] as Data),
                    chainHash: Array(row[3] as Data), value: (row[4] as Data?).map(Array.init),
                    headers: try headers.map { try StoredHeaders.decode(Array($0)) } ?? [], redacted: row[6] ?? false))
        }
    }

    /// The stored per-subject rows: each subject reference's leaf count and chain head.
    public func subjectRows() throws -> [SHA256Hash: SubjectMapValue] {
        var rows: [SHA256Hash: SubjectMapValue] = [:]
        let cursor = try Row.fetchCursor(db, sql: "SELECT ref, count, head FROM subject")
        while let row = try cursor.next() {
            rows[try Self.hash(row[0])] = SubjectMapValue(count: row[1], chainHead: try Self.hash(row[2]))
        }
        return rows
    }
}
