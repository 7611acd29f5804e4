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
        public let recordCount: Int64?
        /// `identified`, `pseudonymised` or `anonymised`.
        public let dataForm: String?
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
        let mine: SubjectReference? = if let subject { try await subject.reference(from: api) } else { nil }
        let completeness = try await api.completeness()
        let accesses = try await api.accesses()
        let keys = Set(completeness.ledgers.map(\.subjectKey))
        guard keys.count <= 1 else {
            throw LedgerClientError(.unproven, "the ledgers name the citizen by \(keys.count) different subject keys")
        }
        try mine?.mustBe(keys.first)
        let trust = Trust(ledgerKey: ledgerKey, witnessPolicy: witnessPolicy)
        var proven: [String: ProvenAnswer] = [:]
        for answer in completeness.ledgers {
            let checked = try CheckedCheckpoints(answer, under: trust)
            let entries = try await api.entries(of: answer, size: checked.checkpoint.size, count: checked.provenCount)
            proven[answer.ledger] = try checked.prove(entries, subject: subject?.identifier, inclusion: false)
        }
        let checked = try accesses.map { access in
            let position = access.position
            let index = try unsigned(position.index, "the index of an access")
            func fail(_ reason: String) -> LedgerClientError { LedgerClientError(.unproven, "\(position.ledger): \(reason)") }
            guard let ledger = proven[position.ledger], index < ledger.summary.size else {
                return Access(
                    ledger: position.ledger, index: index, occurredAt: access.occurredAt, institution: access.institution.id,
                    action: access.action, purpose: access.purpose, dataHolder: access.dataHolder,
                    dataCategories: access.dataCategories ?? [], recordCount: access.recordCount, dataForm: access.dataForm,
                    outcome: access.outcome.rawValue, findings: access.findings, isProven: false)
            }
            guard let leaf = ledger.leaves[index], RFC6962.leafHash(leaf.encoded).hex == position.leafHash else {
                throw fail("the access shown at leaf \(index) is not in the proven history")
            }
            let shown = try Access(proven: leaf, said: ledger.accesses[index], ledger: position.ledger, index: index)
            guard leaf.eventType == EventType.accessPerformed.rawValue, leaf.producer == access.institution.id,
                shown.outcome == access.outcome.rawValue, shown.findings == access.findings
            else {
                throw fail(
                    "the access shown at leaf \(index) (\(access.institution.id), \(access.outcome.rawValue)) is not what its leaf says (\(leaf.eventType) by \(leaf.producer), \(shown.outcome))"
                )
            }
            return shown
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
        return CitizenHistory(
            accesses: checked, ledgers: completeness.ledgers.compactMap { proven[$0.ledger]?.summary }, pending: completeness.pending,
            isWitnessed: witnessPolicy != nil)
    }
}

extension CitizenHistory {
    /// Fetches the token's citizen's bundle from `url` and checks it (``HistoryBundle/check(ledgerKey:witnessPolicy:subjectKey:)``);
    /// with `subject`, also that it is about the citizen's own reference, obtained by the blinded protocol.
    public static func fetchBundle(
        from url: URL, token: String, ledgerKey: Curve25519.Signing.PublicKey, witnessPolicy: String? = nil, subject: Subject? = nil
    ) async throws -> (bundle: HistoryBundle, history: CitizenHistory) {
        let api = LedgerAPIClient(url: url, token: token)
        let mine: SubjectReference? = if let subject { try await subject.reference(from: api) } else { nil }
        let bundle = try await api.bundle()
        if let subject, bundle.subject != subject.identifier {
            throw LedgerClientError(.unproven, "the bundle is about \(bundle.subject), not \(subject.identifier)")
        }
        try mine?.mustBe(bundle.content.ledgers.first?.subjectKey)
        let history = try bundle.check(ledgerKey: ledgerKey, witnessPolicy: witnessPolicy, subjectKey: subject?.key)
        return (bundle, history)
    }
}

extension CitizenHistory.Subject {
    /// The citizen's reference by the blinded protocol, its proof checked against the published key.
    func reference(from api: LedgerAPIClient) async throws -> SubjectReference {
        let request = try SubjectOPRF.Request(subject: identifier, publicKey: key)
        let answer = try await api.subjectKey(blindedElement: request.blindedElement)
        do { return try request.reference(from: answer) } catch let error as ConsentModelError {
            throw LedgerClientError(.unproven, error.reason)
        }
    }
}

extension SubjectReference {
    /// Refuses proofs about another subject key than this one (the citizen's own).
    func mustBe(_ named: String?) throws {
        guard let named, named != hex else { return }
        throw LedgerClientError(
            .unproven,
            "the completeness proofs are about subject key \(named), not yours (\(hex), obtained by the blinded protocol under the published subject key): they prove nothing about your history"
        )
    }
}
