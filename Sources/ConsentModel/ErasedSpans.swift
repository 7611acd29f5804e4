/// Which records a replay of a ledger (ledgerd's, a verifier's) cannot judge again because of an erasure: from a
/// subject's first erased record up to the last leaf that ordered an erasure of it, the subject's consent state rests
/// on records that can no longer be read, so each of its records there stands as its leaf says
/// (``Rules/accept(eventID:producer:producerSequence:subject:verdict:)``). Records before the first erased one are
/// judged as always; after the erasure the subject's consents are forgotten, by the rules as by the replay.
public struct ErasedSpans: Sendable {
    private var ends: [SubjectReference: UInt64] = [:]

    public init() {}

    /// Whether the record at `index`, of `subject`, erased by the leaf at `erasedBy` (if it was), stands as its leaf says.
    /// Called for every record in index order.
    public mutating func standsAsWritten(index: UInt64, subject: SubjectReference?, erasedBy: UInt64?) -> Bool {
        guard let subject else { return false }
        if let erasedBy { ends[subject] = max(ends[subject] ?? 0, erasedBy) }
        return ends[subject].map { index <= $0 } ?? false
    }
}
