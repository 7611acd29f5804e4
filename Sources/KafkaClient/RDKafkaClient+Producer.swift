import CRdKafka

extension RDKafkaClient {
    /// Queues one record; its delivery report later resumes `delivery`. Takes ownership of
    /// `delivery` only when it returns without throwing.
    func produce(_ record: KafkaProducerRecord, delivery: UnsafeMutableRawPointer) throws {
        let headers = rd_kafka_headers_new(record.headers.count)!
        for header in record.headers {
            withOptionalBytes(header.value) { value, count in
                _ = rd_kafka_header_add(headers, header.name, -1, value, count)
            }
        }
        let error: OpaquePointer? = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key, keyCount in
                withOptionalBytes(record.value) { value, valueCount in
                    var fields = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 8)
                    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    fields[0].u.cstr = topic
                    fields[1].vtype = RD_KAFKA_VTYPE_PARTITION
                    fields[1].u.i32 = record.partition ?? RD_KAFKA_PARTITION_UA
                    fields[2].vtype = RD_KAFKA_VTYPE_KEY
                    fields[2].u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key), size: keyCount)
                    fields[3].vtype = RD_KAFKA_VTYPE_VALUE
                    fields[3].u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value), size: valueCount)
                    fields[4].vtype = RD_KAFKA_VTYPE_HEADERS
                    fields[4].u.headers = headers
                    fields[5].vtype = RD_KAFKA_VTYPE_OPAQUE
                    fields[5].u.ptr = delivery
                    fields[6].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    fields[6].u.i = RD_KAFKA_MSG_F_COPY
                    // 0 is librdkafka's "now".
                    fields[7].vtype = RD_KAFKA_VTYPE_TIMESTAMP
                    fields[7].u.i64 = record.timestamp ?? 0
                    return rd_kafka_produceva(handle, fields, fields.count)
                }
            }
        }
        guard let error else { return }  // librdkafka now owns the headers
        rd_kafka_headers_destroy(headers)
        let code = rd_kafka_error_code(error)
        let message = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
        if code == RD_KAFKA_RESP_ERR__QUEUE_FULL {
            throw KafkaError(
                .queueFull,
                "the producer's local queue is full (queue.buffering.max.messages); await earlier sends or raise maximumQueuedRecords",
                rdKafkaCode: code.rawValue,
                isRetriable: true
            )
        }
        throw KafkaError.from(code, "could not queue a record for \(record.topic): \(message)")
    }

    /// Waits until every queued record is delivered or failed, or the timeout passes.
    func flush(timeout: Duration) throws {
        let err = rd_kafka_flush(handle, Int32(clamping: timeout.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "\(rd_kafka_outq_len(handle)) records still undelivered after \(timeout)")
        }
    }

    /// Fails every record still queued or in flight with ``KafkaError/Code/shutdown``.
    func purge() {
        _ = rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        rd_kafka_poll(handle, 0)
    }

}

/// A pointer and a length for optional bytes. Absent bytes are a null pointer (Kafka's null);
/// present but empty bytes are a valid pointer of length zero (Kafka's empty value).
private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
    guard let bytes else { return body(nil, 0) }
    if bytes.isEmpty { return body(emptyBytes, 0) }
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}

private nonisolated(unsafe) let emptyBytes = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1))
