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
        /// A record that arrived in the same poll as a rebalance; returned after it.
        private var heldRecord: KafkaRecord?

        init(client: RDKafkaClient) {
            self.client = client
        }

        public mutating func next() async throws -> KafkaConsumerEvent? {
            while !Task.isCancelled {
                if let rebalance = client.callbacks.takeRebalance() { return .rebalance(rebalance) }
                if let record = heldRecord {
                    heldRecord = nil
                    return .record(record)
                }
                var result = try client.poll(timeout: .zero)
                if case .nothing = result {
                    result = try await client.blocking { [client] in try client.poll(timeout: .milliseconds(100)) }
                }
                switch result {
                case .record(let record):
                    if let rebalance = client.callbacks.takeRebalance() {
                        heldRecord = record
                        return .rebalance(rebalance)
                    }
                    return .record(record)
                case .transientError(let error):
                    if error.code == .invalidState, client.isClosed { return nil }
                    client.callbacks.logger.warning("\(error.reason)", metadata: [KafkaLogKey.error: "\(error.code)"])
                case .nothing:
                    if client.isClosed {
                        return client.callbacks.takeRebalance().map(KafkaConsumerEvent.rebalance)
                    }
                }
            }
            return nil
        }
    }
}
