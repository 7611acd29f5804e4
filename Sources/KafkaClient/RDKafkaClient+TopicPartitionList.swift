import CRdKafka

extension RDKafkaClient {
    /// A new `rd_kafka_topic_partition_list_t`; the caller destroys it.
    static func makeList(_ offsets: [KafkaTopicPartition: Int64]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        for (topicPartition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition).pointee.offset = offset
        }
        return list
    }

    /// The elements of a list, with their offsets and per-partition errors.
    static func elements(
        of list: UnsafePointer<rd_kafka_topic_partition_list_t>
    ) -> [(topicPartition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return (KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition), element.offset, element.err)
        }
    }

    /// librdkafka's encoding of a start position.
    static func rawOffset(_ offset: KafkaOffset) -> Int64 {
        switch offset {
        case .beginning: Int64(RD_KAFKA_OFFSET_BEGINNING)
        case .end: Int64(RD_KAFKA_OFFSET_END)
        case .committed: Int64(RD_KAFKA_OFFSET_STORED)
        case .exactly(let offset): offset
        }
    }

    /// Throws the first per-partition error of a list, naming the partition.
    static func throwFirstError(in list: UnsafePointer<rd_kafka_topic_partition_list_t>, _ context: String) throws {
        if let failed = elements(of: list).first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError.from(failed.error, "\(context) \(failed.topicPartition)")
        }
    }

    /// Throws and frees an `rd_kafka_error_t`, if there is one.
    static func consume(_ error: OpaquePointer?, _ context: String) throws {
        guard let error else { return }
        defer { rd_kafka_error_destroy(error) }
        throw KafkaError.from(
            rd_kafka_error_code(error),
            "\(context): \(String(cString: rd_kafka_error_string(error)))",
            isFatal: rd_kafka_error_is_fatal(error) != 0
        )
    }
}
