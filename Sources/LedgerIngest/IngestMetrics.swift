import ConsentModel
import KafkaClient
import LedgerStore
import Metrics

/// What ledgerd reports through swift-metrics (Prometheus at `/metrics` in ledgerd). Names and label
/// sets are fixed and small: partitions, rejection reasons and verdict outcomes are bounded sets.
enum IngestMetrics {
    /// Counts one committed partition batch.
    static func committed(_ entries: [PartitionLedger.Entry], partition: Int32) {
        let label = String(partition)
        Counter(label: "ledger_events_in_total").increment(by: Int64(entries.count))
        Counter(label: "ledger_leaves_appended_total", dimensions: [("partition", label)]).increment(by: Int64(entries.count))
        var rejected: [String: Int64] = [:]
        var outcomes: [String: Int64] = [:]
        var findings: [String: Int64] = [:]
        for entry in entries {
            let verdict = entry.judgement.verdict
            if let rejection = verdict.rejection { rejected[rejection.code, default: 0] += 1 }
            if let access = verdict.access { outcomes[access.code, default: 0] += 1 }
            for finding in verdict.findings { findings[finding.code, default: 0] += 1 }
        }
        for (reason, count) in rejected { Counter(label: "ledger_rejected_total", dimensions: [("reason", reason)]).increment(by: count) }
        for (outcome, count) in outcomes {
            Counter(label: "ledger_verdicts_total", dimensions: [("outcome", outcome)]).increment(by: count)
        }
        for (finding, count) in findings {
            Counter(label: "ledger_producer_findings_total", dimensions: [("finding", finding)]).increment(by: count)
        }
    }

    /// Records how far the ledger of a partition is behind the end of the topic.
    static func lag(partition: Int32, nextOffset: Int64, highWatermark: Int64?) {
        guard let highWatermark else { return }
        Gauge(label: "ledger_consumer_lag", dimensions: [("partition", String(partition))]).record(max(0, highWatermark - nextOffset))
    }

    /// Counts a record of the checkpoints topic keyed as a cosignature that is not kept: unreadable, or of a
    /// checkpoint this ledger did not sign.
    static func cosignatureIgnored() {
        Counter(label: "ledger_cosignatures_ignored_total").increment()
    }

    /// Counts an output that cannot be published because it is larger than its topic allows.
    static func undeliverable(topic: String) {
        Counter(label: "ledger_outputs_undeliverable_total", dimensions: [("topic", topic)]).increment()
    }

    static func batch(duration: Duration) {
        Timer(label: "ledger_batch_duration_seconds").recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
