/// A record to send.
public struct KafkaProducerRecord: Sendable {
    public var topic: String
    /// `nil` lets the partitioner choose from the key: see ``KafkaPartitioner``.
    public var partition: Int32?
    public var key: [UInt8]?
    /// `nil` sends a tombstone.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// The record's CreateTime in milliseconds since the epoch; `nil` lets librdkafka stamp it with the clock.
    public var timestamp: Int64?

    public init(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]? = nil,
        value: [UInt8]?,
        headers: [KafkaHeader] = [],
        timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// Where the broker stored a record.
public struct KafkaDeliveryReport: Hashable, Sendable {
    public var topicPartition: KafkaTopicPartition
    public var offset: Int64
}
