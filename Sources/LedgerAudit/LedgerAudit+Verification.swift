import ConsentModel
import LedgerFormat
import LedgerStore
import MerkleLog

extension LedgerAudit {
    /// The check of one ledger, fed its leaves in index order a batch at a time, wherever they come from.
    struct Verification {
        private let origin: String
        private let topic: String
        private let partition: Int32
        private let checkpoints: [(log: Checkpoint, map: MapCheckpoint?)]
        private let witnessedSize: UInt64?

        private var chain = ChainedLogVerifier(previousChainHash: LedgerLeaf.previousChainHash(in:))
        private var rules: Rules?
        private var heads: [SHA256Hash: SubjectMapValue] = [:]
        /// How the ledger derives subject references, as its first leaf with a subject says: one ledger, one way.
        private var subjectScheme: SubjectScheme?
        /// The subjects' changes since the last map checkpoint.
        private var touched: [SHA256Hash: SubjectMapValue] = [:]
        private let mapChecks: MapChecks
        private var nextCheckpoint = 0
        private var previousOffset: Int64 = -1
        private var recomputed: UInt64 = 0
        /// Where an erasure keeps the rules from judging records again.
        private var erased = ErasedSpans()
        /// Erased records, by the later leaf they name as the erasure's: checked when that leaf comes.
        private var awaitingErasure: [UInt64: [(index: UInt64, subject: SubjectReference, timestamp: Int64?)]] = [:]
        private var erasures: [Summary.Erasure] = []
        /// Whether the leaves come with their query-index rows (from a file), to check with each recomputed verdict.
        private let checksIndex: Bool

        /// Leaves checked so far.
        var size: UInt64 { chain.tree.size }

        /// The keys to check the next leaves' signatures against ahead of the rules, if verdicts are recomputed.
        var signingKeys: SigningKeys? { rules?.signingKeys }

        /// Checks the ledger's signed checkpoints and, under `audit`'s witness policy, the cosignatures of them.
        init(
            _ audit: LedgerAudit, origin: String, topic: String, partition: Int32,
            checkpoints stored: [(size: UInt64, note: String, mapNote: String?)], cosigned: [UInt64: [String: String]],
            checksIndex: Bool = false
        ) throws {
            self.origin = origin
            self.checksIndex = checksIndex
            mapChecks = MapChecks(origin: origin)
            self.topic = topic
            self.partition = partition
            let policy = try TrustPolicy(
                log: try NoteVerifier(name: origin, kind: .ed25519, publicKey: Array(audit.ledgerKey.rawRepresentation)))
            var checkpoints: [(log: Checkpoint, map: MapCheckpoint?)] = []
            for stored in stored {
                do {
                    let log = try policy.verify(try SignedNote(parsing: Array(stored.note.utf8)))
                    let map = try stored.mapNote.map { try policy.verifyMap(try SignedNote(parsing: Array($0.utf8))) }
                    guard log.size == stored.size, map.map({ $0.log == log }) ?? true else {
                        throw Failure(origin: origin, index: nil, reason: "the checkpoint stored at size \(stored.size) is of another tree")
                    }
                    checkpoints.append((log, map))
                } catch let error as MerkleLogError {
                    throw Failure(origin: origin, index: nil, reason: "the checkpoint at size \(stored.size) does not verify: \(error)")
                }
            }
            self.checkpoints = checkpoints
            witnessedSize = try audit.witnessPolicy.map { text in
                let witnesses: TrustPolicy
                do {
                    witnesses = try TrustPolicy(text: text, log: policy.log)
                } catch {
                    throw Failure(origin: origin, index: nil, reason: "the witness policy: \(error)")
                }
                return try Self.witnessed(checkpoints.map(\.log), by: witnesses, cosigned: cosigned, origin: origin)
            }
            rules = audit.trust.map { Rules(trust: $0, partition: partition, secret: .generate()) }
            try checkCheckpoints()
        }

        /// Checks the next leaves, which must follow those checked before, with what examining each gave.
        mutating func check(_ batch: ExaminedBatch) throws {
            do {
                try batch.forEachExamined { stored, examined in
                    try check(stored, examined)
                    try checkCheckpoints()
                }
            } catch {
                try mapChecks.finish()
                throw error
            }
        }

        /// Ends the check once every leaf was given: no signed checkpoint may cover more, and what a file stores beside
        /// its leaves (when the source is one) must be what the leaves say: the per-subject rows, and a next offset to
        /// consume past the last leaf's (one moved back would have ledgerd append records it holds already).
        func finish(subjectRows: [SHA256Hash: SubjectMapValue]?, consumedNextOffset: Int64? = nil) throws -> Summary {
            try mapChecks.finish()
            if nextCheckpoint < checkpoints.endIndex, let last = checkpoints.last {
                throw fail(nil, "a signed checkpoint covers \(last.log.size) leaves, but the ledger holds \(size): leaves are missing")
            }
            if let subjectRows, subjectRows != heads {
                throw fail(nil, "the stored subject rows (leaf count and chain head per subject) disagree with the leaves")
            }
            if let consumedNextOffset, size > 0, consumedNextOffset <= previousOffset {
                throw fail(
                    nil,
                    "the stored next offset to consume, \(consumedNextOffset), is not past the last leaf's offset \(previousOffset): ledgerd would append records it holds already"
                )
            }
            if let (leaf, records) = awaitingErasure.min(by: { $0.key < $1.key }) {
                throw fail(records[0].index, "is marked erased by leaf \(leaf), which the ledger does not hold")
            }
            return Summary(
                origin: origin, leaves: size, checkpoints: checkpoints.count, subjects: heads.count, verdictsRecomputed: recomputed,
                erasures: erasures, witnessedSize: witnessedSize)
        }

        private mutating func check(_ stored: StoredLeaf, _ examined: Examined) throws {
            let index = stored.index
            guard index == size else { throw fail(size, "is missing (the next stored leaf is \(index))") }
            let leaf: LedgerLeaf
            let leafHash: SHA256Hash
            do {
                leaf = try examined.leaf ?? LedgerLeaf(decoding: stored.leaf)
                leafHash = try chain.append(leaf: stored.leaf, hash: examined.leafHash)
            } catch {
                throw fail(index, "\(error)")
            }
            guard SHA256Hash(bytes: stored.leafHash) == leafHash, SHA256Hash(bytes: stored.chainHash) == chain.chainHead else {
                throw fail(index, "the stored leaf hash or chain hash is not that of the leaf's bytes")
            }
            guard leaf.topic == topic, leaf.partition == partition, leaf.offset > previousOffset else {
                throw fail(
                    index, "is offset \(leaf.offset) of \(leaf.topic)/\(leaf.partition), not a later record of \(topic)/\(partition)")
            }
            previousOffset = leaf.offset
            // A record's bytes may be gone only by an erasure the log itself recorded (docs/privacy.md): the leaf it names
            // must be a later (or the same) erasure of its subject whose scope covers it.
            if let erasedBy = stored.erasedBy {
                guard let subject = leaf.subject, erasedBy >= index else {
                    throw fail(
                        index,
                        "is marked erased by leaf \(erasedBy), which cannot have ordered it (an erasure orders its subject's records up to itself)"
                    )
                }
                awaitingErasure[erasedBy, default: []].append((index, subject, leaf.timestamp))
            } else {
                guard !stored.redacted else {
                    throw fail(
                        index,
                        "its record is missing or does not open (its bytes altered, or its data key destroyed), and no erasure leaf ordered it removed"
                    )
                }
                guard examined.valueHash == leaf.valueHash else {
                    throw fail(index, "the stored record's bytes are not the ones the leaf commits to")
                }
            }
            if let ordered = awaitingErasure.removeValue(forKey: index) {
                let scope = (try? VerdictCodes(canonicalJSON: leaf.verdict))?.erasure
                let covered = { (record: (index: UInt64, subject: SubjectReference, timestamp: Int64?)) in
                    leaf.subject == record.subject && scope?.covers(kafkaTimestamp: record.timestamp) == true
                }
                if let record = ordered.first(where: { !covered($0) }) {
                    throw fail(
                        record.index, "is marked erased by leaf \(index), which is not an erasure of its subject whose scope covers it")
                }
                erasures.append(Summary.Erasure(leaf: index, records: ordered.count))
            }
            if rules != nil, erased.standsAsWritten(index: index, subject: leaf.subject, erasedBy: stored.erasedBy),
                let subject = leaf.subject
            {
                rules!.accept(
                    eventID: leaf.eventID, producer: leaf.producer, producerSequence: leaf.producerSequence, subject: subject,
                    verdict: try VerdictCodes(canonicalJSON: leaf.verdict))
                if checksIndex, stored.erasedBy != nil, stored.indexed != (try EntryIndex(erased: leaf)) {
                    throw fail(index, "its row in the query index keeps what its erased record said, or is not what its leaf says")
                }
            } else if rules != nil, let prepared = examined.prepared {
                let judgement = rules!.apply(prepared)
                if let reason = leaf.disagreement(with: judgement) { throw fail(index, reason) }
                recomputed += 1
                // A file's query index (what the API lists) must say what the record, judged again, says.
                if checksIndex,
                    stored.indexed != EntryIndex(leaf: leaf, verdict: VerdictCodes(judgement.verdict), event: judgement.event)
                {
                    throw fail(
                        index,
                        stored.indexed == nil
                            ? "has no row in the query index"
                            : "its row in the query index (what the API lists) is not what the leaf and its record say"
                    )
                }
            }
            if let subject = leaf.subject {
                guard (subjectScheme ?? leaf.subjectScheme) == leaf.subjectScheme else {
                    throw fail(index, "derives its subject reference another way (subject flag) than the ledger's earlier leaves")
                }
                subjectScheme = leaf.subjectScheme
                let key = SHA256Hash(bytes: subject.bytes)!
                // One lookup per leaf, a subject not seen before starting empty.
                guard let value = Self.extend(&heads[key, default: .empty], by: leaf, leafHash)
                else {
                    throw fail(index, "breaks its subject's chain (previous subject head is not the subject's last leaf)")
                }
                touched[key] = value
            }
        }

        /// Moves a subject's head on to `leaf`; `nil` if the leaf does not name the head as its predecessor.
        private static func extend(_ head: inout SubjectMapValue, by leaf: LedgerLeaf, _ leafHash: SHA256Hash) -> SubjectMapValue? {
            guard leaf.previousSubjectHead == head.chainHead else { return nil }
            head = head.appending(leafHash: leafHash)
            return head
        }

        /// Compares the tree and the subject map with the checkpoints signed at the current size.
        private mutating func checkCheckpoints() throws {
            while nextCheckpoint < checkpoints.endIndex, checkpoints[nextCheckpoint].log.size == size {
                let (log, mapCheckpoint) = checkpoints[nextCheckpoint]
                guard chain.tree.root == log.root else {
                    throw fail(nil, "the first \(size) leaves hash to \(chain.tree.root), but the checkpoint at \(size) says \(log.root)")
                }
                if let mapCheckpoint {
                    mapChecks.check(touched, against: mapCheckpoint)
                    // As many subjects change by the next map checkpoint, as a rule: no growing the table from empty.
                    touched = Dictionary(minimumCapacity: touched.count)
                }
                nextCheckpoint += 1
            }
        }

        private func fail(_ index: UInt64?, _ reason: String) -> Failure { Failure(origin: origin, index: index, reason: reason) }

        /// The largest of `checkpoints` that a quorum of `policy`'s witnesses cosigned, each in its own note: a note
        /// that does not verify, or is of another tree, counts for nothing (anyone can publish one) and blocks nothing.
        private static func witnessed(
            _ checkpoints: [Checkpoint], by policy: TrustPolicy, cosigned: [UInt64: [String: String]], origin: String
        ) throws -> UInt64 {
            for checkpoint in checkpoints.reversed() {
                if policy.cosigners(of: checkpoint, in: cosigned[checkpoint.size] ?? [:]).count >= policy.quorum { return checkpoint.size }
            }
            throw Failure(
                origin: origin, index: nil,
                reason:
                    "none of its \(checkpoints.count) checkpoints carries the cosignatures of \(policy.quorum) of the policy's \(policy.witnesses.count) witnesses"
            )
        }
    }
}
