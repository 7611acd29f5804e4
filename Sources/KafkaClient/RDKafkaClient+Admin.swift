import CRdKafka

extension RDKafkaClient {
    /// The cluster's id, or `nil` if the brokers did not answer in time. Blocks.
    func clusterID(timeout: Duration) -> String? {
        guard let id = rd_kafka_clusterid(handle, Int32(clamping: timeout.milliseconds)) else { return nil }
        defer { rd_kafka_mem_free(handle, id) }
        return String(cString: id)
    }

    /// Partition count and replication factor (of its first partition) of every topic in the cluster. Blocks.
    func topicLayouts(timeout: Duration) throws -> [String: (partitions: Int, replicationFactor: Int)] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let err = rd_kafka_metadata(handle, 1, nil, &metadata, Int32(clamping: timeout.milliseconds))
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError.from(err, "could not read the cluster's topic metadata")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        var layouts: [String: (partitions: Int, replicationFactor: Int)] = [:]
        for index in 0..<Int(metadata.pointee.topic_cnt) {
            let topic = metadata.pointee.topics[index]
            if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                let replicas = topic.partition_cnt > 0 ? Int(topic.partitions[0].replica_cnt) : 0
                layouts[String(cString: topic.topic)] = (Int(topic.partition_cnt), replicas)
            }
        }
        return layouts
    }

    /// The partition count of one topic, read off the thread pool.
    func partitionCount(of topic: String, timeout: Duration) async throws -> Int {
        let layouts = try await blocking { [self] in try topicLayouts(timeout: timeout) }
        guard let layout = layouts[topic], layout.partitions > 0 else {
            throw KafkaError(.unknownTopicOrPartition, "the cluster has no topic \(topic): create it with `ledgerctl topics apply`")
        }
        return layout.partitions
    }

    /// The current configs of these topics. Blocks up to `timeout`.
    func topicConfigs(_ topics: [String], timeout: Duration) throws -> [String: [String: String]] {
        let resources = topics.map { rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, $0) }
        defer { for resource in resources { rd_kafka_ConfigResource_destroy(resource) } }
        let event = try adminRequest(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, "DescribeConfigs", timeout: timeout) { options, queue in
            var pointers = resources
            rd_kafka_DescribeConfigs(handle, &pointers, pointers.count, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_DescribeConfigs_result(event),
            let described = rd_kafka_DescribeConfigs_result_resources(result, &count)
        else { throw KafkaError(.underlying, "DescribeConfigs returned no result") }
        var configs: [String: [String: String]] = [:]
        for resource in UnsafeBufferPointer(start: described, count: count).compactMap({ $0 }) {
            let name = String(cString: rd_kafka_ConfigResource_name(resource))
            let err = rd_kafka_ConfigResource_error(resource)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.from(err, "could not describe the configs of \(name)") }
            var entryCount = 0
            let entries = rd_kafka_ConfigResource_configs(resource, &entryCount)
            var values: [String: String] = [:]
            for entry in UnsafeBufferPointer(start: entries, count: entryCount).compactMap({ $0 }) {
                values[String(cString: rd_kafka_ConfigEntry_name(entry))] = rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) }
            }
            configs[name] = values
        }
        return configs
    }

    /// Creates these topics. Blocks up to `timeout`.
    func createTopics(_ definitions: [KafkaTopicDefinition], timeout: Duration) throws {
        var errstr = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for newTopic in newTopics { rd_kafka_NewTopic_destroy(newTopic) } }
        for definition in definitions {
            guard
                let newTopic = rd_kafka_NewTopic_new(
                    definition.name, Int32(definition.partitions), Int32(definition.replicationFactor), &errstr, errstr.count)
            else { throw KafkaError(.invalidTopicDefinition, "\(definition.name): \(Self.string(errstr))") }
            newTopics.append(newTopic)
            for (name, value) in definition.configs.sorted(by: { $0.key < $1.key }) {
                let err = rd_kafka_NewTopic_set_config(newTopic, name, value)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.from(err, "\(definition.name): config \(name)=\(value)") }
            }
        }
        let event = try adminRequest(RD_KAFKA_ADMIN_OP_CREATETOPICS, "CreateTopics", timeout: timeout) { options, queue in
            rd_kafka_CreateTopics(handle, &newTopics, newTopics.count, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
            let topics = rd_kafka_CreateTopics_result_topics(result, &count)
        else { throw KafkaError(.underlying, "CreateTopics returned no result") }
        for topic in UnsafeBufferPointer(start: topics, count: count).compactMap({ $0 }) {
            let err = rd_kafka_topic_result_error(topic)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                let detail = rd_kafka_topic_result_error_string(topic).map { String(cString: $0) } ?? ""
                throw KafkaError.from(err, "could not create \(String(cString: rd_kafka_topic_result_name(topic))): \(detail)")
            }
        }
    }

    /// Sends one Admin API request and waits for its result event, which the caller destroys.
    private func adminRequest(
        _ operation: rd_kafka_admin_op_t,
        _ name: String,
        timeout: Duration,
        send: (OpaquePointer?, OpaquePointer?) -> Void
    ) throws -> OpaquePointer {
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errstr = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, Int32(clamping: timeout.milliseconds), &errstr, errstr.count)
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, Int32(clamping: timeout.milliseconds) + 1000) else {
            throw KafkaError(.timedOut, "the cluster did not answer \(name) within \(timeout)", isRetriable: true)
        }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let detail = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            rd_kafka_event_destroy(event)
            throw KafkaError.from(err, "\(name) failed: \(detail)")
        }
        return event
    }
}
