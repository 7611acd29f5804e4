/// How a ``KafkaConsumer`` connects, joins its group and tracks offsets.
///
/// Every field maps to one librdkafka property; `additionalProperties` passes any other
/// property through unchanged and is applied last, so it can override the fields.
public struct KafkaConsumerConfiguration: Sendable {
    /// Where to start a partition that has no committed offset (`auto.offset.reset`).
    public enum OffsetReset: String, Sendable {
        case earliest, latest
        /// Fail instead of guessing.
        case error
    }

    /// `host:port` of one or more brokers to bootstrap from (`bootstrap.servers`).
    public var bootstrapServers: [String]
    /// The consumer group (`group.id`). Required for ``KafkaConsumer/subscribe(topics:)`` and for
    /// committing offsets. Without it the consumer can only ``KafkaConsumer/assign(_:)``: it gets a
    /// private group of its own (librdkafka 2.0.2 cannot assign without one) and commits nothing.
    public var groupID: String?
    /// Identifies this client in broker logs (`client.id`). Default `consent-ledger`.
    public var clientID: String = "consent-ledger"
    /// How long the group waits for a silent member before handing its partitions to others
    /// (`session.timeout.ms`). Default 45 s, librdkafka's own; tests use 6 s so rebalances are quick.
    public var sessionTimeout: Duration = .seconds(45)
    /// How the group divides partitions (`partition.assignment.strategy`). Default `cooperative-sticky`:
    /// when a member joins or leaves, only the partitions that change owner stop, so the others are
    /// neither paused nor read again from an older commit.
    public var assignmentStrategy: String = "cooperative-sticky"
    /// Default ``OffsetReset/earliest``: a new ledger must see a topic from its first record.
    public var offsetReset: OffsetReset = .earliest
    /// Commit stored offsets in the background every `commitInterval` (`enable.auto.commit`).
    /// Only offsets passed to ``KafkaConsumer/storeOffset(of:)`` are committed, never merely
    /// delivered ones (`enable.auto.offset.store=false`). Default `true`.
    public var isAutoCommitEnabled: Bool = true
    /// Default 5 s (`auto.commit.interval.ms`).
    public var commitInterval: Duration = .seconds(5)
    /// Any other librdkafka property, applied last.
    public var additionalProperties: [String: String] = [:]

    /// The same cluster and client settings, outside any group: for a reader of a topic beside the group's consumer.
    public var outsideGroup: KafkaConsumerConfiguration {
        var configuration = self
        configuration.groupID = nil
        return configuration
    }

    public init(bootstrapServers: [String], groupID: String? = nil) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    var properties: [String: String] {
        var properties = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "session.timeout.ms": String(sessionTimeout.milliseconds),
            "partition.assignment.strategy": assignmentStrategy,
            "auto.offset.reset": offsetReset.rawValue,
            "enable.auto.commit": String(isAutoCommitEnabled),
            "enable.auto.offset.store": "false",
            "auto.commit.interval.ms": String(commitInterval.milliseconds),
        ]
        if let groupID {
            properties["group.id"] = groupID
        } else {
            properties["group.id"] = "consent-ledger-private-\(UInt64.random(in: .min ... .max))"
            properties["enable.auto.commit"] = "false"
        }
        properties.merge(additionalProperties) { _, override in override }
        return properties
    }
}
