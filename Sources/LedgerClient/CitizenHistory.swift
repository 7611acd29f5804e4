import ConsentModel
public import Crypto
public import Foundation
import LedgerFormat
import MerkleLog

/// A citizen's access history, checked against the ledger's signed checkpoints rather than taken on trust.
///
/// For every ledger the answer covers: the log checkpoint and the subject-map checkpoint are signed by
/// the ledger key and agree; the subject-map proof shows that the entries listed are the citizen's whole
/// history up to that checkpoint (their count and chain head, or nothing). Then every access shown that a
/// checkpoint covers must be one of those entries, so an access cannot be hidden from the list, nor one
/// shown that the ledger does not hold. The proven entries come with their leaves' bytes: an access shown must say what
/// its leaf says (institution, verdict), and every proven access must be shown. Under a witness policy, each checkpoint relied on must carry a quorum of its
/// witnesses' cosignatures: a ledger key alone could sign a private view for one citizen, but not make witnesses
/// cosign it.
public struct CitizenHistory: Sendable {
    public struct Access: Sendable {
        public let ledger: String
        public let index: UInt64
        /// RFC 3339 in UTC, with the fraction of a second the event gave.
        public let occurredAt: String?
        public let institution: String
        public let action: String?
        public let purpose: String?
        public let dataHolder: String?
        public let dataCategories: [String]
        /// The verdict: an access outcome (`covered`, `no-consent`, …), or `rejected` (the record failed its checks)
        /// or `not-applied` (a duplicate or a replay).
        public let outcome: String
        /// The producer findings about the record (`sequence-gap`, `clock-skew`, …).
        public let findings: [String]
        /// Covered by a checkpoint, and so proven part of the complete history.
        public let isProven: Bool

        /// An access the ledger judged and no consent in force covered. A rejected or not-applied record is none:
        /// it was never judged as an access.
        public var isViolation: Bool { !["covered", "rejected", "not-applied", "recorded"].contains(outcome) }
    }

    public struct ProvenLedger: Sendable {
        public let ledger: String
        /// The signed checkpoint's size: the history is complete up to this many leaves.
        public let size: UInt64
        /// The citizen's entries (all event types) in it.
        public let entries: Int
        /// The witness policy's witnesses that cosigned the checkpoint, by name; empty without a policy.
        public let witnessedBy: [String]
    }

    public let accesses: [Access]
    public let ledgers: [ProvenLedger]
    /// Ledgers without a checkpoint yet, whose entries cannot be proven.
    public let pending: [String]
    /// Whether every checkpoint relied on carries the quorum of a witness policy (`false` without one).
    public let isWitnessed: Bool

    /// Who the citizen is, for obtaining their own subject reference: their identifier (the token's subject) and the
    /// ledger's published subject key.
    public struct Subject: Sendable {
        public let identifier: String
        public let key: SubjectOPRF.PublicKey

        public init(identifier: String, key: SubjectOPRF.PublicKey) {
            self.identifier = identifier
            self.key = key
        }
    }

    /// The subject key the ledger at `url` states under `ledgerKey` (its signed subject key statement). A trust policy's
    /// subject key is better: a ledger could sign a statement of another key for one citizen alone.
    public static func statedSubjectKey(from url: URL, token: String, ledgerKey: Curve25519.Signing.PublicKey) async throws
        -> SubjectOPRF.PublicKey
    {
        let note = try await LedgerAPIClient(url: url, token: token).subjectKeyStatement()
        do { return try SubjectKeyStatement(verifying: note, ledgerKey: ledgerKey).key } catch let error as LedgerFormatError {
            throw LedgerClientError(.unproven, error.reason)
        }
    }

    /// Fetches the history of the token's citizen from `url` and checks it under `ledgerKey`, and under
    /// `witnessPolicy` (the text of a trust policy's `witness` and `quorum` lines, ledger-format.md §7) if given.
    /// With `subject`, the citizen's reference is obtained by the blinded protocol and checked against the published
    /// key, and every proof must be about it; without, the reference is the one the server names.
    public static func fetch(
        from url: URL, token: String, ledgerKey: Curve25519.Signing.PublicKey, witnessPolicy: String? = nil, subject: Subject? = nil
    ) async throws -> CitizenHistory {
        let api = LedgerAPIClient(url: url, token: token)
        var mine: SubjectReference?
        if let subject {
            let request = try SubjectOPRF.Request(subject: subject.identifier, publicKey: subject.key)
            let answer = try await api.subjectKey(blindedElement: request.blindedElement)
            do { mine = try request.reference(from: answer) } catch let error as ConsentModelError {
                throw LedgerClientError(.unproven, error.reason)
            }
        }
        let completeness = try await api.completeness()
        let accesses = try await api.accesses()
        var proven: [String: (size: UInt64, leaves: [UInt64: LedgerLeaf], accesses: [UInt64: DataAccess])] = [:]
        var ledgers: [ProvenLedger] = []
        let keys = Set(completeness.ledgers.map(\.subjectKey))
        guard keys.count <= 1 else {
            throw LedgerClientError(.unproven, "the ledgers name the citizen by \(keys.count) different subject keys")
        }
        if let mine, let named = keys.first, named != mine.hex {
            throw LedgerClientError(
                .unproven,
                "the completeness proofs are about subject key \(named), not yours (\(mine.hex), obtained by the blinded protocol under the published subject key): they prove nothing about your history"
            )
        }
        for answer in completeness.ledgers {
            func fail(_ reason: String) -> LedgerClientError { LedgerClientError(.unproven, "\(answer.ledger): \(reason)") }
            let log = try NoteVerifier(name: answer.ledger, kind: .ed25519, publicKey: Array(ledgerKey.rawRepresentation))
            let policy = try TrustPolicy(log: log)
            let checkpoint: Checkpoint
            let map: MapCheckpoint
            do {
                checkpoint = try policy.verify(try SignedNote(parsing: Array(answer.checkpoint.utf8)))
                map = try policy.verifyMap(try SignedNote(parsing: Array(answer.mapCheckpoint.utf8)))
            } catch {
                throw fail("its checkpoints are not signed by the ledger key: \(error)")
            }
            guard map.log == checkpoint else { throw fail("the subject-map checkpoint is of another tree than the log checkpoint") }
            var witnessedBy: [String] = []
            if let witnessPolicy {
                let witnesses = try TrustPolicy(text: witnessPolicy, log: log)
                let notes = Dictionary(answer.cosignatures.map { ($0.witness, $0.note) }, uniquingKeysWith: { first, _ in first })
                witnessedBy = witnesses.cosigners(of: checkpoint, in: notes).map(\.name)
                guard witnessedBy.count >= witnesses.quorum else {
                    throw fail(
                        "its checkpoint at \(checkpoint.size) leaves carries the cosignatures of \(witnessedBy.count) of the \(witnesses.quorum) witnesses the policy requires, so it could be a view shown to you alone; try again once the witnesses have cosigned it"
                    )
                }
            }
            guard let key = SHA256Hash(hex: answer.subjectKey) else { throw fail("the subject key is not a SHA-256 hash") }
            let proof = try answer.proof.subjectMapProof
            let entries = try await api.entries(of: answer, size: checkpoint.size, count: proof.count(of: key))
            let leafHashes = entries.compactMap { SHA256Hash(hex: $0.leafHash) }
            guard leafHashes.count == entries.count,
                entries.allSatisfy({ $0.ledger == answer.ledger && UInt64(exactly: $0.index).map { $0 < checkpoint.size } ?? false })
            else { throw fail("the entries listed are not leaves of this ledger below its checkpoint") }
            do {
                try proof.verifyHistory(key: key, leafHashes: leafHashes, root: map.mapRoot)
            } catch {
                throw fail("the entries listed are not the citizen's whole history at the checkpoint: \(error)")
            }
            var leaves: [UInt64: LedgerLeaf] = [:]
            var accesses: [UInt64: DataAccess] = [:]
            for entry in entries {
                guard let bytes = entry.leaf.map({ Array($0.data) }), RFC6962.leafHash(bytes).hex == entry.leafHash,
                    let leaf = try? LedgerLeaf(decoding: bytes)
                else { throw fail("entry \(entry.index) comes without the leaf bytes that hash to its leaf hash") }
                leaves[UInt64(entry.index)] = leaf
                // A record's value is optional (a redacted one is gone), but one given must be the one the leaf commits to.
                guard let value = entry.value.map({ Array($0.data) }) else { continue }
                guard SHA256Hash.of(value) == leaf.valueHash else {
                    throw fail("the record given for entry \(entry.index) is not the one its leaf commits to")
                }
                if let event = try? Event.decode(value), event.id == leaf.eventID, case .accessPerformed(let access) = event.data {
                    accesses[UInt64(entry.index)] = access
                }
            }
            proven[answer.ledger] = (checkpoint.size, leaves, accesses)
            ledgers.append(ProvenLedger(ledger: answer.ledger, size: checkpoint.size, entries: entries.count, witnessedBy: witnessedBy))
        }
        let checked = try accesses.map { access in
            let position = access.position
            let index = try unsigned(position.index, "the index of an access")
            func fail(_ reason: String) -> LedgerClientError { LedgerClientError(.unproven, "\(position.ledger): \(reason)") }
            guard let ledger = proven[position.ledger], index < ledger.size else {
                return Access(
                    ledger: position.ledger, index: index, occurredAt: access.occurredAt, institution: access.institution.id,
                    action: access.action, purpose: access.purpose, dataHolder: access.dataHolder,
                    dataCategories: access.dataCategories ?? [], outcome: access.outcome.rawValue, findings: access.findings,
                    isProven: false)
            }
            guard let leaf = ledger.leaves[index], RFC6962.leafHash(leaf.encoded).hex == position.leafHash else {
                throw fail("the access shown at leaf \(index) is not in the proven history")
            }
            let codes = try VerdictCodes(canonicalJSON: leaf.verdict)
            guard leaf.eventType == EventType.accessPerformed.rawValue, leaf.producer == access.institution.id,
                codes.listedOutcome == access.outcome.rawValue, codes.findings == access.findings
            else {
                throw fail(
                    "the access shown at leaf \(index) (\(access.institution.id), \(access.outcome.rawValue)) is not what its leaf says (\(leaf.eventType) by \(leaf.producer), \(codes.listedOutcome))"
                )
            }
            // What the record says, from its bytes; nothing but the leaf's facts when its value is gone.
            let said = ledger.accesses[index]
            return Access(
                ledger: position.ledger, index: index, occurredAt: said?.occurredAt.description, institution: leaf.producer,
                action: said?.action, purpose: said?.purpose, dataHolder: said?.dataHolder, dataCategories: said?.dataCategories ?? [],
                outcome: codes.listedOutcome, findings: codes.findings, isProven: true)
        }
        // Every proven access must be shown: a list that leaves one out hides it.
        let shown = Set(checked.map { "\($0.ledger)/\($0.index)" })
        for (name, ledger) in proven {
            for (index, leaf) in ledger.leaves where leaf.eventType == EventType.accessPerformed.rawValue {
                guard shown.contains("\(name)/\(index)") else {
                    throw LedgerClientError(.unproven, "\(name): the access at leaf \(index) is proven but not listed")
                }
            }
        }
        return CitizenHistory(accesses: checked, ledgers: ledgers, pending: completeness.pending, isWitnessed: witnessPolicy != nil)
    }
}

extension Components.Schemas.MapProof {
    /// The proof as MerkleLog reads it.
    var subjectMapProof: SubjectMapProof {
        get throws {
            func hash(_ hex: String) throws -> SHA256Hash {
                guard let hash = SHA256Hash(hex: hex) else { throw LedgerClientError(.malformedAnswer, "\(hex) is not a SHA-256 hash") }
                return hash
            }
            var terminal = SubjectMapProof.Terminal.empty
            if let leafKey, let leafCount, let leafChainHead {
                terminal = .leaf(
                    key: try hash(leafKey),
                    value: SubjectMapValue(count: try unsigned(leafCount, "a subject's leaf count"), chainHead: try hash(leafChainHead)))
            }
            return SubjectMapProof(siblings: try siblings.map(hash), terminal: terminal)
        }
    }
}

extension SubjectMapProof {
    /// How many leaves the proof says `key` has: its own leaf's count, or none when the path ends elsewhere. Only a
    /// bound on what to fetch: ``verifyHistory(key:leafHashes:root:)`` decides.
    func count(of key: SHA256Hash) -> UInt64 {
        if case .leaf(key, let value) = terminal { value.count } else { 0 }
    }
}
