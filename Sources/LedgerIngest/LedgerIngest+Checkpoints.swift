import LedgerStore

extension LedgerIngest {
    /// The ready partitions that grew by enough leaves, or long enough ago (or at all, when `force`d), to be
    /// checkpointed, marked as checkpointed at their present size. A partition applying a batch is not ready, so its
    /// tree and subject map are never signed halfway through an append.
    func takeDuePartitions(force: Bool = false) -> [OpenPartition] {
        let now = ContinuousClock.now
        return partitions.withLock { states in
            var due: [OpenPartition] = []
            for (partition, state) in states {
                guard case .ready(var open, let rules) = state else { continue }
                if let checkpointed = open.checkpointedSize {
                    let grown = open.ledger.size - checkpointed
                    guard grown > 0,
                        force || grown >= configuration.checkpointEveryLeaves
                            || now - open.checkpointedAt >= configuration.checkpointInterval
                    else { continue }
                }
                open.checkpointedSize = open.ledger.size
                open.checkpointedAt = now
                states[partition] = .ready(open, rules)
                due.append(open)
            }
            return due
        }
    }

    /// Signs a checkpoint of each ledger, all at once (each its own database), and queues it after the outputs of the
    /// leaves it covers. A ledger that cannot store its checkpoint is quarantined (it is sound as of its last commit,
    /// and is served).
    func checkpoint(_ due: [OpenPartition]) async {
        await withTaskGroup(of: Void.self) { group in
            for open in due {
                group.addTask { [self] in
                    let ledger = open.ledger
                    do {
                        let (size, note, mapNote) = try await ledger.signCheckpoint(with: open.signer)
                        open.outbox.add(
                            .publish(outputs.checkpoint(log: note.formatted, map: mapNote.formatted, origin: ledger.origin), marking: size))
                        logger.debug("signed checkpoint \(ledger.origin) at \(size)", metadata: ["partition": "\(ledger.partition)"])
                    } catch {
                        quarantine(ledger.partition, error, servable: ledger)
                    }
                }
            }
        }
    }
}
