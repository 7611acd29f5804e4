import ConsentModel
import KafkaClient
import LedgerFormat
import MerkleLog

/// One partition ledger as a witness rebuilds it: each leaf the ledger serves is checked against the
/// record the witness read from the topic itself, and the tree is grown from the leaves that pass.
///
/// Without the ledger's subject secret the witness cannot recompute a leaf's subject reference; it checks
/// instead that one citizen always has one reference and one reference one citizen, so the per-subject
/// chains (and the completeness proofs built on them) group exactly the records they should. Given the ledger's
/// published subject key, it also obtains each citizen's own reference by the blinded protocol, as the citizen would,
/// and requires every leaf of that citizen to carry it: a consistent wrong key for one citizen is caught too.
struct PartitionReplay {
    let origin: String
    let topicPartition: KafkaTopicPartition
    private(set) var chain = ChainedLogVerifier(previousChainHash: LedgerLeaf.previousChainHash(in:))
    private var rules: Rules
    /// Records read from the topic and not yet matched to a leaf, in offset order.
    private var unmatched: [KafkaRecord] = []
    private(set) var nextOffset: Int64 = 0
    private var referenceOf: [String: SubjectReference] = [:]
    private var subjectOf: [SubjectReference: String] = [:]
    /// Citizens' own references, obtained by the blinded protocol under the published subject key.
    private var ownReferences: [String: SubjectReference] = [:]
    /// How the ledger derives subject references, as its first leaf with a subject says: one ledger, one way.
    private var subjectScheme: SubjectScheme?
    /// The root this witness once cosigned at a size, checked again when the rebuilt tree reaches it.
    private var cosigned: (size: UInt64, root: SHA256Hash)?

    init(origin: String, topicPartition: KafkaTopicPartition, trust: RegistryTrust, cosigned: (size: UInt64, root: SHA256Hash)?) {
        self.origin = origin
        self.topicPartition = topicPartition
        // Any secret will do: verdicts depend on which records share a subject, not on the reference's bytes.
        rules = Rules(trust: trust, partition: topicPartition.partition, secret: .generate())
        self.cosigned = cosigned
    }

    var size: UInt64 { chain.tree.size }

    mutating func add(_ records: [KafkaRecord]) {
        unmatched += records
        if let last = records.last { nextOffset = last.offset + 1 }
    }

    /// The citizens the records not yet matched name, whose own reference this witness has not obtained yet.
    var subjectsWithoutOwnReference: [String] {
        Set(unmatched.compactMap { record in record.value.flatMap { try? Event.decode($0).subject } })
            .subtracting(ownReferences.keys).sorted()
    }

    mutating func learn(ownReference reference: SubjectReference, of subject: String) {
        ownReferences[subject] = reference
    }

    /// Checks the ledger's next leaf against the next record of the topic and grows the tree with it.
    mutating func append(leaf bytes: [UInt8]) throws(WitnessAlarm) {
        let index = size
        func alarm(_ reason: String) -> WitnessAlarm { WitnessAlarm(origin: origin, index: index, reason: reason) }
        let leaf: LedgerLeaf
        do {
            leaf = try LedgerLeaf(decoding: bytes)
            try chain.append(leaf: bytes)
        } catch {
            throw alarm("\(error)")
        }
        guard leaf.topic == topicPartition.topic, leaf.partition == topicPartition.partition else {
            throw alarm("names \(leaf.topic)/\(leaf.partition), not this ledger's \(topicPartition)")
        }
        guard let record = unmatched.first else {
            throw alarm("names offset \(leaf.offset), but the topic holds no record there (its end is \(nextOffset))")
        }
        guard leaf.offset == record.offset else {
            throw alarm(
                leaf.offset > record.offset
                    ? "names offset \(leaf.offset): the record at offset \(record.offset) is missing from the ledger"
                    : "names offset \(leaf.offset), which the topic does not hold next (offset \(record.offset) is)")
        }
        unmatched.removeFirst()
        guard leaf.timestamp == record.timestamp, leaf.valueHash == record.value.map({ SHA256Hash.of($0) }) else {
            throw alarm("does not commit to the record at offset \(record.offset) as the topic holds it (bytes or timestamp differ)")
        }
        let judgement = rules.judge(
            IncomingRecord(
                value: record.value, headers: record.headers.map { ($0.name, $0.value) },
                kafkaTimestamp: record.timestamp))
        if let reason = leaf.disagreement(with: judgement) { throw alarm(reason) }
        if let raw = judgement.event?.subject, let reference = leaf.subject {
            guard referenceOf[raw, default: reference] == reference, subjectOf[reference, default: raw] == raw,
                (subjectScheme ?? leaf.subjectScheme) == leaf.subjectScheme
            else {
                throw alarm("gives a citizen another subject reference than their earlier leaves, or another citizen's, or another kind")
            }
            subjectScheme = leaf.subjectScheme
            if let own = ownReferences[raw], own != reference {
                throw alarm(
                    "carries subject key \(reference) for a citizen whose own key, by the blinded protocol under the published subject key, is \(own)"
                )
            }
            referenceOf[raw] = reference
            subjectOf[reference] = raw
        }
        if let cosigned, cosigned.size == size, cosigned.root != chain.tree.root {
            throw alarm(
                "the first \(cosigned.size) leaves hash to \(chain.tree.root), but this witness cosigned \(cosigned.root) at that size: the ledger forked"
            )
        }
    }
}

/// Why a witness refuses to cosign a ledger, and where.
public struct WitnessAlarm: Error, Sendable, Equatable, CustomStringConvertible {
    public let origin: String
    /// The leaf concerned, if the alarm is about one.
    public let index: UInt64?
    public let reason: String

    public var description: String { origin + (index.map { ", leaf \($0)" } ?? "") + ": " + reason }
}
