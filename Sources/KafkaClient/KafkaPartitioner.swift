import CRdKafka

/// Which partition a key belongs to, computed as every ``KafkaProducer`` (and the Java client's
/// default partitioner) computes it: murmur2 of the key bytes, sign bit cleared, modulo the count.
///
/// A producer that must know a record's partition before sending it (to number its records per
/// partition, for one) asks here and gets the partition the broker will be told.
public enum KafkaPartitioner {
    public static func partition(ofKey key: [UInt8], partitionCount: Int) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return key.withUnsafeBytes { bytes in
            rd_kafka_msg_partitioner_murmur2(nil, bytes.baseAddress, bytes.count, Int32(partitionCount), nil, nil)
        }
    }
}
