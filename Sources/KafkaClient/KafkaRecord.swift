/// A record read from a topic.
public struct KafkaRecord: Sendable {
    public var topicPartition: KafkaTopicPartition
    public var offset: Int64
    /// Milliseconds since the Unix epoch, as set by the producer or the broker; `nil` if the record has none.
    public var timestamp: Int64?
    public var key: [UInt8]?
    /// `nil` for a tombstone.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(
        topicPartition: KafkaTopicPartition,
        offset: Int64,
        timestamp: Int64?,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [KafkaHeader]
    ) {
        self.topicPartition = topicPartition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }
}
