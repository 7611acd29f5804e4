import ConsentModel
import Crypto
import MerkleLog

/// What the ledger commits to for one Kafka record: its coordinates, the hash of its bytes, what the
/// rules made of it, and the chain links that bind it to everything before it. Version 1 of the
/// binary encoding is specified in docs/ledger-format.md ("Leaf encoding").
public struct LedgerLeaf: Hashable, Sendable {
    public static let version: UInt8 = 1

    public var previousChainHash: SHA256Hash
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Kafka timestamp in milliseconds since the epoch; `nil` when the record had none.
    public var timestamp: Int64?
    /// SHA-256 of the value bytes; `nil` for a tombstone (a record with no value).
    public var valueHash: SHA256Hash?
    /// Empty when the value could not be decoded.
    public var eventID: String
    public var eventType: String
    public var producer: String
    /// 0 when the value could not be decoded.
    public var producerSequence: Int64
    public var subject: SubjectReference?
    /// How the subject reference was derived, which the subject flag encodes; `.hmac` when there is no subject.
    public var subjectScheme: SubjectScheme
    /// The head of this subject's own chain before this leaf (32 zero bytes for its first leaf, or no subject).
    public var previousSubjectHead: SHA256Hash
    /// ``Verdict/canonicalJSON``.
    public var verdict: [UInt8]

    public var encoded: [UInt8] {
        var w = ByteWriter()
        w.u8(Self.version)
        w.raw(previousChainHash.bytes)
        w.text(topic)
        w.u32(UInt32(bitPattern: partition))
        w.u64(UInt64(bitPattern: offset))
        w.u64(UInt64(bitPattern: timestamp ?? -1))
        if let valueHash {
            w.u8(1)
            w.raw(valueHash.bytes)
        } else {
            w.u8(0)
        }
        w.text(eventID)
        w.text(eventType)
        w.text(producer)
        w.u64(UInt64(bitPattern: producerSequence))
        if let subject {
            w.u8(subjectScheme.rawValue)
            w.raw(subject.bytes)
        } else {
            w.u8(0)
        }
        w.raw(previousSubjectHead.bytes)
        w.blob(verdict)
        return w.bytes
    }

    public init(
        previousChainHash: SHA256Hash, topic: String, partition: Int32, offset: Int64, timestamp: Int64?, valueHash: SHA256Hash?,
        eventID: String, eventType: String, producer: String, producerSequence: Int64, subject: SubjectReference?,
        subjectScheme: SubjectScheme, previousSubjectHead: SHA256Hash, verdict: [UInt8]
    ) {
        self.previousChainHash = previousChainHash
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.valueHash = valueHash
        self.eventID = eventID
        self.eventType = eventType
        self.producer = producer
        self.producerSequence = producerSequence
        self.subject = subject
        self.subjectScheme = subject == nil ? .hmac : subjectScheme
        self.previousSubjectHead = previousSubjectHead
        self.verdict = verdict
    }

    /// The previous chain hash an encoded leaf carries, read without decoding the rest (chain checks
    /// need only this).
    public static func previousChainHash(in bytes: [UInt8]) throws -> SHA256Hash {
        var r = ByteReader(bytes)
        return try readHead(&r)
    }

    /// The version byte, which must be this format's, and the previous chain hash after it.
    private static func readHead(_ r: inout ByteReader) throws -> SHA256Hash {
        let version = try r.u8()
        guard version == Self.version else { throw LedgerFormatError(.malformedLeaf, "version \(version) is not \(Self.version)") }
        return SHA256Hash(bytes: try r.raw(32))!
    }

    public init(decoding bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        previousChainHash = try Self.readHead(&r)
        topic = try r.text()
        partition = Int32(bitPattern: try r.u32())
        offset = Int64(bitPattern: try r.u64())
        let time = Int64(bitPattern: try r.u64())
        timestamp = time == -1 ? nil : time
        switch try r.u8() {
        case 0: valueHash = nil
        case 1: valueHash = SHA256Hash(bytes: try r.raw(32))
        case let kind: throw LedgerFormatError(.malformedLeaf, "value kind \(kind) is neither 0 nor 1")
        }
        eventID = try r.text()
        eventType = try r.text()
        producer = try r.text()
        producerSequence = Int64(bitPattern: try r.u64())
        let flag = try r.u8()
        if flag == 0 {
            subject = nil
            subjectScheme = .hmac
        } else if let scheme = SubjectScheme(rawValue: flag) {
            subject = SubjectReference(bytes: Array(try r.raw(32)))
            subjectScheme = scheme
        } else {
            throw LedgerFormatError(.malformedLeaf, "subject flag \(flag) is none of 0, 1 (HMAC reference), 2 (VOPRF reference)")
        }
        previousSubjectHead = SHA256Hash(bytes: try r.raw(32))!
        verdict = try r.blob()
        guard r.isAtEnd else { throw LedgerFormatError(.malformedLeaf, "trailing bytes after the verdict") }
    }

    /// The next link of a subject's own chain: SHA-256(previous head ‖ leaf hash).
    public static func nextSubjectHead(_ previous: SHA256Hash, leafHash: SHA256Hash) -> SHA256Hash {
        HashChain.next(previous, leafHash)
    }
}

extension SubjectMapValue {
    /// A subject with no leaves yet: its first leaf names the all-zero head as the previous one.
    public static let empty = SubjectMapValue(count: 0, chainHead: .zero)

    /// The subject's count and head once the leaf with hash `leafHash` joins its chain: what the writer stores
    /// and a verifier recomputes.
    public func appending(leafHash: SHA256Hash) -> SubjectMapValue {
        SubjectMapValue(count: count + 1, chainHead: LedgerLeaf.nextSubjectHead(chainHead, leafHash: leafHash))
    }
}

extension LedgerLeaf {
    /// What is wrong with this leaf as the record of `judgement` (the rules' reading of its record), or
    /// `nil` when its verdict and event fields are exactly what the rules make of the record.
    public func disagreement(with judgement: Judgement) -> String? {
        guard verdict == judgement.verdict.canonicalJSON else {
            return
                "the leaf's verdict \(String(decoding: verdict, as: UTF8.self)) is not what \(judgement.verdict.rules) makes of the record: \(String(decoding: judgement.verdict.canonicalJSON, as: UTF8.self))"
        }
        guard eventID == judgement.event?.id ?? "", producer == judgement.event?.source ?? "",
            producerSequence == judgement.event?.producerSequence ?? 0, (subject == nil) == (judgement.subject == nil)
        else {
            return "the leaf's event fields are not those of its record"
        }
        return nil
    }
}
