/// The Kafka topics of a deployment, as `topics/` creates them and docs/operations.md describes their records.
public enum LedgerTopic {
    /// Institutions' signed events: what the ledgers are made of.
    public static let events = "consent-ledger.events.v1"
    /// Signed checkpoints of every ledger, and witnesses' cosignatures, keyed by ``CheckpointsTopicKey``.
    public static let checkpoints = "consent-ledger.checkpoints.v1"
    /// A ``Receipt`` for each violation or producer finding, and witnesses' alarms.
    public static let alerts = "consent-ledger.alerts.v1"
    /// A copy of each rejected record, with ``RejectedRecordHeader``s added.
    public static let rejected = "consent-ledger.rejected.v1"
    /// A ``Receipt`` for every leaf.
    public static let receipts = "consent-ledger.receipts.v1"
}

/// The headers ledgerd adds to a rejected record's copy on ``LedgerTopic/rejected``, after the record's own.
public enum RejectedRecordHeader {
    /// `<rejection code>: <detail>`.
    public static let reason = "consent-ledger-rejection"
    /// `<origin>/<leaf index>`: the leaf that records the rejection.
    public static let leaf = "consent-ledger-leaf"
}

/// How a partition ledger and a place in it are named.
public enum LedgerOrigin {
    /// `<ledger name>/<topic>/<partition>`: the origin line of the ledger's checkpoints.
    public static func of(ledgerName: String, topic: String, partition: Int32) -> String {
        "\(ledgerName)/\(topic)/\(partition)"
    }

    /// `<origin>@<offset>`: a record's key on the output topics when it has no readable event id.
    public static func coordinates(origin: String, offset: Int64) -> String { "\(origin)@\(offset)" }

    /// `witness/<witness name>/<origin>`: the key of a witness's alarm about a ledger on ``LedgerTopic/alerts``.
    public static func witnessAlarmKey(witness: String, origin: String) -> String { "witness/\(witness)/\(origin)" }
}
