import ConsentModel
import KafkaClient
import LedgerStore

extension LedgerIngest {
    /// Does one partition's outbox's jobs in order until it is closed, recording how far its leaves' outputs are
    /// delivered: in order, and never past a delivery that failed (those are published again when the ledger is next
    /// opened).
    func deliver(_ outbox: Outbox) async {
        var intact = true
        await outbox.drain { job in
            switch job {
            case .publish(let records, let marking):
                let delivered = await publish(records)
                guard let marking else { return }
                intact = intact && delivered
                if intact { outbox.ledger.outputsPublished(through: marking) }
            case .keep(let cosignatures):
                for cosigned in cosignatures { await keep(cosigned, in: outbox.ledger) }
            case .flush(let flushed):
                flushed.resume()
            }
        }
    }

    /// Waits for the partitions' output deliveries and writes how far they went, so that a clean stop
    /// (or handing a partition over) publishes nothing twice, then writes each ledger's log back into its
    /// file, so that the file alone is the ledger. A mark that cannot be written means only that those outputs
    /// are published again.
    func finishDeliveries(of partitions: [OpenPartition]) async {
        for partition in partitions {
            await partition.outbox.close()
            do {
                try await partition.ledger.saveOutputsPublished()
                try await partition.ledger.mergeWriteAheadLog()
            } catch {
                logger.warning(
                    "\(partition.ledger.origin): could not record how far outputs were delivered, or merge its write-ahead log (\(error)); outputs are published again when it reopens",
                    metadata: ["partition": "\(partition.ledger.partition)"])
            }
        }
    }

    /// Sends and awaits every output, in order; whether all were delivered. Those that fail are sent again, in
    /// order, after 1, 2 and 4 s (a broker restarting, a leader moving); a failure after that is logged, not fatal:
    /// the ledger is already committed and every output is derived from it again when the ledger is next opened.
    /// An output too large for its topic could never be delivered: it is logged and counted, and does not hold back
    /// the others' mark.
    private func publish(_ records: [KafkaProducerRecord]) async -> Bool {
        var pending = records
        for retry in 0...3 {
            if retry > 0 { try? await Task.sleep(for: .seconds(1 << (retry - 1))) }
            var failed: [(record: KafkaProducerRecord, error: KafkaError)] = []
            for (record, outcome) in zip(pending, await producer.send(pending)) {
                guard case .failure(let error) = outcome else { continue }
                if error.code == .recordTooLarge {
                    IngestMetrics.undeliverable(topic: record.topic)
                    logger.error(
                        "an output to \(record.topic) keyed \(EchoedText.capped(String(decoding: record.key ?? [], as: UTF8.self))) is too large to publish, and is skipped (its leaf holds what it says): \(error.reason)",
                        metadata: ["topic": "\(record.topic)"])
                } else {
                    failed.append((record, error))
                }
            }
            guard let first = failed.first else { return true }
            let next = retry < 3 ? "sending them again in \(1 << retry) s" : "they are published again when the ledger is next opened"
            logger.warning(
                "could not publish \(failed.count) of \(records.count) outputs, the first to \(first.record.topic): \(first.error.reason); \(next)",
                metadata: ["topic": "\(first.record.topic)"])
            pending = failed.map(\.record)
        }
        return false
    }
}
