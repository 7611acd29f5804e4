import Logging
import Synchronization

/// What a consumer's group membership changed.
public enum KafkaRebalanceEvent: Hashable, Sendable {
    /// These partitions are now read by this consumer.
    case assigned([KafkaTopicPartition])
    /// These partitions were taken away; records already returned for them are the last ones.
    case revoked([KafkaTopicPartition])
}

/// Decides where each newly assigned partition starts. Runs on the consumer's polling thread,
/// before any record of those partitions is read, so a caller that keeps its offsets elsewhere
/// (the ledger keeps them in SQLite) can start exactly where its own state ends.
public typealias KafkaAssignmentOffsets = @Sendable ([KafkaTopicPartition]) throws -> [KafkaTopicPartition: KafkaOffset]

/// The Swift side of librdkafka's callbacks, reached through the instance's opaque pointer.
final class RDKafkaCallbacks: Sendable {
    let logger: Logger
    let assignmentOffsets: KafkaAssignmentOffsets?
    private let pendingRebalances = Mutex<[KafkaRebalanceEvent]>([])
    private let failure = Mutex<KafkaError?>(nil)

    init(logger: Logger, assignmentOffsets: KafkaAssignmentOffsets? = nil) {
        self.logger = logger
        self.assignmentOffsets = assignmentOffsets
    }

    func recordRebalance(_ event: KafkaRebalanceEvent) {
        pendingRebalances.withLock { $0.append(event) }
    }

    func takeRebalance() -> KafkaRebalanceEvent? {
        pendingRebalances.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    /// Keeps the first error that makes the client unusable, so the next call can throw it.
    func recordFailure(_ error: KafkaError) {
        failure.withLock { if $0 == nil { $0 = error } }
    }

    func recordedFailure() -> KafkaError? {
        failure.withLock { $0 }
    }
}
