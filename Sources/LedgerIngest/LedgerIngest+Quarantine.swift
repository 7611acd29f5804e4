import KafkaClient
import LedgerStore
import Metrics

/// A partition this instance holds but cannot ingest now: not fetched, retried with a growing delay.
public struct Quarantine: Sendable {
    public let partition: Int32
    public let fault: PartitionFault
    public let since: ContinuousClock.Instant
    /// Reopening attempts so far.
    public let attempts: Int
    let retryAt: ContinuousClock.Instant
    /// The ledger as of its last commit, while the fault leaves what it committed sound (a failed write).
    let servable: PartitionLedger?
    /// Its fetching is stopped (done between batches, where the consumer is at hand).
    var isPaused: Bool

    /// 1 s after the fault, then twice as long after each failed attempt, up to a minute.
    static func delay(afterAttempts attempts: Int) -> Duration {
        .seconds(min(1 << min(attempts, 6), 60))
    }
}

extension LedgerIngest {
    /// The partitions this instance holds but cannot ingest now, and why.
    public var quarantined: [Quarantine] {
        partitions.withLock { $0.values.compactMap(\.quarantine) }.sorted { $0.partition < $1.partition }
    }

    /// What `/readyz` reports: running, and a line per quarantined partition saying why and what to do.
    public var readiness: (isRunning: Bool, quarantined: [String]) {
        let now = ContinuousClock.now
        return (
            isReady,
            quarantined.map { held in
                "partition \(held.partition) quarantined (\(held.fault.cause), for \((now - held.since).components.seconds) s, \(held.attempts) retries)\(held.servable == nil ? ", not served" : ""): \(held.fault.reason); \(held.fault.remedy)"
            }
        )
    }

    /// Takes a partition out of ingestion after a fault: it is no longer fetched, its records are left in the topic
    /// where its ledger ends, and it is reopened later (both by ``tendQuarantined(consumer:)``). What its outbox holds
    /// is still delivered, but nothing more is queued, and how far it went is not recorded: reopening publishes again.
    func quarantine(_ partition: Int32, _ error: any Error, servable: PartitionLedger? = nil) {
        let fault = PartitionFault(error, path: configuration.databasePath(partition: partition))
        let now = ContinuousClock.now
        let quarantine = partitions.withLock { states -> Quarantine in
            // Still quarantined, or reopened but not yet committed since: the same quarantine goes on.
            let earlier = states[partition]?.quarantine ?? states[partition]?.open?.leftQuarantine
            states[partition]?.open?.outbox.abandon()
            let attempts = earlier.map { $0.attempts + 1 } ?? 0
            let quarantine = Quarantine(
                partition: partition, fault: fault, since: earlier?.since ?? now, attempts: attempts,
                retryAt: now + Quarantine.delay(afterAttempts: attempts), servable: fault.isServable ? servable : nil,
                isPaused: states[partition]?.quarantine?.isPaused ?? false)
            states[partition] = .quarantined(quarantine)
            return quarantine
        }
        IngestMetrics.quarantine(partition: partition, cause: fault.cause)
        let retry = Quarantine.delay(afterAttempts: quarantine.attempts)
        if quarantine.attempts == 0 {
            logger.error(
                "partition \(partition) quarantined, the others go on: \(fault.reason); \(fault.remedy); retrying in \(retry)",
                metadata: ["partition": "\(partition)", "cause": "\(fault.cause)"])
        } else {
            logger.warning(
                "partition \(partition) is still quarantined after \(quarantine.attempts) attempts: \(fault.reason); retrying in \(retry)",
                metadata: ["partition": "\(partition)", "cause": "\(fault.cause)"])
        }
    }

    /// Stops fetching the partitions quarantined since it last ran, and reopens those whose retry is due: one that
    /// opens seeks back to where its ledger ends and is fetched again. Runs between batches: records of a partition
    /// fetched before it is paused are left out of the ledger like any of a quarantined partition.
    func tendQuarantined(consumer: KafkaConsumer) async {
        let unpaused = partitions.withLock { states in
            states.values.compactMap(\.quarantine).filter { !$0.isPaused }.map { quarantine in
                var paused = quarantine
                paused.isPaused = true
                states[quarantine.partition] = .quarantined(paused)
                return KafkaTopicPartition(topic: configuration.eventsTopic, partition: quarantine.partition)
            }
        }
        if !unpaused.isEmpty {
            do { try consumer.pause(unpaused) } catch {
                logger.warning(
                    "could not pause quarantined partitions \(unpaused.map(\.partition)): \(error)",
                    metadata: ["partitions": "\(unpaused.map(\.partition))"])
            }
        }
        let now = ContinuousClock.now
        let due = partitions.withLock { states in states.values.compactMap(\.quarantine).filter { $0.retryAt <= now }.map(\.partition) }
        for partition in due {
            let topicPartition = KafkaTopicPartition(topic: configuration.eventsTopic, partition: partition)
            let held = partitions.withLock { $0[partition]?.quarantine }
            do {
                // Opening replays the ledger, which blocks: off Swift's cooperative pool.
                let next = try await OwnThread.run { [self] in try open(partition, leaving: held) }
                // Resumed, then moved: a seek on a paused partition may wait for it to be fetched again. No poll comes
                // between the two, and the seek discards whatever was fetched from the old position.
                try consumer.resume([topicPartition])
                try await consumer.seek([topicPartition: .exactly(next)])
                IngestMetrics.quarantine(partition: partition, cause: nil)
                logger.notice(
                    "partition \(partition) left quarantine and resumes at offset \(next)", metadata: ["partition": "\(partition)"])
            } catch {
                quarantine(partition, error)
            }
        }
    }
}

extension IngestMetrics {
    /// `ledger_partition_quarantined{partition, cause}` is 1 while a partition is quarantined for that cause, else 0.
    static func quarantine(partition: Int32, cause: PartitionFault.Cause?) {
        for each in PartitionFault.Cause.all {
            Gauge(label: "ledger_partition_quarantined", dimensions: [("partition", String(partition)), ("cause", each.name)])
                .record(each == cause ? 1 : 0)
        }
    }
}
