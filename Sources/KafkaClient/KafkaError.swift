import CRdKafka

/// The one error type of ``KafkaClient``.
///
/// `code` says what kind of failure it is, `reason` says what happened and what to do next,
/// and `rdKafkaCode` carries librdkafka's own error code when the failure came from it.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// An extensible set of error kinds; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A configuration property was unknown or its value invalid.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The producer's local queue is full; earlier deliveries must complete first.
        public static let queueFull = Code("queueFull")
        /// A record could not be delivered within the delivery timeout.
        public static let messageTimedOut = Code("messageTimedOut")
        /// The broker refused or failed a request.
        public static let brokerError = Code("brokerError")
        /// A record is larger than the producer's `message.max.bytes` or its topic's `max.message.bytes`: sending
        /// it again cannot succeed.
        public static let recordTooLarge = Code("recordTooLarge")
        /// A topic or partition does not exist.
        public static let unknownTopicOrPartition = Code("unknownTopicOrPartition")
        /// The client was shut down while the operation was pending.
        public static let shutdown = Code("shutdown")
        /// An operation did not finish within its timeout.
        public static let timedOut = Code("timedOut")
        /// The operation is not possible in the client's current state.
        public static let invalidState = Code("invalidState")
        /// The cluster does not implement a request this operation needs.
        public static let unsupportedByCluster = Code("unsupportedByCluster")
        /// A topic definition file is malformed.
        public static let invalidTopicDefinition = Code("invalidTopicDefinition")
        /// Any other librdkafka failure.
        public static let underlying = Code("underlying")
    }

    public let code: Code
    public let reason: String
    /// librdkafka's error code, when the failure came from librdkafka.
    public let rdKafkaCode: Int32?
    /// Retrying the same operation may succeed.
    public let isRetriable: Bool
    /// The client instance cannot be used any more.
    public let isFatal: Bool
    /// For a record that was not acknowledged: the broker may have stored it all the same (librdkafka's
    /// "possibly persisted"), so resending it could store it twice.
    public var mayHaveBeenStored = false
    public let file: String
    public let line: Int

    public init(
        _ code: Code,
        _ reason: String,
        rdKafkaCode: Int32? = nil,
        isRetriable: Bool = false,
        isFatal: Bool = false,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.rdKafkaCode = rdKafkaCode
        self.isRetriable = isRetriable
        self.isFatal = isFatal
        self.file = file
        self.line = line
    }

    public var description: String {
        let detail = rdKafkaCode.map { " (librdkafka \(String(cString: rd_kafka_err2name(rd_kafka_resp_err_t($0)))))" } ?? ""
        return "KafkaError.\(code): \(reason)\(detail) [\(file):\(line)]"
    }
}

extension KafkaError {
    /// Maps a librdkafka error code to a typed error; `context` says what was being attempted.
    static func from(
        _ err: rd_kafka_resp_err_t,
        _ context: String,
        isFatal: Bool = false,
        file: String = #fileID,
        line: Int = #line
    ) -> KafkaError {
        let message = String(cString: rd_kafka_err2str(err))
        let code: Code
        switch err {
        case RD_KAFKA_RESP_ERR__QUEUE_FULL: code = .queueFull
        case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: code = .messageTimedOut
        case RD_KAFKA_RESP_ERR__TIMED_OUT: code = .timedOut
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE: code = .recordTooLarge
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION,
            RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
            code = .unknownTopicOrPartition
        case RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__DESTROY:
            code = .shutdown
        case RD_KAFKA_RESP_ERR__STATE: code = .invalidState
        default: code = err.rawValue > 0 ? .brokerError : .underlying
        }
        return KafkaError(
            code,
            "\(context): \(message)",
            rdKafkaCode: err.rawValue,
            isRetriable: Self.isRetriable(err),
            isFatal: isFatal,
            file: file,
            line: line
        )
    }

    private static func isRetriable(_ err: rd_kafka_resp_err_t) -> Bool {
        switch err {
        case RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT,
            RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
            RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
            return true
        default:
            return false
        }
    }
}
