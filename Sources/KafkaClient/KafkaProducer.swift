import Logging
import Synchronization

/// Sends records and awaits, for each, the broker's delivery report.
///
/// Delivery reports are served on a dedicated thread, so awaiting `send` never blocks the
/// cooperative pool. Call ``shutdown(timeout:)`` before letting go of a producer: it waits for
/// queued records, and fails those that cannot be delivered with ``KafkaError/Code/shutdown``.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaClient

    /// Fails with ``KafkaError/Code/invalidConfiguration`` and librdkafka's own message for an
    /// unknown or invalid property.
    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        client = try RDKafkaClient(kind: .producer, properties: configuration.properties, callbacks: RDKafkaCallbacks(logger: logger))
        client.startPollLoop()
    }

    /// Queues a record and returns once the broker has acknowledged it (per ``KafkaProducerConfiguration/acks``).
    ///
    /// Throws ``KafkaError/Code/queueFull`` at once when the local queue is full, and
    /// ``KafkaError/Code/messageTimedOut`` when the record was not delivered within
    /// ``KafkaProducerConfiguration/deliveryTimeout``.
    public func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        try await send([record])[0].get()
    }

    /// Queues `records` in this order, so that those of one partition are stored in this order, and
    /// returns each one's outcome once all have one. After a record that cannot be queued (such as
    /// ``KafkaError/Code/queueFull``), the rest are not queued and fail with the same error: a later
    /// record never overtakes an earlier one. A record refused for itself (``KafkaError/Code/recordTooLarge``),
    /// which could never be sent, fails alone.
    public func send(_ records: [KafkaProducerRecord]) async -> [Result<KafkaDeliveryReport, KafkaError>] {
        guard !records.isEmpty else { return [] }
        return await withCheckedContinuation { continuation in
            let outcomes = DeliveryOutcomes(count: records.count) { continuation.resume(returning: $0) }
            for (index, record) in records.enumerated() {
                let delivery = Unmanaged.passRetained(PendingDelivery { outcomes.record($0, at: index) })
                do {
                    try client.produce(record, delivery: delivery.toOpaque())
                } catch let failure as KafkaError where failure.code == .recordTooLarge {
                    delivery.release()
                    outcomes.record(.failure(failure), at: index)
                } catch {
                    delivery.release()
                    let failure = error as? KafkaError ?? KafkaError(.underlying, "\(error)")
                    for rest in index..<records.count { outcomes.record(.failure(failure), at: rest) }
                    break
                }
            }
        }
    }

    /// How many partitions `topic` has, from the cluster's metadata. Throws
    /// ``KafkaError/Code/unknownTopicOrPartition`` when the cluster has no such topic.
    public func partitionCount(of topic: String, timeout: Duration = .seconds(10)) async throws -> Int {
        try await client.partitionCount(of: topic, timeout: timeout)
    }

    /// Waits until every queued record is delivered or has failed.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        try await client.blocking { [client] in try client.flush(timeout: timeout) }
    }

    /// Flushes for up to `timeout`, then fails whatever is left and stops serving delivery reports.
    public func shutdown(timeout: Duration = .seconds(30)) async {
        try? await flush(timeout: timeout)
        _ = try? await client.blocking { [client] in
            client.purge()
            client.stopPollLoop()
        }
    }

}

/// Collects the delivery reports of one batch and hands them over when the last one arrives.
private final class DeliveryOutcomes: Sendable {
    private let state: Mutex<(results: [Result<KafkaDeliveryReport, KafkaError>?], pending: Int)>
    private let completion: @Sendable ([Result<KafkaDeliveryReport, KafkaError>]) -> Void

    init(count: Int, completion: @escaping @Sendable ([Result<KafkaDeliveryReport, KafkaError>]) -> Void) {
        state = Mutex((Array(repeating: nil, count: count), count))
        self.completion = completion
    }

    func record(_ outcome: Result<KafkaDeliveryReport, KafkaError>, at index: Int) {
        let finished = state.withLock { state -> [Result<KafkaDeliveryReport, KafkaError>]? in
            state.results[index] = outcome
            state.pending -= 1
            return state.pending == 0 ? state.results.map { $0! } : nil
        }
        if let finished { completion(finished) }
    }
}
