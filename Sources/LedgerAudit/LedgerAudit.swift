import ConsentModel
import Crypto
import Foundation
import LedgerStore
import MerkleLog
import Synchronization

/// The regulator's full check of one partition ledger, from its file or as a ledgerd serves it, trusting nothing
/// in it but what the ledger's public key signed:
///
/// - every checkpoint and subject-map checkpoint is signed by the ledger key under the ledger's origin;
/// - the leaves are numbered without gaps and carry rising offsets of the ledger's own topic and partition;
/// - every leaf's hash and chain link are as stored, and its record's bytes hash to what the leaf commits to;
/// - the tree of the first N leaves has each checkpoint's root, and the subject map (recomputed from the
///   leaves' subject chains) has each map checkpoint's root; successive checkpoints are thus consistent;
/// - every verdict is what the rules (rules/v1, then rules/v2 from a signed rules change) make of the records in order,
///   given the registry file and registry authority (unless none is given: a structural check, many times faster, that leaves verdicts unchecked);
/// - the stored per-subject rows are what the leaves say (from the file only: the API does not serve them);
/// - with a witness policy, some checkpoint carries the cosignatures of a quorum of its witnesses (kept beside
///   the ledger as each witness published them); the largest such checkpoint is reported.
///
/// The first disagreement stops the check and names the leaf (or checkpoint) and the reason.
public struct LedgerAudit: Sendable {
    /// What was checked in one ledger.
    public struct Summary: Sendable, Equatable {
        /// A leaf that ordered an erasure, and how many records it erased.
        public struct Erasure: Sendable, Equatable {
            public let leaf: UInt64
            public let records: Int
        }

        public let origin: String
        public let leaves: UInt64
        public let checkpoints: Int
        public let subjects: Int
        /// Verdicts recomputed by the rules: every one but those an erasure left standing as written, or none when no
        /// registry was given.
        public let verdictsRecomputed: UInt64
        /// Each leaf that ordered an erasure, with how many records it erased (each checked to be of its subject and in
        /// its scope), in leaf order.
        public let erasures: [Erasure]
        /// The size of the largest checkpoint a quorum of the policy's witnesses cosigned (`nil` without a policy).
        public let witnessedSize: UInt64?
    }

    /// Where a ledger first disagrees with what it must be.
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let origin: String
        /// The leaf concerned, if the failure is about one.
        public let index: UInt64?
        public let reason: String

        public var description: String {
            "\(origin)" + (index.map { ", leaf \($0)" } ?? "") + ": \(reason)"
        }
    }

    /// What verdicts are recomputed under; `nil` checks everything but the verdicts.
    public let trust: RegistryTrust?
    /// The ledger's checkpoint key; each ledger's notes are signed under its own origin.
    public let ledgerKey: Curve25519.Signing.PublicKey

    /// Witnesses (`witness VKEY` lines) and how many of them must cosign (`quorum N`), in the text of a
    /// ``TrustPolicy`` without its log line: the log key is ``ledgerKey`` under each ledger's origin.
    public let witnessPolicy: String?

    /// Leaves read, then prepared on all cores, at a time.
    static let batchSize = 4_096

    /// Opens the records' sealed payloads (the data directory's key store and master key); without it, a ledger whose
    /// payloads are sealed cannot be checked.
    public let keys: PayloadKeys?

    public init(trust: RegistryTrust?, ledgerKey: Curve25519.Signing.PublicKey, keys: PayloadKeys? = nil, witnessPolicy: String? = nil) {
        self.trust = trust
        self.ledgerKey = ledgerKey
        self.keys = keys
        self.witnessPolicy = witnessPolicy
    }

    /// Checks the ledger file at `path` on threads of its own, calling `progress` with the leaves checked so far and the
    /// total: what async code calls, since the check waits for its reader and helpers, which must not hold a thread of
    /// Swift's cooperative pool.
    public func verify(file path: String, progress: @escaping @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws -> Summary {
        try await OwnThread.run { try verify(path: path, progress: progress) }
    }

    /// Checks the ledger file at `path`, calling `progress` with the leaves checked so far and the total. Blocks while
    /// it reads and checks; from async code call ``verify(file:progress:)``.
    public func verify(path: String, progress: (UInt64, UInt64) -> Void = { _, _ in }) throws -> Summary {
        let file = try LedgerFile(readingAt: path, keys: keys)
        return try file.read { reader in
            guard try reader.holdsLedger else {
                throw Failure(
                    origin: path, index: nil,
                    reason:
                        "holds no ledger tables: a copy of a ledger file made without its -wal file looks like this; make copies with `ledgerctl backup`"
                )
            }
            let meta = try reader.meta()
            guard let origin = meta["origin"], let topic = meta["topic"], let partition = meta["partition"].flatMap(Int32.init) else {
                throw Failure(origin: path, index: nil, reason: "the database names no ledger (meta table incomplete)")
            }
            let checks = BackgroundChecks(
                try Verification(
                    self, origin: origin, topic: topic, partition: partition, checkpoints: try reader.checkpoints(),
                    cosigned: witnessPolicy == nil ? [:] : try reader.cosignedCheckpoints(), checksIndex: trust != nil),
                preparingWith: preparer)
            let total = try reader.size
            var batch: [StoredLeaf] = []
            // Only the rules read the headers.
            try reader.forEachStoredLeaf(withHeaders: trust != nil, withIndex: trust != nil) { stored in
                batch.append(stored)
                if batch.count == Self.batchSize {
                    progress(try checks.submit(batch), total)
                    batch = []
                }
            }
            _ = try checks.submit(batch)
            let verification = try checks.finish()
            progress(verification.size, total)
            let summary = try verification.finish(subjectRows: try reader.subjectRows(), consumedNextOffset: try reader.consumedNextOffset)
            try Self.checkStoredNodes(reader, origin: origin)
            if trust != nil, case let orphans = try reader.queryIndexRowsWithoutLeaf, orphans > 0 {
                throw Failure(origin: origin, index: nil, reason: "the query index lists \(orphans) entries that are no leaves")
            }
            return summary
        }
    }

    /// The keys records are prepared for judging with (the half that needs no state), if verdicts are recomputed; a
    /// check learns more as the ledger's own registry events add them.
    var preparer: SigningKeys? { trust?.signingKeys }

    /// Checks batches in order on a thread of its own while the caller reads the next; both threads (and any
    /// other cores) examine each batch's leaves before it is checked. Reading is a sequential cursor, and the
    /// in-order checks are under half of a verifier's work: sharing the examining keeps both cores busy.
    private final class BackgroundChecks: @unchecked Sendable {
        /// Touched only on `queue`, and by ``finish()`` once the queue is drained.
        private var verification: Verification
        /// Read by the reader for each batch, written on `queue` as checked batches add keys.
        private let preparer: Mutex<SigningKeys?>
        private let queue = DispatchQueue(label: "ledger-audit.checks")
        /// One batch checked while the next is examined: the reader waits before reading a third.
        private let inFlight = DispatchSemaphore(value: 2)
        private let checkedSize = Atomic<UInt64>(0)
        /// The first failure; the batches submitted, oldest first, and how many of them are checked. Only the
        /// reader holds batches, and frees them once checked: freeing memory of another thread's malloc arena
        /// contends for that arena's lock with every allocation there.
        private let state = Mutex<(failure: (any Error)?, batches: [ExaminedBatch], checked: Int)>((nil, [], 0))

        init(_ verification: Verification, preparingWith preparer: SigningKeys?) {
            self.verification = verification
            self.preparer = Mutex(preparer)
        }

        /// Queues `leaves` to be checked after those submitted before, helps examine them, and returns how many
        /// leaves are checked so far; throws the first failure instead.
        func submit(_ leaves: [StoredLeaf]) throws -> UInt64 {
            inFlight.wait()
            let batch = ExaminedBatch(leaves, preparingWith: preparer.withLock { $0 })
            let (failure, _) = state.withLock { state in
                defer {
                    state.batches.removeFirst(state.checked)
                    state.checked = 0
                    state.batches.append(batch)
                }
                return (state.failure, state.batches.prefix(state.checked))
            }
            if let failure {
                inFlight.signal()
                throw failure
            }
            queue.async { [unowned batch] in
                defer {
                    self.state.withLock { $0.checked += 1 }
                    self.inFlight.signal()
                }
                guard self.state.withLock({ $0.failure == nil }) else { return }
                do {
                    try self.verification.check(batch)
                    self.checkedSize.store(self.verification.size, ordering: .relaxed)
                    if let keys = self.verification.signingKeys { self.preparer.withLock { $0 = keys } }
                } catch {
                    self.state.withLock { $0.failure = error }
                }
            }
            for _ in 2..<max(2, ProcessInfo.processInfo.activeProcessorCount) {
                DispatchQueue.global().async { batch.help() }
            }
            batch.help()
            return checkedSize.load(ordering: .relaxed)
        }

        /// The check once every batch submitted is checked.
        func finish() throws -> Verification {
            queue.sync {}
            if let failure = state.withLock({ $0.failure }) { throw failure }
            return verification
        }
    }
}
