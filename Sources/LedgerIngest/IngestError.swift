import CodedErrors

/// Why ingestion cannot start: a ``Code`` to match, a reason that says what to do, and where it was thrown. (A fault
/// in one partition is a ``PartitionFault``, which quarantines that partition only.)
public typealias IngestError = CodedError<IngestErrorDomain>

/// The domain of ``IngestError``: its codes follow.
public enum IngestErrorDomain: ErrorDomain {}

extension CodedError.Code where Domain == IngestErrorDomain {
    /// The checkpoints topic, against which every ledger is checked at start, cannot be read.
    public static var checkpointsUnreadable: Self { Self("checkpointsUnreadable") }
}
