import ConsentModel
import Crypto
import Foundation
import LedgerStore
import MerkleLog
import Synchronization

/// The regulator's full check of one partition ledger file, trusting nothing in it but what the
/// ledger's public key signed:
///
/// - every checkpoint and subject-map checkpoint is signed by the ledger key under the ledger's origin;
/// - the leaves are numbered without gaps and carry rising offsets of the ledger's own topic and partition;
/// - every leaf's hash and chain link are as stored, and its record's bytes hash to what the leaf commits to;
/// - the tree of the first N leaves has each checkpoint's root, and the subject map (recomputed from the
///   leaves' subject chains) has each map checkpoint's root; successive checkpoints are thus consistent;
/// - every verdict is what `rules/v1` makes of the records in order, under the institution registry
///   (unless no registry is given: a structural check, many times faster, that leaves verdicts unchecked);
/// - the stored per-subject rows are what the leaves say;
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
            func fail(_ index: UInt64?, _ reason: String) -> Failure { Failure(origin: origin, index: index, reason: reason) }
            let policy = try TrustPolicy(
                log: try NoteVerifier(name: origin, kind: .ed25519, publicKey: Array(ledgerKey.rawRepresentation)))
            var checkpoints: [(log: Checkpoint, map: MapCheckpoint?)] = []
            for stored in try reader.checkpoints() {
                do {
                    let log = try policy.verify(try SignedNote(parsing: Array(stored.note.utf8)))
                    let map = try stored.mapNote.map { try policy.verifyMap(try SignedNote(parsing: Array($0.utf8))) }
                    guard log.size == stored.size, map.map({ $0.log == log }) ?? true else {
                        throw fail(nil, "the checkpoint stored at size \(stored.size) is of another tree")
                    }
                    checkpoints.append((log, map))
                } catch let error as MerkleLogError {
                    throw fail(nil, "the checkpoint at size \(stored.size) does not verify: \(error)")
                }
            }
            let witnessedSize = try witnessPolicy.map { text in
                let witnesses: TrustPolicy
                do {
                    witnesses = try TrustPolicy(text: text, log: policy.log)
                } catch {
                    throw fail(nil, "the witness policy: \(error)")
                }
                return try witnessed(checkpoints.map(\.log), by: witnesses, cosigned: try reader.cosignedCheckpoints(), fail: fail)
            }
            let total = try reader.size

            var chain = ChainedLogVerifier(previousChainHash: LedgerLeaf.previousChainHash(in:))
            var rules = registry.map { RulesV1(registry: $0, secret: .generate()) }
            var heads: [SHA256Hash: SubjectMapValue] = [:]
            var touched: [SHA256Hash: SubjectMapValue] = [:]
            var map = SubjectMap()
            var nextCheckpoint = checkpoints.startIndex
            var previousOffset: Int64 = -1
            var recomputed: UInt64 = 0
            var judging = rules != nil
            func checkCheckpoints(at size: UInt64) throws {
                while nextCheckpoint < checkpoints.endIndex, checkpoints[nextCheckpoint].log.size == size {
                    let (log, mapCheckpoint) = checkpoints[nextCheckpoint]
                    guard chain.tree.root == log.root else {
                        throw fail(
                            nil, "the first \(size) leaves hash to \(chain.tree.root), but the checkpoint at \(size) says \(log.root)")
                    }
                    if let mapCheckpoint {
                        map.update(touched)
                        touched = [:]
                        guard map.rootHash == mapCheckpoint.mapRoot, UInt64(map.count) == mapCheckpoint.keyCount else {
                            throw fail(
                                nil, "the subject map of the first \(size) leaves is not the one the map checkpoint at \(size) signs")
                        }
                    }
                    nextCheckpoint += 1
                }
            }
            try checkCheckpoints(at: 0)
            var batch: [StoredLeaf] = []
            func check(_ batch: [StoredLeaf]) throws {
                let decoded = Self.examine(batch, preparingWith: judging ? rules : nil)
                for (position, stored) in batch.enumerated() {
                    let index = stored.index
                    guard index == chain.tree.size else { throw fail(chain.tree.size, "is missing (the next stored leaf is \(index))") }
                    let leaf: LedgerLeaf
                    let leafHash: SHA256Hash
                    do {
                        leaf = try decoded[position].leaf ?? LedgerLeaf(decoding: stored.leaf)
                        leafHash = try chain.append(leaf: stored.leaf, hash: decoded[position].leafHash)
                    } catch {
                        throw fail(index, "\(error)")
                    }
                    guard stored.leafHash == leafHash.bytes, stored.chainHash == chain.chainHead.bytes else {
                        throw fail(index, "the stored leaf hash or chain hash is not that of the leaf's bytes")
                    }
                    guard leaf.topic == topic, leaf.partition == partition, leaf.offset > previousOffset else {
                        throw fail(
                            index,
                            "is offset \(leaf.offset) of \(leaf.topic)/\(leaf.partition), not a later record of \(topic)/\(partition)")
                    }
                    previousOffset = leaf.offset
                    if !stored.redacted {
                        guard decoded[position].valueHash == leaf.valueHash else {
                            throw fail(index, "the stored record's bytes are not the ones the leaf commits to")
                        }
                    } else {
                        // The rules' state past a redacted record cannot be rebuilt; later verdicts go unchecked.
                        judging = false
                    }
                    if judging {
                        if let reason = leaf.disagreement(with: rules!.apply(decoded[position].prepared!)) { throw fail(index, reason) }
                        recomputed += 1
                    }
                    if let subject = leaf.subject {
                        let key = SHA256Hash(bytes: subject.bytes)!
                        let previous = heads[key]
                        guard leaf.previousSubjectHead == previous?.chainHead ?? .zero else {
                            throw fail(index, "breaks its subject's chain (previous subject head is not the subject's last leaf)")
                        }
                        let value = SubjectMapValue(
                            count: (previous?.count ?? 0) + 1,
                            chainHead: LedgerLeaf.nextSubjectHead(leaf.previousSubjectHead, leafHash: leafHash))
                        heads[key] = value
                        touched[key] = value
                    }
                    try checkCheckpoints(at: chain.tree.size)
                    if chain.tree.size % 10_000 == 0 { progress(chain.tree.size, total) }
                }
            }
            try reader.forEachStoredLeaf { stored in
                batch.append(stored)
                if batch.count == Self.batchSize {
                    try check(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            try check(batch)
            progress(chain.tree.size, total)
            if nextCheckpoint < checkpoints.endIndex, let last = checkpoints.last {
                throw fail(
                    nil, "a signed checkpoint covers \(last.log.size) leaves, but the ledger holds \(chain.tree.size): leaves are missing")
            }
            guard try reader.subjectRows() == heads else {
                throw fail(nil, "the stored subject rows (leaf count and chain head per subject) disagree with the leaves")
            }
            return Summary(
                origin: origin, leaves: chain.tree.size, checkpoints: checkpoints.count, subjects: heads.count,
                verdictsRecomputed: recomputed, witnessedSize: witnessedSize)
        }
    }

    /// The largest of `checkpoints` that a quorum of `policy`'s witnesses cosigned, each in its own note: a note
    /// that does not verify, or is of another tree, counts for nothing (anyone can publish one) and blocks nothing.
    private func witnessed(
        _ checkpoints: [Checkpoint], by policy: TrustPolicy, cosigned: [UInt64: [String: String]], fail: (UInt64?, String) -> Failure
    ) throws -> UInt64 {
        for checkpoint in checkpoints.reversed() {
            let notes = cosigned[checkpoint.size] ?? [:]
            let cosigners = policy.witnesses.filter { witness in
                guard let text = notes[witness.name], let note = try? SignedNote(parsing: Array(text.utf8)) else { return false }
                return (try? TrustPolicy(log: policy.log, witnesses: [witness], quorum: 1).verify(note)) == checkpoint
            }
            if cosigners.count >= policy.quorum { return checkpoint.size }
        }
        throw fail(
            nil,
            "none of its \(checkpoints.count) checkpoints carries the cosignatures of \(policy.quorum) of the policy's \(policy.witnesses.count) witnesses"
        )
    }

    /// What each leaf of a batch needs that depends on nothing before it, computed on all cores: the leaf
    /// decoded, its hash, its record's hash, and (given the rules) the record read and its signature
    /// checked, the half of judging that the rules then apply in order.
    static func examine(_ batch: [StoredLeaf], preparingWith rules: RulesV1?) -> [Examined] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let chunk = max(1, (batch.count + cores - 1) / cores)
        let parts = Mutex<[Int: [Examined]]>([:])
        DispatchQueue.concurrentPerform(iterations: cores) { n in
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
        return parts.withLock { parts in (0..<cores).flatMap { parts[$0] ?? [] } }
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
