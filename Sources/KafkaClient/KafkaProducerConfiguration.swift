/// How a ``KafkaProducer`` connects and delivers.
///
/// Every field maps to one librdkafka property; `additionalProperties` passes any other
/// property through unchanged and is applied last, so it can override the fields.
public struct KafkaProducerConfiguration: Sendable {
    /// Which replicas must acknowledge a write before it counts as delivered.
    public enum Acks: String, Sendable {
        /// Every in-sync replica (`acks=all`): nothing acknowledged is lost while one replica survives.
        case all = "all"
        /// The partition leader only (`acks=1`).
        case leader = "1"
        /// No acknowledgement (`acks=0`); delivery reports then carry no offset.
        case none = "0"
    }

    /// `host:port` of one or more brokers to bootstrap from (`bootstrap.servers`).
    public var bootstrapServers: [String]
    /// Identifies this client in broker logs (`client.id`). Default `consent-ledger`.
    public var clientID: String = "consent-ledger"
    /// Default ``Acks/all``.
    public var acks: Acks = .all
    /// Retries cannot duplicate or reorder records (`enable.idempotence`). Default `true`.
    public var isIdempotent: Bool = true
    /// How long a record may take, retries included, before its delivery fails with
    /// ``KafkaError/Code/messageTimedOut`` (`message.timeout.ms`). Default 30 s.
    public var deliveryTimeout: Duration = .seconds(30)
    /// How many records may wait in the local queue (`queue.buffering.max.messages`); a send beyond
    /// it fails at once with ``KafkaError/Code/queueFull``. Default 100,000.
    public var maximumQueuedRecords: Int = 100_000
    /// How long to wait for more records to batch together (`linger.ms`). Default 5 ms.
    public var linger: Duration = .milliseconds(5)
    /// The largest record this producer sends (`message.max.bytes`); a larger one fails at once with
    /// ``KafkaError/Code/recordTooLarge``. Default 1,000,000 (librdkafka's).
    public var maximumRecordBytes: Int = 1_000_000
    /// Any other librdkafka property, applied last.
    public var additionalProperties: [String: String] = [:]

    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    var properties: [String: String] {
        var properties = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "acks": acks.rawValue,
            "enable.idempotence": String(isIdempotent),
            "message.timeout.ms": String(deliveryTimeout.milliseconds),
            "queue.buffering.max.messages": String(maximumQueuedRecords),
            "linger.ms": String(linger.milliseconds),
            "message.max.bytes": String(maximumRecordBytes),
            // The Java client's default, so a subject lands in the same partition whichever client sends it;
            // librdkafka's own default (CRC32) would not. `KafkaPartitioner` computes the same.
            "partitioner": "murmur2_random",
        ]
        properties.merge(additionalProperties) { _, override in override }
        return properties
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, as librdkafka's `*.ms` properties take them; saturated at 64 bits.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let (sum, sumOverflow) = whole.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !overflow, !sumOverflow else { return seconds < 0 ? .min : .max }
        return sum
    }
}
