import Logging

/// Reads records from assigned partitions as a pull-based `AsyncSequence`.
///
/// Either join a group with ``subscribe(topics:)`` (the group balances partitions between its
/// members; ``events`` reports each assignment and revocation) or take partitions directly
/// with ``assign(_:)``. A caller that keeps its own offsets passes `assignmentOffsets`, which
/// decides where each newly assigned partition starts before any of its records is read.
///
/// Records are pulled from librdkafka's prefetch queue, which is the only buffer: nothing is
/// read ahead in Swift. Call ``close()`` to leave the group cleanly.
public final class KafkaConsumer: Sendable {
    let client: RDKafkaClient

    public init(
        configuration: KafkaConsumerConfiguration,
        logger: Logger,
        assignmentOffsets: KafkaAssignmentOffsets? = nil
    ) throws {
        client = try RDKafkaClient(
            kind: .consumer,
            properties: configuration.properties,
            callbacks: RDKafkaCallbacks(logger: logger, assignmentOffsets: assignmentOffsets)
        )
    }

    /// How many partitions `topic` has, from the cluster's metadata. Throws
    /// ``KafkaError/Code/unknownTopicOrPartition`` when the cluster has no such topic.
    public func partitionCount(of topic: String, timeout: Duration = .seconds(10)) async throws -> Int {
        try await client.partitionCount(of: topic, timeout: timeout)
    }

    /// Joins the consumer group and asks for a share of these topics' partitions.
    public func subscribe(topics: [String]) throws {
        try client.subscribe(topics: topics)
    }

    /// Reads exactly these partitions from these offsets, outside any group balancing.
    public func assign(_ offsets: [KafkaTopicPartition: KafkaOffset]) async throws {
        try await client.blocking { [client] in try client.assign(offsets) }
    }

    /// Moves assigned partitions to new offsets; the next record of each is the one asked for.
    public func seek(_ offsets: [KafkaTopicPartition: KafkaOffset], timeout: Duration = .seconds(10)) async throws {
        try await client.blocking { [client] in try client.seek(offsets, timeout: timeout) }
    }

    /// Stops fetching these assigned partitions until ``resume(_:)``; they stay assigned to this consumer.
    public func pause(_ partitions: [KafkaTopicPartition]) throws {
        try client.setPaused(true, partitions)
    }

    /// Fetches paused partitions again, from where they were (or from where ``seek(_:timeout:)`` moved them).
    public func resume(_ partitions: [KafkaTopicPartition]) throws {
        try client.setPaused(false, partitions)
    }

    /// Marks a record as processed: the next commit for its partition resumes after it.
    public func storeOffset(of record: KafkaRecord) throws {
        try client.storeOffset(record.offset + 1, for: record.topicPartition)
    }

    /// Commits the stored offsets now and waits for the group coordinator to acknowledge.
    public func commit() async throws {
        try await client.blocking { [client] in try client.commitStoredOffsets() }
    }

    /// The group's committed next offsets for these partitions; `nil` where none is committed.
    public func committedOffsets(
        for partitions: [KafkaTopicPartition],
        timeout: Duration = .seconds(10)
    ) async throws -> [KafkaTopicPartition: Int64?] {
        try await client.blocking { [client] in try client.committedOffsets(partitions, timeout: timeout) }
    }

    /// The partition's first offset still held and its next offset (the end), asked of the broker.
    public func watermarks(of topicPartition: KafkaTopicPartition, timeout: Duration = .seconds(10)) async throws -> (
        low: Int64, high: Int64
    ) {
        try await client.blocking { [client] in try client.queryWatermarks(topicPartition, timeout: timeout) }
    }

    /// Reads every record of a partition from `start` (by default its first offset) to its end as of the call, then
    /// stops. Without a `timeout` it reads for as long as that takes (until the task is cancelled), calling `progress`
    /// every few seconds with the records read so far and the offset it reads up to.
    public func readToEnd(
        _ topicPartition: KafkaTopicPartition, from start: Int64? = nil, timeout: Duration? = .seconds(30),
        progress: (_ read: Int, _ end: Int64) -> Void = { _, _ in }
    ) async throws -> [KafkaRecord] {
        let (low, high) = try await watermarks(of: topicPartition)
        let first = max(low, start ?? low)
        guard high > first else { return [] }
        try await assign([topicPartition: .exactly(first)])
        var records: [KafkaRecord] = []
        let deadline = timeout.map { ContinuousClock.now + $0 }
        var reported = ContinuousClock.now
        while records.last.map({ $0.offset < high - 1 }) ?? true {
            try Task.checkCancellation()
            if let deadline, let timeout, ContinuousClock.now >= deadline {
                throw KafkaError(
                    .timedOut, "read \(records.count) of the records of \(topicPartition) up to offset \(high) within \(timeout)")
            }
            if ContinuousClock.now - reported >= .seconds(5) {
                progress(records.count, high)
                reported = .now
            }
            for case .record(let record) in try await nextBatch(maximum: 1_000, timeout: .milliseconds(200)) { records.append(record) }
        }
        return records
    }

    /// The partition's end offset as of the last fetch (no broker round trip), for lag; `nil` before any fetch.
    public func cachedHighWatermark(of topicPartition: KafkaTopicPartition) -> Int64? {
        client.cachedHighWatermark(topicPartition)
    }

    /// Leaves the group, committing stored offsets when auto-commit is on. Iteration then ends.
    public func close() async throws {
        try await client.blocking { [client] in try client.closeConsumer() }
    }

    /// Up to `maximum` events that are ready now; if none is, waits up to `timeout` for the first.
    /// For callers that process in batches (bounded by count and time) rather than one by one.
    public func nextBatch(maximum: Int, timeout: Duration) async throws -> [KafkaConsumerEvent] {
        try await client.nextEvents(maximum: maximum, timeout: timeout)
    }

    /// Records interleaved with assignment changes, in the order they happened.
    public var events: KafkaConsumerEvents { KafkaConsumerEvents(client: client) }

    /// Only the records.
    public var records: AsyncCompactMapSequence<KafkaConsumerEvents, KafkaRecord> {
        events.compactMap { event in
            if case .record(let record) = event { record } else { nil }
        }
    }
}
