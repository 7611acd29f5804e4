/// What ledgerd publishes once a record is in a ledger, on ``LedgerTopic/receipts`` (and, for a violation or a
/// finding, on ``LedgerTopic/alerts``): where the record is, and the verdict. Canonical JSON, keyed by the event id,
/// or by ``LedgerOrigin/coordinates(origin:offset:)`` for a record without one.
public struct Receipt: Sendable, Hashable, Codable {
    /// The partition ledger's origin, as in its checkpoints.
    public let origin: String
    public let index: UInt64
    public let offset: Int64
    /// Hex.
    public let leafHash: String
    /// The verdict's canonical JSON.
    public let verdict: String
    public let eventId: String?

    public init(origin: String, index: UInt64, offset: Int64, leafHash: String, verdict: String, eventId: String?) {
        self.origin = origin
        self.index = index
        self.offset = offset
        self.leafHash = leafHash
        self.verdict = verdict
        self.eventId = eventId
    }
}
