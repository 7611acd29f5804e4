import ConsentModel
import Crypto
import Foundation
import KafkaClient
import LedgerClient
import LedgerFormat
import MerkleLog

/// What a witness made of one ledger in a round.
public enum WitnessOutcome: Sendable, Equatable {
    /// The ledger's latest checkpoint matched the replay: here it is with this witness's cosignature added.
    case cosigned(origin: String, size: UInt64, note: String)
    /// Nothing new since this witness last cosigned it.
    case unchanged(origin: String, size: UInt64)
    /// The ledger disagrees with the topic, or with what this witness cosigned before; it is never cosigned again.
    case alarm(WitnessAlarm)
}

/// An independent witness of a ledgerd: it reads the events topic itself, checks every leaf the ledger
/// serves against the record at that offset (bytes, timestamp, verdict recomputed by the rules, subject
/// grouping), rebuilds the tree, and cosigns a checkpoint (C2SP `cosignature/v1`) only when the ledger's
/// signed root is the root it rebuilt, and only if it extends every checkpoint it cosigned before.
public actor Witness {
    private let api: LedgerAPIClient
    private let consumer: KafkaConsumer
    private let trust: RegistryTrust
    private let ledgerKey: Curve25519.Signing.PublicKey
    private let subjectKey: SubjectOPRF.PublicKey?
    private let signer: NoteSigner
    private let eventsTopic: String
    private var state: WitnessState
    private var replays: [String: PartitionReplay] = [:]
    private var alarms: [String: WitnessAlarm] = [:]

    /// `stateFile` keeps the checkpoints this witness cosigned, so that a restarted witness still refuses
    /// a ledger that forked from them. With `subjectKey` (the ledger's published VOPRF key), every citizen's leaves must
    /// carry the reference the blinded protocol gives for them.
    public init(
        api: URL, token: String, consumer: KafkaConsumer, trust: RegistryTrust, ledgerKey: Curve25519.Signing.PublicKey,
        subjectKey: SubjectOPRF.PublicKey? = nil, signer: NoteSigner, stateFile: URL, eventsTopic: String = LedgerTopic.events
    ) throws {
        self.api = LedgerAPIClient(url: api, token: token)
        self.consumer = consumer
        self.trust = trust
        self.ledgerKey = ledgerKey
        self.subjectKey = subjectKey
        self.signer = signer
        self.eventsTopic = eventsTopic
        state = try WitnessState(file: stateFile)
    }

    /// Checks every ledger the API lists up to its latest checkpoint; `now` (seconds since the epoch)
    /// stamps the cosignatures.
    public func round(now: UInt64) async throws -> [WitnessOutcome] {
        var outcomes: [WitnessOutcome] = []
        for summary in try await api.ledgers() {
            guard let text = summary.checkpoint else { continue }
            if let alarm = alarms[summary.name] {
                outcomes.append(.alarm(alarm))
                continue
            }
            do {
                outcomes.append(try await witness(origin: summary.name, partition: summary.partition, checkpoint: text, now: now))
            } catch let alarm as WitnessAlarm {
                alarms[summary.name] = alarm
                outcomes.append(.alarm(alarm))
            }
        }
        return outcomes
    }

    private func witness(origin: String, partition: Int32, checkpoint text: String, now: UInt64) async throws -> WitnessOutcome {
        func alarm(_ reason: String) -> WitnessAlarm { WitnessAlarm(origin: origin, index: nil, reason: reason) }
        var note: SignedNote
        let checkpoint: Checkpoint
        do {
            note = try SignedNote(parsing: Array(text.utf8))
            let log = try NoteVerifier(name: origin, kind: .ed25519, publicKey: Array(ledgerKey.rawRepresentation))
            checkpoint = try TrustPolicy(log: log).verify(note)
        } catch {
            throw alarm("its latest checkpoint is not signed by the ledger key: \(error)")
        }
        let cosigned = state.cosigned[origin]
        if let cosigned {
            guard checkpoint.size >= cosigned.size else {
                throw alarm("its latest checkpoint has \(checkpoint.size) leaves, fewer than the \(cosigned.size) this witness cosigned")
            }
            if checkpoint.size == cosigned.size {
                guard checkpoint.root == cosigned.root else {
                    throw alarm(
                        "its checkpoint at \(checkpoint.size) has root \(checkpoint.root), but this witness cosigned \(cosigned.root)")
                }
                if replays[origin] != nil { return .unchanged(origin: origin, size: checkpoint.size) }
            }
        }
        var replay =
            replays[origin]
            ?? PartitionReplay(
                origin: origin, topicPartition: KafkaTopicPartition(topic: eventsTopic, partition: partition), trust: trust,
                cosigned: cosigned)
        guard checkpoint.size >= replay.size else {
            throw alarm("its latest checkpoint has \(checkpoint.size) leaves, fewer than the \(replay.size) this witness has checked")
        }
        replay.add(try await consumer.readToEnd(replay.topicPartition, from: replay.nextOffset))
        if let subjectKey {
            for subject in replay.subjectsWithoutOwnReference {
                let request = try SubjectOPRF.Request(subject: subject, publicKey: subjectKey)
                let answer = try await api.subjectKey(blindedElement: request.blindedElement)
                do { replay.learn(ownReference: try request.reference(from: answer), of: subject) } catch {
                    throw alarm("its subject-key evaluation does not prove it used the published subject key")
                }
            }
        }
        for leaf in try await api.leaves(partition: partition, from: replay.size, to: checkpoint.size) {
            try replay.append(leaf: leaf.leaf)
        }
        guard replay.chain.tree.root == checkpoint.root else {
            throw alarm(
                "its checkpoint at \(checkpoint.size) says root \(checkpoint.root), but its leaves, checked against the topic, hash to \(replay.chain.tree.root)"
            )
        }
        replays[origin] = replay
        try note.sign(with: signer, timestamp: now)
        try state.record(origin: origin, size: checkpoint.size, root: checkpoint.root)
        return .cosigned(origin: origin, size: checkpoint.size, note: note.formatted)
    }
}
