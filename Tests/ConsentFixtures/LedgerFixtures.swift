import ConsentModel
import LedgerStore

extension PartitionLedger {
    /// Judges `records` in order with `rules` and appends them, at the next offsets, as one batch, then carries out the
    /// erasures among them: what ledgerd does with a batch from Kafka, without Kafka. Returns what the erasures did.
    @discardableResult
    public func append(_ records: [IncomingRecord], judgedBy rules: inout Rules) async throws -> [Erasure] {
        let first = nextOffset
        let start = size
        var entries: [PartitionLedger.Entry] = []
        for (n, record) in records.enumerated() {
            entries.append(
                .init(
                    offset: first + Int64(n), timestamp: record.kafkaTimestamp, value: record.value,
                    headers: record.headers, judgement: rules.judge(record)))
        }
        try await append(entries, nextOffset: first + Int64(records.count))
        return try entries.enumerated().compactMap { n, entry in
            guard let scope = entry.judgement.verdict.erasure, let subject = entry.judgement.subject else { return nil }
            return try erase(orderedBy: start + UInt64(n), subject: subject, scope: scope)
        }
    }
}
