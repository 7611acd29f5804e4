import CRdKafka
import Logging

/// librdkafka's in-process mock Kafka cluster: real TCP listeners on 127.0.0.1, so any Kafka
/// client (kcat, Python, another process) can use it. This is the embedded broker.
///
/// Limits of librdkafka 2.0.2's mock, which callers must plan for:
/// - each partition keeps only about 5 MiB (or 100k batches) and silently drops the oldest;
/// - Admin CreateTopics is not implemented: create topics with ``createTopic(_:partitions:replicationFactor:)``;
/// - it lives in this process and keeps nothing on disk.
public final class KafkaMockCluster: @unchecked Sendable {
    // Safe to share: the mock's own functions lock the cluster internally.
    private let host: RDKafkaClient
    private let cluster: OpaquePointer
    /// How many brokers the cluster has; their ids are 1 through `brokerCount`.
    public let brokerCount: Int
    /// The comma-separated `host:port` list for `bootstrap.servers`.
    public let bootstrapServers: String

    /// Starts a cluster of `brokers` brokers on ephemeral loopback ports.
    public init(brokers: Int = 3, logger: Logger) throws {
        guard brokers >= 1 else { throw KafkaError(.invalidConfiguration, "a mock cluster needs at least one broker, not \(brokers)") }
        // The mock needs an instance to host its thread and logging; this one never connects anywhere.
        host = try RDKafkaClient(kind: .producer, properties: ["log_level": "4"], callbacks: RDKafkaCallbacks(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(host.handle, Int32(brokers)) else {
            throw KafkaError(.underlying, "librdkafka could not start a mock cluster of \(brokers) brokers")
        }
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// Starts a cluster and creates every defined topic on it: the embedded broker of ledgerd and `ledgerctl broker`.
    public convenience init(brokers: Int = 3, topics: [KafkaTopicDefinition], logger: Logger) throws {
        try self.init(brokers: brokers, logger: logger)
        for topic in topics {
            try createTopic(topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor)
        }
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// Creates a topic. `replicationFactor` may not exceed ``brokerCount``.
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        guard replicationFactor <= brokerCount else {
            throw KafkaError(
                .invalidConfiguration,
                "topic \(name) wants replication factor \(replicationFactor), but the embedded broker has \(brokerCount) brokers; start it with more brokers"
            )
        }
        let err = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError.from(err, "could not create topic \(name) with \(partitions) partitions")
        }
    }

    /// Makes a broker refuse connections and drop the ones it has. Leaders do not move:
    /// its partitions are unavailable until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) throws {
        try check(rd_kafka_mock_broker_set_down(cluster, id), "could not take broker \(id) down")
    }

    /// Lets a broker accept connections again.
    public func setBrokerUp(_ id: Int32) throws {
        try check(rd_kafka_mock_broker_set_up(cluster, id), "could not bring broker \(id) up")
    }

    /// Makes the next `errors.count` requests of this kind, to any broker, fail with these errors in order.
    public func injectErrors(_ errors: [InjectedError], into request: Request) {
        let codes = errors.map { rd_kafka_resp_err_t($0.code) }
        rd_kafka_mock_push_request_errors_array(cluster, request.apiKey, codes.count, codes)
    }

    /// Removes the errors still waiting for requests of this kind.
    public func clearInjectedErrors(for request: Request) {
        rd_kafka_mock_clear_request_errors(cluster, request.apiKey)
    }

    private func check(_ err: rd_kafka_resp_err_t, _ context: String) throws {
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError.from(err, context) }
    }
}

extension KafkaMockCluster {
    /// A Kafka protocol request kind, by its API key.
    public struct Request: Hashable, Sendable {
        public let apiKey: Int16
        public init(apiKey: Int16) { self.apiKey = apiKey }

        public static let produce = Request(apiKey: 0)
        public static let fetch = Request(apiKey: 1)
        public static let listOffsets = Request(apiKey: 2)
        public static let metadata = Request(apiKey: 3)
        public static let offsetCommit = Request(apiKey: 8)
        public static let offsetFetch = Request(apiKey: 9)
        public static let findCoordinator = Request(apiKey: 10)
        public static let joinGroup = Request(apiKey: 11)
        public static let heartbeat = Request(apiKey: 12)
    }

    /// A Kafka protocol error code to answer a request with.
    public struct InjectedError: Hashable, Sendable {
        public let code: Int32
        public init(code: Int32) { self.code = code }

        public static let leaderNotAvailable = InjectedError(code: RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE.rawValue)
        public static let notLeaderForPartition = InjectedError(code: RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue)
        public static let requestTimedOut = InjectedError(code: RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue)
        public static let notEnoughReplicas = InjectedError(code: RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue)
        public static let notCoordinator = InjectedError(code: RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue)
        /// Fails the records of a produce request for good: librdkafka does not retry them.
        public static let topicAuthorizationFailed = InjectedError(code: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue)
        /// Not a protocol error: the broker drops the connection instead of answering.
        public static let disconnect = InjectedError(code: RD_KAFKA_RESP_ERR__TRANSPORT.rawValue)
    }
}
