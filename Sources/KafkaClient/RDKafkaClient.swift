import CRdKafka
import Dispatch
import Logging
import Synchronization

/// The one owner of a librdkafka instance (`rd_kafka_t`); every call on it goes through this type.
///
/// librdkafka documents `rd_kafka_t` as thread-safe. Calls that block (polls, flush, commit,
/// close, metadata) run on `blockingQueue`, a serial dispatch queue, never on Swift's
/// cooperative pool; serialising them also keeps consumer polls from running concurrently.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer, consumer
    }

    let handle: OpaquePointer
    let callbacks: RDKafkaCallbacks
    private let retainedCallbacks: Unmanaged<RDKafkaCallbacks>
    private let blockingQueue: DispatchQueue
    private let isPolling = Atomic<Bool>(false)
    private let pollLoopExited = DispatchSemaphore(value: 0)

    init(kind: Kind, properties: [String: String], callbacks: RDKafkaCallbacks) throws {
        let conf = try Self.makeConf(properties)
        let retained = Unmanaged.passRetained(callbacks)
        rd_kafka_conf_set_opaque(conf, retained.toOpaque())
        rd_kafka_conf_set_log_cb(conf, logCallback)
        rd_kafka_conf_set_error_cb(conf, errorCallback)
        switch kind {
        case .producer: rd_kafka_conf_set_dr_msg_cb(conf, deliveryCallback)
        case .consumer: rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        }
        var errstr = [CChar](repeating: 0, count: 512)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let handle = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            retained.release()
            throw KafkaError(.invalidConfiguration, Self.string(errstr))
        }
        if kind == .consumer {
            // Serve rebalance and error callbacks from the same poll that returns records.
            rd_kafka_poll_set_consumer(handle)
        }
        self.handle = handle
        self.callbacks = callbacks
        self.retainedCallbacks = retained
        self.blockingQueue = DispatchQueue(label: "consent-ledger.rdkafka.\(kind)")
    }

    deinit {
        stopPollLoop()
        rd_kafka_destroy(handle)
        retainedCallbacks.release()
    }

    /// Builds a configuration, failing with librdkafka's own message on the first bad property.
    private static func makeConf(_ properties: [String: String]) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        for (name, value) in properties.sorted(by: { $0.key < $1.key })
        where rd_kafka_conf_set(conf, name, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
            rd_kafka_conf_destroy(conf)
            let message = Self.string(errstr)
            throw KafkaError(.invalidConfiguration, "\(name)=\(value): \(message)")
        }
        return conf
    }

    /// The text librdkafka wrote into an error buffer.
    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs a blocking librdkafka call on this client's own thread and awaits its result.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            blockingQueue.async { continuation.resume(with: Result(catching: body)) }
        }
    }

    /// Serves delivery reports and callbacks on a dedicated thread until ``stopPollLoop()``.
    func startPollLoop() {
        guard !isPolling.exchange(true, ordering: .acquiringAndReleasing) else { return }
        DispatchQueue(label: "consent-ledger.rdkafka.poll").async { [self] in
            while isPolling.load(ordering: .acquiring) {
                rd_kafka_poll(handle, 100)
            }
            pollLoopExited.signal()
        }
    }

    /// Stops the poll loop and waits for it to exit (at most one 100 ms poll).
    func stopPollLoop() {
        if isPolling.exchange(false, ordering: .acquiringAndReleasing) {
            pollLoopExited.wait()
        }
    }

    /// The error that made this instance unusable, if any.
    func fatalFailure() -> KafkaError? {
        var errstr = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError.from(err, Self.string(errstr), isFatal: true)
    }
}

// MARK: - Callbacks shared by every instance

/// Reaches the Swift callbacks of the instance that librdkafka calls back on.
private func callbacks(of rk: OpaquePointer?) -> RDKafkaCallbacks? {
    guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
    return Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
}

/// Re-emits librdkafka's log lines (syslog levels) through swift-log.
private let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    rk, level, facility, line in
    guard let callbacks = callbacks(of: rk) else { return }
    let logLevel: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    callbacks.logger.log(
        level: logLevel,
        "\(line.map { String(cString: $0) } ?? "")",
        metadata: [KafkaLogKey.facility: "\(facility.map { String(cString: $0) } ?? "")"],
        source: "librdkafka"
    )
}

/// Instance-wide errors: mostly informational (a broker went away and will be retried);
/// a fatal one is kept so the next call fails with it.
private let errorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    rk, err, reason, _ in
    guard let callbacks = callbacks(of: rk) else { return }
    let code = rd_kafka_resp_err_t(err)
    let message = reason.map { String(cString: $0) } ?? ""
    if code == RD_KAFKA_RESP_ERR__FATAL {
        callbacks.recordFailure(KafkaError.from(code, message, isFatal: true))
        callbacks.logger.critical("\(message)", metadata: [KafkaLogKey.error: "\(String(cString: rd_kafka_err2name(code)))"])
    } else {
        callbacks.logger.warning("\(message)", metadata: [KafkaLogKey.error: "\(String(cString: rd_kafka_err2name(code)))"])
    }
}

/// Resumes the awaiting `send` with the broker's verdict on one record.
private let deliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let delivery = Unmanaged<PendingDelivery>.fromOpaque(opaque).takeRetainedValue()
    let topicPartition = KafkaTopicPartition(
        topic: String(cString: rd_kafka_topic_name(message.pointee.rkt)),
        partition: message.pointee.partition
    )
    let err = message.pointee.err
    if err == RD_KAFKA_RESP_ERR_NO_ERROR {
        delivery.report(.success(KafkaDeliveryReport(topicPartition: topicPartition, offset: message.pointee.offset)))
    } else {
        var error = KafkaError.from(err, "record for \(topicPartition) was not delivered")
        error.mayHaveBeenStored = rd_kafka_message_status(message) != RD_KAFKA_MSG_STATUS_NOT_PERSISTED
        delivery.report(.failure(error))
    }
}

/// Applies a group rebalance, starting each new partition where the caller says.
private let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { rk, err, list, _ in
        guard let rk, let list, let callbacks = callbacks(of: rk) else { return }
        RDKafkaClient.rebalance(rk, err, list, callbacks)
    }

/// A `send` waiting for its delivery report; passed to librdkafka as the message opaque.
final class PendingDelivery: Sendable {
    let report: @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void

    init(_ report: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) {
        self.report = report
    }
}

/// Metadata keys of the log lines this module emits.
public enum KafkaLogKey {
    public static let facility = "kafka.facility"
    public static let error = "kafka.error"
}
