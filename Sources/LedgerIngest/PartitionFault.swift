import LedgerStore

/// Why a partition's ledger cannot go on, and what an operator should do: what quarantines the partition.
///
/// A fault is one partition's: its ledger's file, its disk writes, its replay or its published checkpoints.
/// The other partitions go on ingesting, and the API goes on serving every ledger it can read.
public struct PartitionFault: Error, Sendable, CustomStringConvertible {
    /// A bounded set of kinds, for logs and the `ledger_partition_quarantined` metric's `cause` label.
    public struct Cause: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The file system holding the ledger is full.
        public static let diskFull = Cause("disk-full")
        /// The ledger's file is not a SQLite database, or is damaged.
        public static let corrupt = Cause("corrupt")
        /// Reading or writing the file failed (permissions, a failing disk).
        public static let io = Cause("io")
        /// Replaying the stored records under today's rules and registry gives other verdicts than those stored.
        public static let replayMismatch = Cause("replay-mismatch")
        /// The ledger disagrees with a checkpoint it published.
        public static let checkpointMismatch = Cause("checkpoint-mismatch")
        /// The file holds another partition's ledger.
        public static let wrongLedger = Cause("wrong-ledger")
        /// Anything else.
        public static let other = Cause("other")

        static let all: [Cause] = [.diskFull, .corrupt, .io, .replayMismatch, .checkpointMismatch, .wrongLedger, .other]
    }

    public let cause: Cause
    /// What happened.
    public let reason: String
    /// What an operator should do.
    public let remedy: String
    /// Whether the ledger may still be served as of its last commit (a write failed; what was committed is sound).
    public let isServable: Bool

    public init(_ cause: Cause, _ reason: String, remedy: String, isServable: Bool = false) {
        self.cause = cause
        self.reason = reason
        self.remedy = remedy
        self.isServable = isServable
    }

    public var description: String { "\(cause): \(reason); \(remedy)" }

    /// The fault `error` is, for the ledger at `path`.
    init(_ error: any Error, path: String) {
        let restore =
            "move \(path) aside (with its -wal and -shm files) and ledgerd rebuilds it from the topic, or restore it from a backup (docs/operations.md)"
        switch (error, StorageFailure(error)) {
        case (let fault as PartitionFault, _):
            self = fault
        case (_, .diskFull(let message)):
            self.init(
                .diskFull, "\(path): the disk is full (\(message))",
                remedy: "free space on the data directory's file system; ingestion resumes by itself", isServable: true)
        case (_, .damaged(let message)):
            self.init(.corrupt, "\(path) is damaged: \(message)", remedy: restore)
        case (_, .inaccessible(let message)):
            self.init(
                .io, "\(path) cannot be read or written: \(message)",
                remedy: "check the data directory's disk, mount and permissions; ledgerd retries by itself", isServable: true)
        case (let error as LedgerStoreError, _):
            if error.code == .wrongLedger {
                self.init(.wrongLedger, "\(path): \(error)", remedy: "check --data-dir and --ledger-name")
            } else {
                self.init(.corrupt, "\(path): \(error)", remedy: restore)
            }
        default:
            self.init(.other, "\(path): \(error)", remedy: "see the log above; ledgerd retries by itself")
        }
    }

    /// Replaying the ledger gave another verdict than the one its leaf holds.
    static func replayMismatch(_ origin: String, index: UInt64, path: String) -> PartitionFault {
        PartitionFault(
            .replayMismatch, "leaf \(index) of \(origin) judges differently on replay",
            remedy:
                "start ledgerd with the registry file and registry authority the ledger was written under, or move \(path) aside so that it is rebuilt from the topic under today's"
        )
    }
}
