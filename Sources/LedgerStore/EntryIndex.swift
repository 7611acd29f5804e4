import ConsentModel
import Foundation
import GRDB
import LedgerFormat

/// What the query side (citizens' history, institutions' receipts, regulators' reports) looks leaves
/// up by. Derived from a leaf and its event alone, so it can be rebuilt at any time and is not
/// itself part of what the ledger commits to; a verifier that judged the record again compares the stored row with it.
public struct EntryIndex: Equatable, Sendable {
    /// The publishing institution (the event's `source`); empty when the value could not be decoded.
    var institution: String
    var eventType: String
    /// `rejected`, `not-applied` (a duplicate or replay), `recorded` (an applied consent event) or the
    /// access outcome's code (`covered`, `no-consent`, …).
    var outcome: String
    var isViolation: Bool
    /// The producer findings' codes, space-separated.
    var findings: String
    /// An access's purpose.
    var purpose: String?
    /// When it happened, in nanoseconds since the epoch: an access's `occurredAt`, otherwise the event's `time`.
    var occurredAt: Int64?
    /// An access's MyData transaction id and transmission type, when it gives them.
    var transmissionId: String?
    var transmissionType: String?

    /// A row as stored.
    init(
        institution: String, eventType: String, outcome: String, isViolation: Bool, findings: String, purpose: String?, occurredAt: Int64?,
        transmissionId: String?, transmissionType: String?
    ) {
        self.institution = institution
        self.eventType = eventType
        self.outcome = outcome
        self.isViolation = isViolation
        self.findings = findings
        self.purpose = purpose
        self.occurredAt = occurredAt
        self.transmissionId = transmissionId
        self.transmissionType = transmissionType
    }

    /// The row the writer makes for `leaf`, whose record decoded to `event`.
    public init(leaf: LedgerLeaf, verdict: VerdictCodes, event: Event?) {
        institution = leaf.producer
        eventType = leaf.eventType
        findings = verdict.findings.joined(separator: " ")
        isViolation = verdict.isViolation
        outcome = verdict.listedOutcome
        if case .accessPerformed(let access) = event?.data {
            purpose = access.purpose
            occurredAt = access.occurredAt.nanoseconds
            transmissionId = access.transmissionId
            transmissionType = access.transmissionType
        } else {
            occurredAt = event?.time.nanoseconds
        }
    }

    /// The row of an erased record: what its leaf says, and as its time the Kafka timestamp the leaf commits to.
    public init(erased leaf: LedgerLeaf) throws {
        self.init(leaf: leaf, verdict: try VerdictCodes(canonicalJSON: leaf.verdict), event: nil)
        occurredAt = leaf.timestamp.flatMap { Timestamp(milliseconds: $0)?.nanoseconds }
    }

    /// Makes the row of the record at `index` that of its erased record (``init(erased:)``): nothing read from the
    /// record stays.
    static func forgetRecord(at index: UInt64, of leaf: LedgerLeaf, _ db: Database) throws {
        let erased = try EntryIndex(erased: leaf)
        try db.execute(
            sql: "UPDATE entry SET purpose = NULL, transmission_id = NULL, transmission_type = NULL, occurred_at = ? WHERE idx = ?",
            arguments: [erased.occurredAt, Int64(index)])
    }

    func insert(index: UInt64, using statement: Statement) throws {
        try statement.execute(arguments: [
            Int64(index), institution, eventType, outcome, isViolation, findings, purpose, occurredAt, transmissionId, transmissionType,
        ])
    }

    static let insertSQL = """
        INSERT INTO entry(idx, institution, event_type, outcome, violation, findings, purpose, occurred_at, transmission_id, transmission_type)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Indexes every leaf stored before the index existed (migration "v3", whose table had no transmission columns yet:
    /// no record of that time could carry them).
    static func backfill(_ db: Database) throws {
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO entry(idx, institution, event_type, outcome, violation, findings, purpose, occurred_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let rows = try Row.fetchCursor(db, sql: "SELECT leaf.idx, leaf.leaf, payload.value FROM leaf JOIN payload USING (idx) ORDER BY idx")
        while let row = try rows.next() {
            let leaf = try LedgerLeaf(decoding: Array(row.decode(Data.self, atIndex: 1)))
            let value: Data? = try row.decode(atIndex: 2)
            let event = leaf.eventID.isEmpty ? nil : value.flatMap { try? Event.decode(Array($0)) }
            let indexed = EntryIndex(leaf: leaf, verdict: try VerdictCodes(canonicalJSON: leaf.verdict), event: event)
            try insert.execute(arguments: [
                try LedgerReader.index(row, 0), indexed.institution, indexed.eventType, indexed.outcome, indexed.isViolation,
                indexed.findings,
                indexed.purpose, indexed.occurredAt,
            ])
        }
    }
}
