import ConsentModel
import LedgerStore
import MerkleLog

/// Each partition this instance holds, and how it may change:
///
///     ready ── a batch takes its rules ──▶ applying ── the batch commits, the rules come back ──▶ ready
///       │                                     │
///       └────────────── a fault ──────────────┴──▶ quarantined ── reopened ──▶ ready
///
/// Only a ready partition has its rules at hand, so a batch applies them to the one copy of the consent state; only
/// a ready partition is checkpointed, so no append of it is running while its tree and map are signed.
enum PartitionState: Sendable {
    case ready(OpenPartition, Rules)
    case applying(OpenPartition)
    case quarantined(Quarantine)

    var open: OpenPartition? {
        switch self {
        case .ready(let open, _), .applying(let open): open
        case .quarantined: nil
        }
    }

    var quarantine: Quarantine? {
        if case .quarantined(let quarantine) = self { quarantine } else { nil }
    }
}

/// A partition whose ledger is open: the ledger, its signer, where its outputs wait, and its checkpoint schedule.
struct OpenPartition: Sendable {
    let ledger: PartitionLedger
    let signer: NoteSigner
    let outbox: Outbox
    /// `nil` until a checkpoint covers every leaf: then one is due at once, even for an empty ledger, so that
    /// citizens' completeness proofs cover every partition.
    var checkpointedSize: UInt64?
    var checkpointedAt: ContinuousClock.Instant
    /// The last checkpoint published for this ledger, while a rebuild has not yet reached its size.
    var awaitedCheckpoint: Checkpoint?
    /// The quarantine it left, until its first commit: a fault before then continues it (its retries, its start).
    var leftQuarantine: Quarantine?
}
