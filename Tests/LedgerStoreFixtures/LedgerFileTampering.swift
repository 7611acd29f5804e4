import Foundation
import GRDB
import LedgerStore

/// What someone with access to the disk (a dishonest operator, a failing drive) can do to a ledger file behind its
/// ledger's back, for the tests of what must notice. The one place outside LedgerStore that writes its tables
/// (Sources/LedgerStore/PartitionLedger+Schema.swift): a change of schema changes this file, not every test.
public struct LedgerFileTampering {
    public let path: String
    /// With the key store, a change to a sealed record is sealed as the ledger seals it: an insider who holds the
    /// master key. Without it, the change is written as given, and no longer opens.
    public let keys: PayloadKeys?

    public init(path: String, keys: PayloadKeys? = nil) {
        self.path = path
        self.keys = keys
    }

    /// The encoded leaf at `index`, as stored.
    public func leaf(_ index: UInt64) throws -> [UInt8] {
        try DatabaseQueue(path: path).read { db in
            Array(try Data.fetchOne(db, sql: "SELECT leaf FROM leaf WHERE idx = ?", arguments: [Int64(index)]) ?? Data())
        }
    }

    public func replaceLeaf(_ index: UInt64, with bytes: [UInt8]) throws {
        try write("UPDATE leaf SET leaf = ? WHERE idx = ?", [Data(bytes), Int64(index)])
    }

    /// Changes the record's bytes stored beside the leaf at `index`.
    public func replaceValue(ofLeaf index: UInt64, with value: [UInt8]) throws {
        try write("UPDATE payload SET value = ? WHERE idx = ?", [try sealed(value, .value, index), Int64(index)])
    }

    /// Changes the stored headers beside the leaf at `index` (bytes in the stored-header format, or not).
    public func replaceHeaders(ofLeaf index: UInt64, with bytes: [UInt8]) throws {
        try write("UPDATE payload SET headers = ? WHERE idx = ?", [try sealed(bytes, .headers, index), Int64(index)])
    }

    /// Removes the record's value beside the leaf at `index` and marks it redacted, saying nothing of who did or why.
    public func redactValue(ofLeaf index: UInt64) throws {
        try write("UPDATE payload SET value = NULL, redacted = 1 WHERE idx = ?", [Int64(index)])
    }

    /// Marks the record beside the leaf at `index` as erased by the leaf at `erasing`, removing its bytes.
    public func markErased(ofLeaf index: UInt64, by erasing: UInt64) throws {
        try write(
            "UPDATE payload SET value = NULL, headers = x'', key_id = NULL, redacted = 1, erased_by = ? WHERE idx = ?",
            [Int64(erasing), Int64(index)])
    }

    /// `bytes` as the payload row at `index` would hold them: sealed under its key when there are keys and it is sealed.
    private func sealed(_ bytes: [UInt8], _ part: SealedPayload.Part, _ index: UInt64) throws -> Data {
        try DatabaseQueue(path: path).read { db in
            guard let keys, let id = try Int64.fetchOne(db, sql: "SELECT key_id FROM payload WHERE idx = ?", arguments: [Int64(index)]),
                let key = try keys.key(id: id)
            else { return Data(bytes) }
            let origin = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'origin'") ?? ""
            return try SealedPayload.seal(bytes, part, key: key, origin: origin, index: index)
        }
    }

    public func deleteLeaf(_ index: UInt64) throws {
        try write("DELETE FROM leaf WHERE idx = ?", [Int64(index)])
    }

    /// Deletes the leaf at `index` and every later one, as a truncated file would.
    public func deleteLeaves(from index: UInt64) throws {
        try write("DELETE FROM leaf WHERE idx >= ?", [Int64(index)])
    }

    /// Replaces the signed log checkpoint stored at `size`.
    public func replaceCheckpoint(size: UInt64, with note: String) throws {
        try write("UPDATE checkpoint SET note = ? WHERE size = ?", [note, Int64(size)])
    }

    /// Replaces the signed subject-map checkpoint stored at `size`.
    public func replaceMapCheckpoint(size: UInt64, with note: String) throws {
        try write("UPDATE checkpoint SET map_note = ? WHERE size = ?", [note, Int64(size)])
    }

    /// Replaces the stored hash of the tree node at `level` (≥ 1) and `index`.
    public func replaceNode(level: Int, index: UInt64, with hash: [UInt8]) throws {
        try write("UPDATE node SET hash = ? WHERE level = ? AND idx = ?", [Data(hash), level, Int64(index)])
    }

    /// Moves the next offset to consume, as a restore of an older bookkeeping row would.
    public func setConsumedNextOffset(_ offset: Int64) throws {
        try write("UPDATE consumed SET next_offset = ?", [offset])
    }

    /// Changes the query index's outcome of the leaf at `index` (what the API lists a citizen's access as).
    public func replaceIndexedOutcome(ofLeaf index: UInt64, with outcome: String) throws {
        try write("UPDATE entry SET outcome = ? WHERE idx = ?", [outcome, Int64(index)])
    }

    /// Changes the query index's event type of the leaf at `index`, which takes it off the lists of that type.
    public func replaceIndexedEventType(ofLeaf index: UInt64, with type: String) throws {
        try write("UPDATE entry SET event_type = ? WHERE idx = ?", [type, Int64(index)])
    }

    /// Counts one more leaf for every subject in the materialized state than its chain holds.
    public func inflateSubjectCounts() throws {
        try write("UPDATE subject SET count = count + 1")
    }

    /// Moves back the mark of how far the ledger's outputs were delivered, as a crash before it was saved would.
    public func markOutputsPublished(through index: UInt64) throws {
        try write("UPDATE published SET through = ?", [Int64(index)])
    }

    private func write(_ sql: String, _ arguments: StatementArguments = []) throws {
        try DatabaseQueue(path: path).write { try $0.execute(sql: sql, arguments: arguments) }
    }
}
