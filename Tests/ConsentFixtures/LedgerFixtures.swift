import ConsentModel
import LedgerStore

extension PartitionLedger {
    /// Judges `records` in order with `rules` and appends them, at the next offsets, as one batch: what
    /// ledgerd does with a batch from Kafka, without Kafka.
    public func append(_ records: [IncomingRecord], judgedBy rules: inout Rules) async throws {
        let first = nextOffset
        var entries: [PartitionLedger.Entry] = []
        for (n, record) in records.enumerated() {
            entries.append(
                .init(
                    offset: first + Int64(n), timestamp: record.kafkaTimestamp, value: record.value,
                    headers: record.headers, judgement: rules.judge(record)))
        }
        try await append(entries, nextOffset: first + Int64(records.count))
    }
}
