import KafkaClient
import LedgerStore
import MerkleLog

/// A witness's cosigned copy of a checkpoint, as `ledgerctl witness` publishes it to the checkpoints topic
/// (keyed `<origin>/cosigned-by/<witness>`).
package struct Cosigned: Sendable {
    package let origin: String
    package let witness: String
    package let note: SignedNote

    package init?(_ record: KafkaRecord) {
        guard let key = record.key.map({ String(decoding: $0, as: UTF8.self) }), let marker = key.range(of: "/cosigned-by/"),
            let value = record.value, let note = try? SignedNote(parsing: value)
        else { return nil }
        origin = String(key[..<marker.lowerBound])
        witness = String(key[marker.upperBound...])
        self.note = note
    }
}

extension LedgerIngest {
    /// Keeps, beside each ledger this instance holds, the cosignatures witnesses publish from now on (those
    /// published before were read at start), so that a data directory carries what a witness policy needs.
    func collectCosignatures(from start: KafkaOffset) async {
        do {
            let tail = try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(bootstrapServers: consumerConfiguration.bootstrapServers), logger: logger)
            try await tail.assign([KafkaTopicPartition(topic: configuration.checkpointsTopic, partition: 0): start])
            for try await record in tail.records {
                guard let cosigned = Cosigned(record),
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

    func keep(_ cosigned: Cosigned, in ledger: PartitionLedger) async {
        do {
            if try await ledger.storeCosigned(cosigned.note, witness: cosigned.witness) {
                logger.info("kept \(cosigned.witness)'s cosignature of \(cosigned.origin)")
            } else {
                logger.warning("\(cosigned.witness) cosigned a checkpoint of \(cosigned.origin) that this ledger did not sign; not kept")
            }
        } catch {
            logger.warning("could not keep \(cosigned.witness)'s cosignature of \(cosigned.origin): \(error)")
        }
    }
}
