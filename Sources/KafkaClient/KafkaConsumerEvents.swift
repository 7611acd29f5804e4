/// One thing that happened to a consumer.
public enum KafkaConsumerEvent: Sendable {
    case record(KafkaRecord)
    case rebalance(KafkaRebalanceEvent)
}

/// The pull-based sequence of a consumer's events.
///
/// `next()` first polls without waiting; when nothing is ready it waits in short blocking polls
/// on the consumer's own thread, returning to check for cancellation between them. It ends
/// (returns `nil`) when the surrounding task is cancelled or after the consumer is closed, and
/// throws only fatal errors; transient ones (a broker restarting) are logged and retried by librdkafka.
public struct KafkaConsumerEvents: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerEvent
    let client: RDKafkaClient

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let client: RDKafkaClient
        /// What the last poll returned and `next()` has not yet: a record and the rebalances before it.
        private var pending: ArraySlice<KafkaConsumerEvent> = []

        init(client: RDKafkaClient) {
            self.client = client
        }

        public mutating func next() async throws -> KafkaConsumerEvent? {
            while pending.isEmpty {
                guard !Task.isCancelled else { return nil }
                let wasClosed = client.isClosed
                // One record at a time: librdkafka's prefetch queue stays the only buffer.
                pending = try await client.nextEvents(maximum: 1, timeout: .milliseconds(100))[...]
                if pending.isEmpty, wasClosed { return nil }
            }
            return pending.popFirst()
        }
    }
}
