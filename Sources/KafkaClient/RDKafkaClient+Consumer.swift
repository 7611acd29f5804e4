import CRdKafka

extension RDKafkaClient {
    /// The outcome of one consumer poll.
    enum PollResult {
        case record(KafkaRecord)
        /// Nothing arrived within the timeout, or only callbacks were served.
        case nothing
        /// A non-fatal consumer error: librdkafka retries on its own; the caller may log it.
        case transientError(KafkaError)
    }

    /// One `rd_kafka_consumer_poll`. With a non-zero timeout this blocks: call it through ``blocking(_:)``.
    func poll(timeout: Duration) throws -> PollResult {
        guard let message = rd_kafka_consumer_poll(handle, Int32(clamping: timeout.milliseconds)) else {
            if let failure = callbacks.recordedFailure() { throw failure }
            return .nothing
        }
        defer { rd_kafka_message_destroy(message) }
        let m = message.pointee
        let topicPartition = KafkaTopicPartition(
            topic: m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
            partition: m.partition
        )
        guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if let fatal = fatalFailure() { throw fatal }
            if m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { return .nothing }
            let detail = rd_kafka_message_errstr(message).map { String(cString: $0) } ?? ""
            return .transientError(KafkaError.from(m.err, "consuming \(topicPartition): \(detail)"))
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return .record(
            KafkaRecord(
                topicPartition: topicPartition,
                offset: m.offset,
                timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp,
                key: m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) },
                value: m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) },
                headers: Self.headers(of: message)
            )
        )
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            headers.append(
                KafkaHeader(
                    name: name.map { String(cString: $0) } ?? "",
                    value: value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                )
            )
            index += 1
        }
        return headers
    }

    /// Up to `maximum` events that are ready now, or if none is, the first to arrive within `timeout`.
    /// Rebalances come before the record of the poll that served them, which is the order they happened in.
    func nextEvents(maximum: Int, timeout: Duration) async throws -> [KafkaConsumerEvent] {
        var events: [KafkaConsumerEvent] = []
        var waited = false
        func take(_ result: PollResult) {
            while let rebalance = callbacks.takeRebalance() { events.append(.rebalance(rebalance)) }
            switch result {
            case .record(let record):
                events.append(.record(record))
            case .transientError(let error) where !(error.code == .invalidState && isClosed):
                callbacks.logger.warning("\(error.reason)", metadata: [KafkaLogKey.error: "\(error.code)"])
            case .transientError, .nothing:
                break
            }
        }
        while events.count < maximum {
            let result = try poll(timeout: .zero)
            take(result)
            if case .nothing = result {
                guard events.isEmpty, !waited, !isClosed else { break }
                waited = true
                take(try await blocking { [self] in try poll(timeout: timeout) })
            }
        }
        return events
    }

    func subscribe(topics: [String]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let err = rd_kafka_subscribe(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "could not subscribe to \(topics.joined(separator: ", "))")
        }
    }

    /// Replaces the assignment with exactly these partitions, bypassing group balancing.
    func assign(_ offsets: [KafkaTopicPartition: KafkaOffset]) throws {
        let list = Self.makeList(offsets.mapValues(Self.rawOffset))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "could not assign \(offsets.keys.sorted())")
        }
    }

    /// Moves assigned partitions to new offsets. Blocks up to `timeout`.
    func seek(_ offsets: [KafkaTopicPartition: KafkaOffset], timeout: Duration) throws {
        let list = Self.makeList(offsets.mapValues(Self.rawOffset))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        try Self.consume(rd_kafka_seek_partitions(handle, list, Int32(clamping: timeout.milliseconds)), "seek failed")
        try Self.throwFirstError(in: list, "could not seek")
    }

    /// Stops (`pause`) or restarts fetching assigned partitions; records already fetched for a paused partition are
    /// not returned.
    func setPaused(_ paused: Bool, _ partitions: [KafkaTopicPartition]) throws {
        let list = Self.makeList(Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = paused ? rd_kafka_pause_partitions(handle, list) : rd_kafka_resume_partitions(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "could not \(paused ? "pause" : "resume") \(partitions.sorted())")
        }
        try Self.throwFirstError(in: list, "could not \(paused ? "pause" : "resume")")
    }

    /// Marks `offset` as the next offset to commit for a partition.
    func storeOffset(_ offset: Int64, for topicPartition: KafkaTopicPartition) throws {
        let list = Self.makeList([topicPartition: offset])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_offsets_store(handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "could not store offset \(offset) for \(topicPartition)")
        }
        try Self.throwFirstError(in: list, "could not store offset \(offset) for")
    }

    /// Commits the stored offsets synchronously. Blocks until the coordinator answers.
    func commitStoredOffsets() throws {
        let err = rd_kafka_commit(handle, nil, 0)
        // Nothing stored since the last commit is not a failure.
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw KafkaError.from(err, "could not commit offsets")
        }
    }

    /// The group's committed offsets for these partitions (`nil` where none). Blocks up to `timeout`.
    func committedOffsets(_ partitions: [KafkaTopicPartition], timeout: Duration) throws -> [KafkaTopicPartition: Int64?] {
        let list = Self.makeList(Dictionary(uniqueKeysWithValues: partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) }))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_committed(handle, list, Int32(clamping: timeout.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "could not read committed offsets")
        }
        return Dictionary(uniqueKeysWithValues: Self.elements(of: list).map { ($0.topicPartition, $0.offset >= 0 ? $0.offset : nil) })
    }

    /// Leaves the group (committing stored offsets when auto-commit is on). Blocks.
    func closeConsumer() throws {
        let err = rd_kafka_consumer_close(handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "closing the consumer failed")
        }
    }

    /// Runs inside a consumer poll when the group hands out or takes back partitions.
    static func rebalance(
        _ rk: OpaquePointer,
        _ err: rd_kafka_resp_err_t,
        _ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        _ callbacks: RDKafkaCallbacks
    ) {
        let partitions = elements(of: list).map(\.topicPartition)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            do {
                let offsets = try callbacks.assignmentOffsets?(partitions) ?? [:]
                for index in 0..<Int(list.pointee.cnt) {
                    let topicPartition = partitions[index]
                    list.pointee.elems[index].offset = rawOffset(offsets[topicPartition] ?? .committed)
                }
            } catch {
                // Assign nothing rather than read from a place the caller did not choose.
                callbacks.recordFailure(
                    KafkaError(.invalidState, "choosing start offsets for \(partitions) failed: \(error)", isFatal: true))
                return
            }
            if cooperative {
                try? consume(rd_kafka_incremental_assign(rk, list), "incremental assign")
            } else {
                rd_kafka_assign(rk, list)
            }
            // A cooperative rebalance may hand this member nothing new; that is not news.
            guard !partitions.isEmpty else { return }
            callbacks.logger.info("assigned \(partitions.map(\.description).joined(separator: ", "))")
            callbacks.recordRebalance(.assigned(partitions))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // Commit what was processed before the next owner reads from the committed offsets;
            // librdkafka 2.0.2 does not do this itself, and the next owner would read it again.
            let commit = rd_kafka_commit(rk, nil, 0)
            if commit != RD_KAFKA_RESP_ERR_NO_ERROR && commit != RD_KAFKA_RESP_ERR__NO_OFFSET {
                callbacks.logger.warning("committing offsets of revoked partitions failed: \(String(cString: rd_kafka_err2str(commit)))")
            }
            if cooperative {
                try? consume(rd_kafka_incremental_unassign(rk, list), "incremental unassign")
            } else {
                rd_kafka_assign(rk, nil)
            }
            guard !partitions.isEmpty else { return }
            callbacks.logger.info("revoked \(partitions.map(\.description).joined(separator: ", "))")
            callbacks.recordRebalance(.revoked(partitions))
        default:
            callbacks.logger.error("rebalance failed: \(String(cString: rd_kafka_err2str(err)))")
            rd_kafka_assign(rk, nil)
        }
    }
}

extension RDKafkaClient {
    /// The consumer has left its group; polls return nothing more.
    var isClosed: Bool { rd_kafka_consumer_closed(handle) != 0 }
}

extension RDKafkaClient {
    /// The partition's first and next offsets, asked of its leader. Blocks up to `timeout`.
    func queryWatermarks(_ topicPartition: KafkaTopicPartition, timeout: Duration) throws -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(
            handle, topicPartition.topic, topicPartition.partition, &low, &high, Int32(clamping: timeout.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "could not read the offsets of \(topicPartition)")
        }
        return (low, high)
    }

    /// The high watermark librdkafka last saw for a partition in a fetch response; no request is sent.
    func cachedHighWatermark(_ topicPartition: KafkaTopicPartition) -> Int64? {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_get_watermark_offsets(handle, topicPartition.topic, topicPartition.partition, &low, &high)
        return err == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil
    }
}
