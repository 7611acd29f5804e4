import Foundation

/// Whom a verifier trusts: the log's key, at least `quorum` of a set of witnesses, and the ledger's subject key.
///
/// Its text form, one entry per line (`#` starts a comment):
/// ```
/// log consent-ledger.example/events/0+1a2b3c4d+AQ…
/// witness witness.regulator.example+5e6f7a8b+BA…
/// quorum 1
/// subject-key A2xN…
/// ```
public struct TrustPolicy: Sendable, Hashable {
    /// Signs checkpoints; its key name is the checkpoint origin.
    public let log: NoteVerifier
    public let witnesses: [NoteVerifier]
    public let quorum: Int
    /// The ledger's published subject key (49 bytes, a compressed P-384 point: docs/events.md, "Subject references"),
    /// against which a citizen checks their own reference; `nil` when the policy names none.
    public let subjectKey: [UInt8]?

    public init(log: NoteVerifier, witnesses: [NoteVerifier] = [], quorum: Int = 0, subjectKey: [UInt8]? = nil) throws {
        guard log.kind == .ed25519 else { throw MerkleLogError(.malformed, "the log key must be an Ed25519 note key (type 0x01)") }
        if let witness = witnesses.first(where: { $0.kind != .cosignatureV1 }) {
            throw MerkleLogError(.malformed, "witness \(witness.name) must be a cosignature key (type 0x04)")
        }
        guard (0...witnesses.count).contains(quorum) else {
            throw MerkleLogError(.malformed, "a quorum of \(quorum) cannot be met by \(witnesses.count) witnesses")
        }
        guard Set(witnesses.map(\.name)).count == witnesses.count else {
            throw MerkleLogError(.malformed, "each witness may appear once in a policy")
        }
        if let subjectKey, subjectKey.count != 49 {
            throw MerkleLogError(.malformed, "a subject key is 49 bytes (a compressed P-384 point), not \(subjectKey.count)")
        }
        self.log = log
        self.witnesses = witnesses
        self.quorum = quorum
        self.subjectKey = subjectKey
    }

    /// Parses a policy: `log VKEY`, `witness VKEY` lines and `quorum N`. The log key may instead be given as
    /// `log` (a deployment of several ledgers shares one file of witnesses); a file that names one too must
    /// name the same.
    public init(text: String, log given: NoteVerifier? = nil) throws {
        let (log, witnesses, quorum, subjectKey) = try Self.parse(text)
        if let given, let named = log, named != given {
            throw MerkleLogError(.malformed, "the policy's log key \(named.name) is not the ledger's key \(given.name)")
        }
        guard let log = given ?? log else { throw MerkleLogError(.malformed, "the policy names no log key") }
        try self.init(log: log, witnesses: witnesses, quorum: quorum, subjectKey: subjectKey)
    }

    /// The subject key a policy's text names, if any (its other lines are checked but not used).
    public static func subjectKey(inPolicy text: String) throws -> [UInt8]? {
        try parse(text).subjectKey
    }

    /// The witness keys of a policy's text (its `log` and `quorum` lines, if any, are checked but not used): what a
    /// ledger that keeps witnesses' cosignatures needs to know of them.
    public static func witnesses(inPolicy text: String) throws -> [NoteVerifier] {
        let witnesses = try parse(text).witnesses
        if let witness = witnesses.first(where: { $0.kind != .cosignatureV1 }) {
            throw MerkleLogError(.malformed, "witness \(witness.name) must be a cosignature key (type 0x04)")
        }
        return witnesses
    }

    private static func parse(_ text: String) throws -> (log: NoteVerifier?, witnesses: [NoteVerifier], quorum: Int, subjectKey: [UInt8]?) {
        var log: NoteVerifier?
        var witnesses: [NoteVerifier] = []
        var quorum = 0
        var subjectKey: [UInt8]?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let fields = content.split(separator: " ")
            guard let keyword = fields.first else { continue }
            guard fields.count == 2 else { throw MerkleLogError(.malformed, "policy line \(number + 1): expected \"\(keyword) VALUE\"") }
            switch keyword {
            case "log":
                guard log == nil else { throw MerkleLogError(.malformed, "policy line \(number + 1): a second log key") }
                log = try NoteVerifier(vkey: String(fields[1]))
            case "witness":
                witnesses.append(try NoteVerifier(vkey: String(fields[1])))
            case "quorum":
                guard let value = Int(fields[1]) else {
                    throw MerkleLogError(.malformed, "policy line \(number + 1): quorum must be a number")
                }
                quorum = value
            case "subject-key":
                guard subjectKey == nil else { throw MerkleLogError(.malformed, "policy line \(number + 1): a second subject key") }
                guard let bytes = Data(base64Encoded: String(fields[1])).map(Array.init), bytes.count == 49 else {
                    throw MerkleLogError(
                        .malformed, "policy line \(number + 1): a subject key is base64 of 49 bytes (a compressed P-384 point)")
                }
                subjectKey = bytes
            default:
                throw MerkleLogError(
                    .malformed, "policy line \(number + 1): unknown keyword \"\(keyword)\" (log, witness, quorum, subject-key)")
            }
        }
        return (log, witnesses, quorum, subjectKey)
    }

    public var text: String {
        (["log \(log.vkey)"] + witnesses.map { "witness \($0.vkey)" } + ["quorum \(quorum)"]
            + (subjectKey.map { ["subject-key \(Data($0).base64EncodedString())"] } ?? []))
            .map { $0 + "\n" }.joined()
    }

    /// Verifies a signed checkpoint: the log's signature, its origin, and a quorum of witness cosignatures.
    public func verify(_ note: SignedNote) throws -> Checkpoint {
        let verified = try note.verify(trusting: [log] + witnesses)
        guard verified.contains(where: { $0.verifier == log }) else {
            throw MerkleLogError(.untrusted, "the checkpoint is not signed by the log key \(log.name)")
        }
        let checkpoint = try Checkpoint(text: note.text)
        guard checkpoint.origin == log.name else {
            throw MerkleLogError(.untrusted, "the checkpoint's origin \"\(checkpoint.origin)\" is not the log \"\(log.name)\"")
        }
        let witnessed = verified.filter { $0.verifier != log }.count
        guard witnessed >= quorum else {
            throw MerkleLogError(.policyNotMet, "\(witnessed) of the required \(quorum) witnesses cosigned the checkpoint")
        }
        return checkpoint
    }
}
