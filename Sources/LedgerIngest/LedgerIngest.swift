import ConsentModel
import Foundation
import KafkaClient
import LedgerIdentity
import LedgerStore
import Logging
import MerkleLog
import PrivateFiles
import ServiceLifecycle
import Synchronization

/// The pipeline: consume the events topic as a group member, judge each record with `rules/v1`,
/// append it to its partition's ledger (one SQLite transaction per batch, offsets included), then
/// publish receipts, alerts, rejected records and signed checkpoints.
///
/// Each partition resumes at the offset stored in its own ledger, whatever Kafka's committed offsets
/// say: a crash loses and repeats nothing. Kafka offsets are still committed, for lag monitoring.
///
/// Each partition is in one ``PartitionState``. A fault of one partition (its file, a write to it, its replay, its
/// published checkpoint) quarantines that partition only (``PartitionFault``, ``quarantined``): it is no longer
/// fetched, and is reopened with a growing delay until the fault is gone, resuming where its ledger ends.
public final class LedgerIngest: Service, Sendable {
    let configuration: IngestConfiguration
    let consumerConfiguration: KafkaConsumerConfiguration
    let producer: KafkaProducer
    let trust: RegistryTrust
    /// Every signing key any partition's log has added, to check a batch's signatures ahead of its rules.
    let knownKeys: Mutex<SigningKeys>
    /// Institutions' names from the registry files and the registries partitions' logs hold, for people to read.
    let names: Mutex<[String: String]>
    let identity: LedgerIdentity
    /// The data keys every ledger seals its records' payloads under, in the data directory's key store.
    let payloadKeys: PayloadKeys
    let logger: Logger
    let outputs: IngestOutputs
    let partitions = Mutex<[Int32: PartitionState]>([:])
    let outboxes = Outboxes()
    /// The newest checkpoint this ledger published for each origin, read from the checkpoints topic at start.
    let published = Mutex<[String: Checkpoint]>([:])
    /// Witnesses' cosigned checkpoints read from the checkpoints topic at start, by origin, until their ledger opens.
    let cosignedAtStart = Mutex<[String: [Cosigned]]>([:])
    private let running = Atomic<Bool>(false)
    /// The group has given this instance its partitions (perhaps none), and each is open or quarantined.
    private let holdsAssignment = Atomic<Bool>(false)
    /// Set by graceful shutdown or cancellation: no batch is fetched after it.
    let stopping = Atomic<Bool>(false)

    public init(
        configuration: IngestConfiguration, consumer: KafkaConsumerConfiguration, producer: KafkaProducer, trust: RegistryTrust,
        identity: LedgerIdentity, logger: Logger
    ) throws {
        self.configuration = configuration
        self.outputs = IngestOutputs(configuration: configuration)
        self.consumerConfiguration = consumer
        self.producer = producer
        self.trust = trust
        self.knownKeys = Mutex(trust.signingKeys)
        self.names = Mutex(Dictionary(trust.bootstrap.institutions.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first }))
        self.identity = identity
        _ = try PrivateFile.restrictDirectory(configuration.dataDirectory)
        self.payloadKeys = try PayloadKeys(
            path: configuration.dataDirectory.appendingPathComponent(LedgerIdentity.payloadKeysFile).path,
            masterKey: identity.payloadMasterKey)
        self.logger = logger
    }

    /// An institution's name, as a partition's log registered it or else as the registry file gives it.
    public func institutionName(_ id: String) -> String? {
        names.withLock { $0[id] }
    }

    /// What a partition's rules learned of keys and names from its log, for the next batches and for the API.
    func learn(from rules: Rules) {
        guard rules.registry.keyCount > 0 || !rules.registry.institutions.isEmpty else { return }  // a rules/v1 partition
        knownKeys.withLock { $0.merge(rules.signingKeys) }
        names.withLock { names in
            for (id, institution) in rules.registry.institutions { names[id] = institution.name }
        }
    }

    /// Reads what this ledger published, then ingests until graceful shutdown or cancellation. Either one stops the
    /// fetching only: what was fetched is committed and checkpointed, its outputs are delivered and the group is left,
    /// in a task that neither reaches (a cancelled SQLite write would quarantine a sound ledger).
    public func run() async throws {
        let end: KafkaOffset
        do {
            end = try await cancelWhenGracefulShutdown { try await self.readPublishedCheckpoints() }
        } catch is CancellationError {
            logger.info("ingest stopped before it started")
            return
        }
        let ingesting = Task { try await ingest(followingCosignaturesFrom: end) }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await ingesting.value
            } onGracefulShutdown: { [self] in
                stopping.store(true, ordering: .relaxed)
            }
        } onCancel: { [self] in
            stopping.store(true, ordering: .relaxed)
        }
        logger.info("ingest stopped")
    }

    /// Consuming, with every assigned partition's ledger open or quarantined: what `/readyz` reports, with
    /// ``quarantined``.
    public var isReady: Bool { running.load(ordering: .relaxed) && holdsAssignment.load(ordering: .relaxed) }

    /// The ledgers this instance serves, by partition: those it ingests into, and those quarantined by a failed
    /// write, as of their last commit (a ledger whose file, replay or checkpoint is in doubt is not served).
    public var servedLedgers: [PartitionLedger] {
        partitions.withLock { states in
            states.values.compactMap { $0.open?.ledger ?? $0.quarantine?.servable }
        }.sorted { $0.partition < $1.partition }
    }

    /// The origins of the ledgers this instance holds but does not serve now (quarantined), so that an answer
    /// about every ledger (a citizen's completeness) can say which it leaves out.
    public var unservedOrigins: [String] {
        partitions.withLock { states in
            states.values.compactMap(\.quarantine).filter { $0.servable == nil }.map { configuration.origin(partition: $0.partition) }
        }.sorted()
    }

    /// The leaf count of each partition this instance ingests into now.
    public var ledgerSizes: [Int32: UInt64] {
        partitions.withLock { $0.compactMapValues(\.open?.ledger.size) }
    }

    /// Every task of the ingest, in one group: the batches, each partition's outbox, and the follower of witnesses'
    /// cosignatures. Ends once stopping and everything fetched is committed, checkpointed and delivered.
    private func ingest(followingCosignaturesFrom end: KafkaOffset) async throws {
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger) { [self] assigned in
            let offsets = Dictionary(uniqueKeysWithValues: assigned.map { ($0, start($0.partition)) })
            holdsAssignment.store(true, ordering: .relaxed)
            return offsets
        }
        try consumer.subscribe(topics: [configuration.eventsTopic])
        logger.info("consuming \(configuration.eventsTopic) into \(configuration.dataDirectory.path)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await outboxes.run { await self.deliver($0) } }
            group.addTask { [self] in await collectCosignatures(from: end) }
            running.store(true, ordering: .relaxed)
            defer {
                running.store(false, ordering: .relaxed)
                holdsAssignment.store(false, ordering: .relaxed)
            }
            try await consumeUntilStopped(consumer)
            await checkpoint(takeDuePartitions(force: true))
            await finishDeliveries(of: partitions.withLock { $0.values.compactMap(\.open) })
            try await consumer.close()
            // Nothing is left to deliver but what quarantined ledgers had queued, which their reopening publishes again.
            outboxes.finish()
            group.cancelAll()
        }
    }

    /// Fetches, prepares and applies a batch while the last one commits and is checkpointed (at most one at a time, in
    /// `committing`), until stopping. A failure to fetch ends it too, once the last commit is done.
    private func consumeUntilStopped(_ consumer: KafkaConsumer) async throws {
        var failure: (any Error)?
        await withTaskGroup(of: Void.self) { committing in
            do {
                while !stopping.load(ordering: .relaxed) {
                    await tendQuarantined(consumer: consumer)
                    let batch = try await consumer.nextBatch(maximum: configuration.batchSize, timeout: configuration.batchTimeout)
                    await ingest(batch, consumer: consumer, committing: &committing)
                }
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
    }
}
