import ConsentModel
import KafkaClient
import LedgerFormat
import LedgerStore
import Logging
import MerkleLog

/// A witness's cosigned copy of a checkpoint, as `ledgerctl witness` publishes it to the checkpoints topic
/// (keyed `<origin>/cosigned-by/<witness>`).
package struct Cosigned: Sendable {
    /// Longer than any origin or note key name this package writes (an origin is a ledger name, a topic and a partition).
    static let maximumKeyLength = 512

    package let origin: String
    package let witness: String
    package let note: SignedNote

    /// Whether the record is keyed as a cosignature, whether or not it is a usable one.
    static func isKeyed(_ record: KafkaRecord) -> Bool {
        guard let key = record.key, case .cosignature = CheckpointsTopicKey(String(decoding: key, as: UTF8.self)) else { return false }
        return true
    }

    /// `nil` for a record that is not keyed as a cosignature, or whose key or note cannot be one.
    package init?(_ record: KafkaRecord) {
        guard let key = record.key.map({ String(decoding: $0, as: UTF8.self) }), key.utf8.count <= Self.maximumKeyLength,
            case .cosignature(let origin, let witness) = CheckpointsTopicKey(key), let value = record.value,
            let note = try? SignedNote(parsing: value)
        else { return nil }
        self.origin = origin
        self.witness = witness
        guard !origin.isEmpty, (try? NoteVerifier(name: witness, kind: .cosignatureV1, publicKey: Array(repeating: 0, count: 32))) != nil
        else { return nil }
        self.note = note
    }

    /// What a log line about it carries besides its words.
    var metadata: Logger.Metadata { ["origin": "\(origin)", "witness": "\(EchoedText.capped(witness))"] }
}

extension LedgerIngest {
    /// Keeps, beside each ledger this instance holds, the cosignatures witnesses publish from now on (those
    /// published before were read at start), so that a data directory carries what a witness policy needs.
    func collectCosignatures(from start: KafkaOffset) async {
        do {
            let tail = try KafkaConsumer(
                configuration: consumerConfiguration.outsideGroup, logger: logger)
            try await tail.assign([KafkaTopicPartition(topic: configuration.checkpointsTopic, partition: 0): start])
            for try await record in tail.records where Cosigned.isKeyed(record) {
                guard let cosigned = Cosigned(record) else {
                    ignoreCosignature(record)
                    continue
                }
                guard
                    let ledger = partitions.withLock({ $0.values.compactMap(\.open).first { $0.ledger.origin == cosigned.origin }?.ledger })
                else { continue }
                await keep(cosigned, in: ledger)
            }
            try await tail.close()
        } catch is CancellationError {
        } catch {
            logger.warning("stopped collecting witness cosignatures from \(configuration.checkpointsTopic): \(error)")
        }
    }

    /// Keeps a cosignature beside its ledger if it verifies under the configured witness it is published as, and is of
    /// one of the ledger's checkpoints; anything else (anyone may write to the checkpoints topic) is counted, not kept.
    func keep(_ cosigned: Cosigned, in ledger: PartitionLedger) async {
        let verified = (try? cosigned.note.verify(trusting: configuration.witnesses)) ?? []
        guard verified.contains(where: { $0.verifier.name == cosigned.witness && $0.timestamp != nil }) else {
            IngestMetrics.cosignatureIgnored()
            logger.warning(
                "a cosignature of \(cosigned.origin) published as \(EchoedText.capped(cosigned.witness))'s carries no valid signature of a witness this ledgerd is configured with (--witnesses); not kept",
                metadata: cosigned.metadata)
            return
        }
        do {
            if try await ledger.storeCosigned(cosigned.note, witness: cosigned.witness) {
                logger.info("kept \(cosigned.witness)'s cosignature of \(cosigned.origin)", metadata: cosigned.metadata)
            } else {
                IngestMetrics.cosignatureIgnored()
                logger.warning(
                    "\(cosigned.witness) cosigned a checkpoint of \(cosigned.origin) that this ledger did not sign; not kept",
                    metadata: cosigned.metadata)
            }
        } catch {
            logger.warning("could not keep \(cosigned.witness)'s cosignature of \(cosigned.origin): \(error)", metadata: cosigned.metadata)
        }
    }

    /// A record keyed as a cosignature whose key or note cannot be one: counted and logged, never stored.
    func ignoreCosignature(_ record: KafkaRecord) {
        IngestMetrics.cosignatureIgnored()
        logger.warning(
            "the record at offset \(record.offset) of \(configuration.checkpointsTopic), keyed \(EchoedText.capped(String(decoding: record.key ?? [], as: UTF8.self))), is no cosignature ledgerd can read; ignored",
            metadata: ["topic": "\(configuration.checkpointsTopic)", "offset": "\(record.offset)"])
    }
}
