import ConsentModel
import Foundation
import GRDB
import LedgerFormat
import MerkleLog

/// A leaf with its record's value and what the query index says of it.
public struct IndexedEntry: Sendable {
    public let index: UInt64
    public let leaf: LedgerLeaf
    public let leafHash: SHA256Hash
    /// The record's value; `nil` for a tombstone or once redacted.
    public let value: [UInt8]?
    public let redacted: Bool
    /// The index of the leaf whose order erased the record.
    public let erasedBy: UInt64?
    /// That leaf: who ordered the erasure (its producer), and when (its Kafka timestamp).
    public let erasingLeaf: LedgerLeaf?
    public let institution: String
    public let outcome: String
    public let isViolation: Bool
    public let findings: [String]
    /// Nanoseconds since the epoch.
    public let occurredAt: Int64?
}

/// Which entries to list; every condition set must hold.
public struct EntryFilter: Sendable {
    public var subject: SubjectReference?
    public var institution: String?
    public var eventType: String?
    public var outcome: String?
    public var purpose: String?
    /// An access's MyData transaction id, and how the transmission was started.
    public var transmissionId: String?
    public var transmissionType: String?
    public var violationsOnly = false
    public var excludeRejected = false
    /// Inclusive, in nanoseconds since the epoch.
    public var occurredFrom: Int64?
    /// Exclusive, in nanoseconds since the epoch.
    public var occurredBefore: Int64?
    /// Only leaves below this index: those a checkpoint of this size covers.
    public var below: UInt64?

    public init() {}
}

/// What one institution's entries in a ledger add up to.
public struct InstitutionTally: Sendable {
    /// Entries by event type, then by outcome.
    public var outcomes: [String: [String: Int]] = [:]
    /// Producer findings by code.
    public var findings: [String: Int] = [:]
    /// Rejected records by rejection code.
    public var rejections: [String: Int] = [:]

    public init() {}
}

extension LedgerReader {
    /// The entries after index `after` (all of them when `nil`) that match `filter`, in index order, at most `limit`.
    public func entries(matching filter: EntryFilter, after: UInt64?, limit: Int) throws -> [IndexedEntry] {
        var conditions = ["leaf.idx > ?"]
        // An index beyond what SQLite's integers hold has nothing after it.
        var arguments: [(any DatabaseValueConvertible)?] = [after.map { Int64(clamping: $0) } ?? -1]
        func require(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            guard let value else { return }
            conditions.append(condition)
            arguments.append(value)
        }
        require("leaf.subject = ?", filter.subject.map { Data($0.bytes) })
        require("entry.institution = ?", filter.institution)
        require("entry.event_type = ?", filter.eventType)
        require("entry.outcome = ?", filter.outcome)
        require("entry.purpose = ?", filter.purpose)
        require("entry.transmission_id = ?", filter.transmissionId)
        require("entry.transmission_type = ?", filter.transmissionType)
        require("entry.occurred_at >= ?", filter.occurredFrom)
        require("entry.occurred_at < ?", filter.occurredBefore)
        require("leaf.idx < ?", filter.below.map { Int64(clamping: $0) })
        if filter.violationsOnly { conditions.append("entry.violation = 1") }
        if filter.excludeRejected { conditions.append("entry.outcome != 'rejected'") }
        arguments.append(limit)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT leaf.idx, leaf.leaf, leaf.leaf_hash, payload.value, payload.redacted,
                       entry.institution, entry.outcome, entry.violation, entry.findings, entry.occurred_at,
                       payload.key_id, payload.erased_by, erasing.leaf
                FROM leaf JOIN entry USING (idx) JOIN payload USING (idx) LEFT JOIN leaf AS erasing ON erasing.idx = payload.erased_by
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY leaf.idx LIMIT ?
                """,
            arguments: StatementArguments(arguments))
        return try rows.map { row in
            let leaf: Data = try row.decode(atIndex: 1)
            let value: Data? = try row.decode(atIndex: 3)
            let findings: String = try row.decode(atIndex: 8)
            let index = try Self.index(row, 0)
            let payload = try openPayload(
                index: index, value: value.map(Array.init), headers: nil, redacted: try row.decode(atIndex: 4),
                keyID: try row.decode(atIndex: 10), erasedBy: try row.decode(atIndex: 11))
            return IndexedEntry(
                index: index, leaf: try LedgerLeaf(decoding: Array(leaf)), leafHash: try Self.hash(row.decode(atIndex: 2)),
                value: payload.value, redacted: payload.redacted, erasedBy: payload.erasedBy,
                erasingLeaf: try row.decode(Data?.self, atIndex: 12).map { try LedgerLeaf(decoding: Array($0)) },
                institution: try row.decode(atIndex: 5),
                outcome: try row.decode(atIndex: 6), isViolation: try row.decode(atIndex: 7),
                findings: findings.split(separator: " ").map(String.init), occurredAt: try row.decode(atIndex: 9))
        }
    }

    /// The index of the first leaf with this leaf hash, if any.
    public func index(ofLeafHash hash: SHA256Hash) throws -> UInt64? {
        try Int64.fetchOne(db, sql: "SELECT idx FROM leaf WHERE leaf_hash = ? ORDER BY idx LIMIT 1", arguments: [Data(hash.bytes)])
            .map { try Self.index($0, "leaf index") }
    }

    /// The subject of the leaf at `index`, and whether there is such a leaf.
    public func subject(at index: UInt64) throws -> (exists: Bool, subject: SubjectReference?) {
        guard let key = Int64(exactly: index),
            let row = try Row.fetchOne(db, sql: "SELECT subject FROM leaf WHERE idx = ?", arguments: [key])
        else { return (false, nil) }
        let subject: Data? = try row.decode(atIndex: 0)
        return (true, subject.flatMap { SubjectReference(bytes: Array($0)) })
    }

    /// Up to `limit` signed checkpoints with a size above `after`, smallest first.
    public func checkpoints(after: UInt64?, limit: Int) throws -> [(size: UInt64, note: String, mapNote: String?)] {
        try Row.fetchAll(
            db, sql: "SELECT size, note, map_note FROM checkpoint WHERE size > ? ORDER BY size LIMIT ?",
            arguments: [after.map { Int64(clamping: $0) } ?? -1, limit]
        ).map(Self.checkpointRow)
    }

    /// Counts one institution's entries by type and outcome, its findings, and its rejections by reason.
    public func tally(institution: String) throws -> InstitutionTally {
        var tally = InstitutionTally()
        let outcomes = try Row.fetchCursor(
            db, sql: "SELECT event_type, outcome, COUNT(*) FROM entry WHERE institution = ? GROUP BY event_type, outcome",
            arguments: [institution])
        while let row = try outcomes.next() {
            tally.outcomes[try row.decode(atIndex: 0), default: [:]][try row.decode(atIndex: 1)] = try row.decode(atIndex: 2)
        }
        let findings = try Row.fetchCursor(
            db, sql: "SELECT findings, COUNT(*) FROM entry WHERE institution = ? AND findings != '' GROUP BY findings",
            arguments: [institution])
        while let row = try findings.next() {
            let codes: String = try row.decode(atIndex: 0)
            let count: Int = try row.decode(atIndex: 1)
            for code in codes.split(separator: " ") { tally.findings[String(code), default: 0] += count }
        }
        let rejected = try Data.fetchCursor(
            db, sql: "SELECT leaf.leaf FROM leaf JOIN entry USING (idx) WHERE entry.institution = ? AND entry.outcome = 'rejected'",
            arguments: [institution])
        while let bytes = try rejected.next() {
            let verdict = try VerdictCodes(canonicalJSON: try LedgerLeaf(decoding: Array(bytes)).verdict)
            tally.rejections[verdict.rejection ?? "unknown", default: 0] += 1
        }
        return tally
    }

    static func hash(_ data: Data) throws -> SHA256Hash {
        guard let hash = SHA256Hash(bytes: data) else { throw LedgerStoreError(.corrupt, "a stored hash is not 32 bytes") }
        return hash
    }

    /// A stored leaf index or size: never negative in a ledger this package wrote, so a negative one is corruption.
    static func index(_ value: Int64, _ what: String) throws -> UInt64 {
        guard let index = UInt64(exactly: value) else { throw LedgerStoreError(.corrupt, "a stored \(what) is \(value)") }
        return index
    }

    static func index(_ row: Row, _ column: Int) throws -> UInt64 {
        try index(row.decode(atIndex: column), "leaf index")
    }

    /// A `checkpoint` table row: size, note, subject-map note.
    static func checkpointRow(_ row: Row) throws -> (size: UInt64, note: String, mapNote: String?) {
        (try index(row.decode(atIndex: 0), "checkpoint size"), try row.decode(atIndex: 1), try row.decode(atIndex: 2))
    }
}
