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
/// - every verdict is what `rules/v1` makes of the records in order, under the institution registry
///   (unless no registry is given: a structural check, many times faster, that leaves verdicts unchecked);
/// - the stored per-subject rows are what the leaves say (from the file only: the API does not serve them);
/// - with a witness policy, some checkpoint carries the cosignatures of a quorum of its witnesses (kept beside
///   the ledger as each witness published them); the largest such checkpoint is reported.
///
/// The first disagreement stops the check and names the leaf (or checkpoint) and the reason.
public struct LedgerAudit {
    /// What was checked in one ledger.
    public struct Summary: Sendable, Equatable {
        public let origin: String
        public let leaves: UInt64
        public let checkpoints: Int
        public let subjects: Int
        /// Verdicts recomputed by the rules; the rest had redacted records, or no registry was given.
        public let verdictsRecomputed: UInt64
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

    /// The registry verdicts are recomputed under; `nil` checks everything but the verdicts.
    public let registry: InstitutionRegistry?
    /// The ledger's checkpoint key; each ledger's notes are signed under its own origin.
    public let ledgerKey: Curve25519.Signing.PublicKey

    /// Witnesses (`witness VKEY` lines) and how many of them must cosign (`quorum N`), in the text of a
    /// ``TrustPolicy`` without its log line: the log key is ``ledgerKey`` under each ledger's origin.
    public let witnessPolicy: String?

    /// Leaves read, then prepared on all cores, at a time.
    static let batchSize = 4_096

    public init(registry: InstitutionRegistry?, ledgerKey: Curve25519.Signing.PublicKey, witnessPolicy: String? = nil) {
        self.registry = registry
        self.ledgerKey = ledgerKey
        self.witnessPolicy = witnessPolicy
    }

    /// Checks the ledger file at `path`, calling `progress` with the leaves checked so far and the total.
    public func verify(path: String, progress: (UInt64, UInt64) -> Void = { _, _ in }) throws -> Summary {
        let file = try LedgerFile(readingAt: path)
        return try file.read { reader in
            let meta = try reader.meta()
            guard let origin = meta["origin"], let topic = meta["topic"], let partition = meta["partition"].flatMap(Int32.init) else {
                throw Failure(origin: path, index: nil, reason: "the database names no ledger (meta table incomplete)")
            }
            let checks = BackgroundChecks(
                try Verification(
                    self, origin: origin, topic: topic, partition: partition, checkpoints: try reader.checkpoints(),
                    cosigned: witnessPolicy == nil ? [:] : try reader.cosignedCheckpoints()))
            let total = try reader.size
            let preparer = self.preparer
            var batch: [StoredLeaf] = []
            // Only the rules read the headers.
            try reader.forEachStoredLeaf(withHeaders: registry != nil) { stored in
                batch.append(stored)
                if batch.count == Self.batchSize {
                    progress(try checks.submit(batch, Self.examine(batch, preparingWith: preparer)), total)
                    batch = []
                }
            }
            _ = try checks.submit(batch, Self.examine(batch, preparingWith: preparer))
            let verification = try checks.finish()
            progress(verification.size, total)
            return try verification.finish(subjectRows: try reader.subjectRows())
        }
    }

    /// The rules that prepare records for judging (the half that needs no state), if verdicts are recomputed.
    var preparer: RulesV1? { registry.map { RulesV1(registry: $0, secret: .generate()) } }

    /// Checks batches in order on a thread of its own, one at a time, while the caller reads and examines the
    /// next: the in-order checks are under half of a verifier's work.
    private final class BackgroundChecks: @unchecked Sendable {
        // Touched only by the check in flight, or by the caller while none is (`idle` orders the two).
        private var verification: Verification
        private var failure: (any Error)?
        /// The batch last checked, handed back to be freed by the thread that read it: freeing memory of
        /// another thread's malloc arena contends for that arena's lock with every allocation there.
        private var checked: ([StoredLeaf], [Examined]) = ([], [])
        private let idle = DispatchSemaphore(value: 1)
        private let queue = DispatchQueue(label: "ledger-audit.checks")

        init(_ verification: Verification) {
            self.verification = verification
        }

        /// Starts checking `batch` (with what ``LedgerAudit/examine(_:preparingWith:)`` made of it) once the previous
        /// batch is checked, and returns how many leaves that made; throws the first failure instead.
        func submit(_ batch: [StoredLeaf], _ examined: [Examined]) throws -> UInt64 {
            idle.wait()
            if let failure {
                idle.signal()
                throw failure
            }
            let size = verification.size
            checked = ([], [])  // frees the batch last checked, here
            queue.async {
                do {
                    try self.verification.check(batch, examined)
                } catch {
                    self.failure = error
                }
                self.checked = (batch, examined)
                self.idle.signal()
            }
            return size
        }

        /// The check once every batch submitted is checked.
        func finish() throws -> Verification {
            idle.wait()
            defer { idle.signal() }
            if let failure { throw failure }
            return verification
        }
    }

    /// What each leaf of a batch needs that depends on nothing before it, computed on all cores: the leaf
    /// decoded, its hash, its record's hash, and (given the rules) the record read and its signature
    /// checked, the half of judging that the rules then apply in order.
    static func examine(_ batch: [StoredLeaf], preparingWith rules: RulesV1?) -> [Examined] {
        // Several chunks per core, so that a thread free sooner takes more of them.
        let chunks = ProcessInfo.processInfo.activeProcessorCount * 4
        let chunk = max(1, (batch.count + chunks - 1) / chunks)
        let parts = Mutex<[Int: [Examined]]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { n in
            let part = batch[min(n * chunk, batch.count)..<min((n + 1) * chunk, batch.count)].map { stored in
                let leaf = try? LedgerLeaf(decoding: stored.leaf)
                return Examined(
                    leaf: leaf, leafHash: RFC6962.leafHash(stored.leaf),
                    valueHash: stored.redacted ? nil : stored.value.map { SHA256Hash.of($0) },
                    prepared: rules?.prepare(
                        IncomingRecord(
                            value: stored.value, headers: stored.headers, timestamp: leaf?.timestamp.map { Timestamp(milliseconds: $0) })))
            }
            parts.withLock { $0[n] = part }
        }
        return parts.withLock { parts in (0..<chunks).flatMap { parts[$0] ?? [] } }
    }

    struct Examined: Sendable {
        /// `nil` if the bytes do not decode (decoded again in order, to report why).
        let leaf: LedgerLeaf?
        let leafHash: SHA256Hash
        /// `nil` for a tombstone or a redacted record.
        let valueHash: SHA256Hash?
        let prepared: PreparedRecord?
    }
}
