/// One partition of one topic.
public struct KafkaTopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

/// Where a consumer starts reading a partition.
public enum KafkaOffset: Hashable, Sendable {
    /// The first offset the broker still holds.
    case beginning
    /// Only records produced after the assignment.
    case end
    /// The group's committed offset, or `auto.offset.reset` when there is none.
    case committed
    /// An exact offset: the next record read is the one at this offset.
    case exactly(Int64)
}
