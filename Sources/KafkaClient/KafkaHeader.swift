/// A Kafka record header. Names may repeat; order is kept.
public struct KafkaHeader: Hashable, Sendable {
    public var name: String
    /// A header may carry no value at all, which is not the same as an empty one.
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == KafkaHeader {
    /// The value of the first header called `name`.
    public func first(named name: String) -> [UInt8]? {
        first(where: { $0.name == name })?.value
    }
}
