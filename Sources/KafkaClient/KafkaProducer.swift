import Logging

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
        try await withCheckedThrowingContinuation { continuation in
            let delivery = Unmanaged.passRetained(PendingDelivery(continuation))
            do {
                try client.produce(record, delivery: delivery.toOpaque())
            } catch {
                delivery.release()
                continuation.resume(throwing: error)
            }
        }
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
