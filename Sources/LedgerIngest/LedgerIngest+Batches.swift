import ConsentModel
import Foundation
import KafkaClient
import LedgerStore
import MerkleLog

extension LedgerIngest {
    /// A partition's part of a batch, judged by its rules and ready to commit.
    struct Applied: Sendable {
        let open: OpenPartition
        /// The partition's rules after this batch: they go back into its state once the batch is committed.
        let rules: Rules
        let entries: [PartitionLedger.Entry]
        let last: KafkaRecord
    }

    /// Processes one batch: prepares its records while the last batch commits, then (that done) applies the rules and
    /// adds this batch's commit and checkpoints to `committing`. Before a rebalance everything fetched is committed, so
    /// that a revoked partition's last records are in its ledger before it is let go.
    func ingest(_ events: [KafkaConsumerEvent], consumer: KafkaConsumer, committing: inout TaskGroup<Void>) async {
        var pending: [Int32: [KafkaRecord]] = [:]
        for event in events {
            switch event {
            case .record(let record):
                pending[record.topicPartition.partition, default: []].append(record)
            case .rebalance(.revoked(let revoked)):
                let applied = await apply(prepare(pending), after: &committing)
                await commit(applied, consumer: consumer)
                pending = [:]
                let letGo = partitions.withLock { states in revoked.compactMap { states.removeValue(forKey: $0.partition) } }
                for partition in revoked.map(\.partition) { IngestMetrics.quarantine(partition: partition, cause: nil) }
                await finishDeliveries(of: letGo.compactMap(\.open))
                logger.info("let go of partitions \(revoked.map(\.partition))", metadata: ["partitions": "\(revoked.map(\.partition))"])
            case .rebalance(.assigned):
                break  // opened (or quarantined) by the assignment callback, before any of their records
            }
        }
        let started = ContinuousClock.now
        let applied = await apply(prepare(pending), after: &committing)
        // A checkpoint is of one committed state, in which tree and subject map agree: the partitions due are taken
        // once the batch has committed, and signed while the next batch is prepared.
        committing.addTask { [self] in
            if !applied.isEmpty {
                await commit(applied, consumer: consumer)
                IngestMetrics.batch(duration: .now - started)
            }
            await checkpoint(takeDuePartitions())
        }
    }

    /// A batch's records by partition, in partition order, each prepared (decoded and signature-checked) on every core.
    struct Prepared: Sendable {
        var partitions: [(partition: Int32, records: [KafkaRecord])]
        var incoming: [IncomingRecord]
        var prepared: [PreparedRecord]
    }

    private func prepare(_ batches: [Int32: [KafkaRecord]]) async -> Prepared {
        let ordered = batches.sorted { $0.key < $1.key }.map { (partition: $0.key, records: $0.value) }
        let incoming = ordered.flatMap(\.records).map { record in
            IncomingRecord(
                value: record.value, headers: record.headers.map { (name: $0.name, value: $0.value) }, kafkaTimestamp: record.timestamp)
        }
        // Decoding and signature checks need the keys, not the consent state.
        let prepared = await Self.prepare(incoming, keys: knownKeys.withLock { $0 })
        return Prepared(partitions: ordered, incoming: incoming, prepared: prepared)
    }

    /// Once the last batch has committed (`committing` is empty), applies the rules partition by partition in offset
    /// order, each partition moving from ready to applying. A partition that is not ready (quarantined) is left out:
    /// its records stay in the topic, and it seeks back to where its ledger ends when it reopens.
    private func apply(_ batch: Prepared, after committing: inout TaskGroup<Void>) async -> [Applied] {
        await committing.waitForAll()
        var inputs = batch.incoming[...]
        var prepared = batch.prepared[...]
        var applied: [Applied] = []
        for (partition, records) in batch.partitions {
            let part = zip(records, zip(inputs.prefix(records.count), prepared.prefix(records.count)))
            inputs = inputs.dropFirst(records.count)
            prepared = prepared.dropFirst(records.count)
            guard let nextOffset = partitions.withLock({ $0[partition]?.open?.ledger.nextOffset }) else { continue }
            let fresh = part.filter { $0.0.offset >= nextOffset }
            if fresh.count < records.count {
                // Only a topic that was deleted and recreated under the ledger can send offsets it already holds.
                logger.error(
                    "partition \(partition): \(records.count - fresh.count) records at offsets below \(nextOffset), which the ledger already holds; was the topic recreated?",
                    metadata: ["partition": "\(partition)"])
            }
            guard let last = fresh.last?.0, let (open, taken) = beginApplying(partition) else { continue }
            var rules = taken
            let entries = fresh.map { record, input in
                PartitionLedger.Entry(
                    offset: record.offset, timestamp: record.timestamp, value: record.value, headers: input.0.headers,
                    judgement: rules.apply(input.1))
            }
            applied.append(Applied(open: open, rules: rules, entries: entries, last: last))
        }
        return applied
    }

    /// Commits each partition's part of a batch, each its own database at once, then makes it ready again and queues
    /// its outputs. A partition whose commit fails is quarantined; the others commit.
    private func commit(_ applied: [Applied], consumer: KafkaConsumer) async {
        await withTaskGroup(of: Void.self) { group in
            for part in applied {
                group.addTask { [self] in
                    do {
                        try await commit(part, consumer: consumer)
                    } catch {
                        quarantine(part.open.ledger.partition, error, servable: part.open.ledger)
                    }
                }
            }
        }
    }

    private func commit(_ part: Applied, consumer: KafkaConsumer) async throws {
        let ledger = part.open.ledger
        let appended = try await ledger.append(part.entries, nextOffset: part.last.offset + 1)
        for (landed, entry) in zip(appended, part.entries) {
            guard let scope = entry.judgement.verdict.erasure, let subject = entry.judgement.subject else { continue }
            report(try ledger.erase(orderedBy: landed.index, subject: subject, scope: scope), of: ledger)
        }
        var awaited = part.open.awaitedCheckpoint
        if let checkpoint = awaited, ledger.size >= checkpoint.size {
            try Self.check(ledger, against: checkpoint, path: configuration.databasePath(partition: ledger.partition))
            awaited = nil
            logger.notice(
                "\(checkpoint.origin) rebuilt up to its published checkpoint at \(checkpoint.size) leaves, and matches it",
                metadata: ["partition": "\(ledger.partition)"])
        }
        endApplying(ledger.partition, rules: part.rules, awaitedCheckpoint: awaited)
        try? consumer.storeOffset(of: part.last)
        IngestMetrics.committed(part.entries, partition: ledger.partition)
        IngestMetrics.lag(
            partition: ledger.partition, nextOffset: part.last.offset + 1,
            highWatermark: consumer.cachedHighWatermark(of: part.last.topicPartition))
        part.open.outbox.add(
            .publish(
                zip(appended, part.entries).flatMap {
                    outputs.records(index: $0.index, leafHash: $0.leafHash, entry: $1, origin: ledger.origin)
                },
                marking: ledger.size))
    }

    /// Says in the log what an erasure did (never whose: the leaf names the subject's reference, and the log does not).
    func report(_ erasure: PartitionLedger.Erasure, of ledger: PartitionLedger) {
        logger.notice(
            "\(ledger.origin): erased \(erasure.erased) records as leaf \(erasure.orderedBy) ordered; destroyed \(erasure.destroyedKeys) data keys",
            metadata: ["partition": "\(ledger.partition)"])
    }

    /// Takes a ready partition's rules for a batch (ready → applying), so that applying mutates the one copy of the
    /// consent state instead of copying all of it. `nil` for a partition that is not ready.
    private func beginApplying(_ partition: Int32) -> (OpenPartition, Rules)? {
        partitions.withLock { states in
            guard case .ready(let open, let rules) = states[partition] else { return nil }
            states[partition] = .applying(open)
            return (open, rules)
        }
    }

    /// Gives a committed partition its rules back (applying → ready); its quarantine, if it left one, is over. A partition
    /// quarantined or let go of meanwhile stays so: reopening it replays its ledger.
    private func endApplying(_ partition: Int32, rules: Rules, awaitedCheckpoint: Checkpoint?) {
        learn(from: rules)
        partitions.withLock { states in
            guard case .applying(var open) = states[partition] else { return }
            open.awaitedCheckpoint = awaitedCheckpoint
            open.leftQuarantine = nil
            states[partition] = .ready(open, rules)
        }
    }

    /// Prepares (decodes and signature-checks) a batch on every core; the results keep the batch's order.
    static func prepare(_ records: [IncomingRecord], keys: SigningKeys) async -> [PreparedRecord] {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = max(64, (records.count + cores - 1) / cores)
        return await withTaskGroup(of: (Int, [PreparedRecord]).self) { group in
            for start in stride(from: 0, to: records.count, by: chunk) {
                let slice = Array(records[start..<min(start + chunk, records.count)])
                group.addTask { (start, slice.map { PreparedRecord($0, keys: keys) }) }
            }
            var results = [[PreparedRecord]](repeating: [], count: (records.count + chunk - 1) / chunk)
            for await (start, prepared) in group { results[start / chunk] = prepared }
            return results.flatMap { $0 }
        }
    }
}
