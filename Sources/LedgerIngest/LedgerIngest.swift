import ConsentModel
import Foundation
import KafkaClient
import LedgerFormat
import LedgerIdentity
import LedgerStore
import Logging
import MerkleLog
import Metrics
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
/// A fault of one partition (its file, a write to it, its replay, its published checkpoint) quarantines that
/// partition only (``PartitionFault``, ``quarantined``): it is no longer fetched, and is reopened with a growing
/// delay until the fault is gone, resuming where its ledger ends.
public final class LedgerIngest: Service, Sendable {
    /// An assigned partition: its ledger, the rules' state as of its last leaf, and its checkpoint schedule.
    struct OpenPartition: Sendable {
        let ledger: PartitionLedger
        /// Moved out while a batch is applied (see ``takeRules(of:)``); `nil` only then, or after a failed append.
        var rules: RulesV1?
        let signer: NoteSigner
        /// `nil` until a checkpoint covers every leaf: then one is due at once, even for an empty ledger,
        /// so that citizens' completeness proofs cover every partition.
        var checkpointedSize: UInt64?
        var checkpointedAt: ContinuousClock.Instant
        /// The last checkpoint published for this ledger, while a rebuild has not yet reached its size.
        var awaitedCheckpoint: Checkpoint?
        /// The latest of the partition's output deliveries, which run one after another: `false` once one failed.
        var publishing: Task<Bool, Never>? = nil
        /// The quarantine it left, until its first commit: a fault before then continues it (its retries, its start).
        var leftQuarantine: Quarantine? = nil
    }

    let configuration: IngestConfiguration
    let consumerConfiguration: KafkaConsumerConfiguration
    let producer: KafkaProducer
    let registry: InstitutionRegistry
    let identity: LedgerIdentity
    let logger: Logger
    let outputs: IngestOutputs
    let partitions = Mutex<[Int32: PartitionState]>([:])
    /// The newest checkpoint this ledger published for each origin, read from the checkpoints topic at start.
    private let published = Mutex<[String: Checkpoint]>([:])
    /// Witnesses' cosigned checkpoints read from the checkpoints topic at start, by origin, until their ledger opens.
    let cosignedAtStart = Mutex<[String: [Cosigned]]>([:])
    private let running = Atomic<Bool>(false)

    public init(
        configuration: IngestConfiguration, consumer: KafkaConsumerConfiguration, producer: KafkaProducer, registry: InstitutionRegistry,
        identity: LedgerIdentity, logger: Logger
    ) {
        self.configuration = configuration
        self.outputs = IngestOutputs(configuration: configuration)
        self.consumerConfiguration = consumer
        self.producer = producer
        self.registry = registry
        self.identity = identity
        self.logger = logger
    }

    public func run() async throws {
        let (latest, end) = try await publishedCheckpoints()
        published.withLock { $0 = latest }
        let cosignatures = Task { [self] in await collectCosignatures(from: end) }
        defer { cosignatures.cancel() }
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger) { [self] assigned in
            Dictionary(uniqueKeysWithValues: assigned.map { ($0, start($0.partition)) })
        }
        try consumer.subscribe(topics: [configuration.eventsTopic])
        logger.info("consuming \(configuration.eventsTopic) into \(configuration.dataDirectory.path)")
        running.store(true, ordering: .relaxed)
        defer { running.store(false, ordering: .relaxed) }
        do {
            try await cancelWhenGracefulShutdown { [self] in
                // The last batch's commit and the checkpoints after it, still running while the next batch
                // is fetched and prepared.
                var committing: Task<Void, any Error>?
                do {
                    while !Task.isCancelled {
                        await tendQuarantined(consumer: consumer)
                        let batch = try await consumer.nextBatch(maximum: configuration.batchSize, timeout: configuration.batchTimeout)
                        let committed = try await ingest(batch, consumer: consumer, after: committing)
                        // A checkpoint is of one committed state, in which tree and subject map agree: the
                        // partitions due are taken once the batch has committed, and signed while the next
                        // batch is prepared.
                        committing = Task { [self] in
                            try await committed?.value
                            await checkpoint(takeDuePartitions())
                        }
                    }
                } catch is CancellationError {}
                try await committing?.value
            }
        } catch is CancellationError {}
        // Shutting down: sign what was ingested and leave the group, in a task cancellation cannot reach.
        try await Task { [self] in
            await checkpoint(takeDuePartitions(force: true))
            await finishDeliveries(of: partitions.withLock { $0.values.compactMap(\.open) })
            try await consumer.close()
            // Its consumer closes before this returns: no Kafka client of the ingest outlives it.
            cosignatures.cancel()
            await cosignatures.value
        }.value
        logger.info("ingest stopped")
    }

    /// Consuming, with every assigned partition's ledger open or quarantined: what `/readyz` reports, with
    /// ``quarantined``.
    public var isReady: Bool { running.load(ordering: .relaxed) }

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

    /// Where a newly assigned partition starts: where its ledger ends, or (quarantined, if it cannot be opened)
    /// at the topic's end, paused until it reopens and seeks back to where its ledger ends.
    private func start(_ partition: Int32) -> KafkaOffset {
        do {
            return .exactly(try open(partition))
        } catch {
            quarantine(partition, error)
            return .end
        }
    }

    /// Opens a partition's ledger and rebuilds its rules' state by replaying what it holds, checking that
    /// every stored verdict comes out the same. Returns the offset to resume at. Blocks while it replays.
    func open(_ partition: Int32) throws -> Int64 {
        if let open = partitions.withLock({ $0[partition]?.open }) { return open.ledger.nextOffset }
        try PrivateFile.restrictDirectory(configuration.dataDirectory)
        let origin = configuration.origin(partition: partition)
        // The origin names the checkpoint key: a ledger name with spaces or '+' is refused here, before any work.
        let signer = try identity.signer(origin: origin)
        let path = configuration.databasePath(partition: partition)
        try restrictLedgerFiles(path)
        let ledger = try PartitionLedger(path: path, origin: origin, topic: configuration.eventsTopic, partition: partition)
        let (rules, undelivered) = try replay(ledger)
        // A ledger that published a checkpoint must still agree with it, whether it was kept or rebuilt.
        let latest = published.withLock { $0[origin] }
        var awaited = latest
        if let checkpoint = awaited, ledger.size >= checkpoint.size {
            try Self.check(ledger, against: checkpoint, path: configuration.databasePath(partition: partition))
            awaited = nil
        }
        partitions.withLock {
            $0[partition] = .open(
                OpenPartition(
                    ledger: ledger, rules: rules, signer: signer, checkpointedSize: ledger.latestCheckpoint?.size, checkpointedAt: .now,
                    awaitedCheckpoint: awaited))
        }
        logger.info("opened \(origin) at \(ledger.size) leaves; resuming at offset \(ledger.nextOffset)")
        if let cosigned = cosignedAtStart.withLock({ $0.removeValue(forKey: origin) }) {
            Task { [self] in for note in cosigned { await keep(note, in: ledger) } }
        }
        // What a crash kept from being delivered: the outputs of the last leaves, and the newest checkpoint.
        if !undelivered.isEmpty {
            logger.notice("\(origin): publishing again the outputs of leaves from \(ledger.outputsPublishedThrough) on")
            publishInBackground(undelivered, of: ledger, through: ledger.size)
        }
        if let saved = ledger.latestCheckpoint, latest.map({ saved.size > $0.size }) ?? true {
            Task { [self] in
                _ = await publish(outputs.checkpoint(log: saved.note, map: saved.mapNote, origin: origin))
            }
        }
        return ledger.nextOffset
    }

    /// A ledger holds raw events with citizens' identifiers: its files are its owner's only. A new one is created empty
    /// at mode 0600 (SQLite gives its -wal and -shm files the database's mode); an existing looser one is tightened,
    /// and the log says so.
    private func restrictLedgerFiles(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            try PrivateFile.create(URL(fileURLWithPath: path), contents: Data())
            return
        }
        for file in [path, path + "-wal", path + "-shm"] {
            if let mode = try PrivateFile.restrictFile(file) {
                logger.notice(
                    "made \(file) owner-only (0600; it was 0\(String(mode, radix: 8))): it holds raw events with citizens' identifiers")
            }
        }
    }

    /// Compares a ledger's root at a published checkpoint's size with that checkpoint's root.
    static func check(_ ledger: PartitionLedger, against checkpoint: Checkpoint, path: String) throws {
        let root = try ledger.readSynchronously { try $0.rootHash(size: checkpoint.size) }
        guard root == checkpoint.root else {
            throw PartitionFault(
                .checkpointMismatch,
                "\(ledger.origin) has root \(root) at \(checkpoint.size) leaves, but its published checkpoint says \(checkpoint.root): this copy is not served",
                remedy:
                    "restore \(path) from a backup taken before it diverged, or move it aside (with its -wal and -shm files) so that it is rebuilt from the topic"
            )
        }
    }

    /// Reads the checkpoints topic to its end as of the start, for as long as that takes (saying how far it is every
    /// few seconds), and keeps, per origin, the largest checkpoint signed by this ledger's key. Notes that do not
    /// verify are reported, not trusted. A topic that cannot be read stops start-up: without it a rebuilt ledger could
    /// not be checked against what it published. Also keeps the witnesses' cosigned notes it meets, and returns the
    /// offset after the last record read.
    private func publishedCheckpoints() async throws -> (latest: [String: Checkpoint], end: KafkaOffset) {
        let reader = try KafkaConsumer(
            configuration: consumerConfiguration.outsideGroup, logger: logger)
        let records: [KafkaRecord]
        do {
            records = try await reader.readToEnd(KafkaTopicPartition(topic: configuration.checkpointsTopic, partition: 0), timeout: nil) {
                read, end in
                logger.notice("reading \(configuration.checkpointsTopic): \(read) records so far, up to offset \(end)")
            }
            try? await reader.close()
        } catch let error as KafkaError {
            try? await reader.close()
            throw IngestError(
                .checkpointsUnreadable,
                "cannot read \(configuration.checkpointsTopic) (\(error.reason)), against which every ledger is checked at start: check the topic exists (ledgerctl topics apply) and that ledgerd may read it"
            )
        }
        var latest: [String: Checkpoint] = [:]
        for record in records {
            if Cosigned.isKeyed(record) {
                if let cosigned = Cosigned(record) {
                    cosignedAtStart.withLock { $0[cosigned.origin, default: []].append(cosigned) }
                } else {
                    ignoreCosignature(record)
                }
                continue
            }
            guard let value = record.value, let key = record.key,
                case .log(let origin) = CheckpointsTopicKey(String(decoding: key, as: UTF8.self))
            else { continue }
            do {
                let note = try SignedNote(parsing: value)
                let checkpoint = try TrustPolicy(log: try identity.signer(origin: origin).verifier).verify(note)
                if checkpoint.size >= latest[origin]?.size ?? 0 { latest[origin] = checkpoint }
            } catch {
                logger.error(
                    "a checkpoint on \(configuration.checkpointsTopic) for \(EchoedText.capped(origin)) at offset \(record.offset) does not verify with this ledger's key: \(error)"
                )
            }
        }
        logger.info("read \(records.count) published checkpoints of \(latest.count) ledgers")
        return (latest, records.last.map { .exactly($0.offset + 1) } ?? .beginning)
    }

    /// Rebuilds the rules' state by replaying what the ledger holds, checking that every stored verdict
    /// comes out the same, and derives again the outputs of the leaves not known to be delivered.
    /// Runs on the consumer's own thread (the assignment callback), so it may block on the read.
    private func replay(_ ledger: PartitionLedger) throws -> (RulesV1, undelivered: [KafkaProducerRecord]) {
        let delivered = ledger.outputsPublishedThrough
        return try ledger.readSynchronously { reader in
            var rules = RulesV1(registry: registry, secret: identity.subjectSecret)
            var undelivered: [KafkaProducerRecord] = []
            try reader.forEachStoredLeaf { record in
                let leaf = try LedgerLeaf(decoding: record.leaf)
                let again = rules.judge(
                    IncomingRecord(
                        value: record.value, headers: record.headers, kafkaTimestamp: leaf.timestamp))
                guard again.verdict.canonicalJSON == leaf.verdict else {
                    throw PartitionFault.replayMismatch(
                        ledger.origin, index: record.index, path: configuration.databasePath(partition: ledger.partition))
                }
                if record.index >= delivered {
                    let entry = PartitionLedger.Entry(
                        offset: leaf.offset, timestamp: leaf.timestamp, value: record.value, headers: record.headers, judgement: again)
                    undelivered += outputs.records(
                        index: record.index, leafHash: RFC6962.leafHash(record.leaf), entry: entry, origin: ledger.origin)
                }
            }
            return (rules, undelivered)
        }
    }

    /// Processes one batch, committing everything before each rebalance so that a revoked partition's
    /// last records are in its ledger before it is let go. Returns the batch's commit, still running (so
    /// that the next batch can be fetched and prepared meanwhile); `previous` is the last batch's commit
    /// and checkpoints.
    private func ingest(
        _ events: [KafkaConsumerEvent], consumer: KafkaConsumer, after previous: Task<Void, any Error>?
    ) async throws -> Task<Void, any Error>? {
        var pending: [Int32: [KafkaRecord]] = [:]
        var previous = previous
        for event in events {
            switch event {
            case .record(let record):
                pending[record.topicPartition.partition, default: []].append(record)
            case .rebalance(.revoked(let revoked)):
                try await append(pending, consumer: consumer, after: previous)?.value
                previous = nil
                pending = [:]
                let letGo = partitions.withLock { states in revoked.compactMap { states.removeValue(forKey: $0.partition) } }
                for partition in revoked.map(\.partition) { IngestMetrics.quarantine(partition: partition, cause: nil) }
                await finishDeliveries(of: letGo.compactMap(\.open))
                logger.info("let go of partitions \(revoked.map(\.partition))")
            case .rebalance(.assigned):
                break  // opened (or quarantined) by the assignment callback, before any of their records
            }
        }
        return try await append(pending, consumer: consumer, after: previous)
    }

    /// One batch across partitions: prepares every record at once on all cores (while `previous`, the last
    /// batch's commit and checkpoints, runs), applies the rules partition by partition in offset order once
    /// `previous` is done, and returns the commit of the partitions' ledgers, which runs concurrently (each
    /// its own database).
    private func append(
        _ batches: [Int32: [KafkaRecord]], consumer: KafkaConsumer, after previous: Task<Void, any Error>?
    ) async throws -> Task<Void, any Error>? {
        guard !batches.isEmpty else { return previous }
        let started = ContinuousClock.now
        let ordered = batches.sorted { $0.key < $1.key }
        let incoming = ordered.flatMap(\.value).map { record in
            IncomingRecord(
                value: record.value, headers: record.headers.map { (name: $0.name, value: $0.value) },
                kafkaTimestamp: record.timestamp)
        }
        // Decoding and signature checks need the registry and the secret, not the consent state.
        var prepared = await Self.prepare(incoming, with: RulesV1(registry: registry, secret: identity.subjectSecret))[...]
        var inputs = incoming[...]
        try await previous?.value
        var commits: [(open: OpenPartition, rules: RulesV1, entries: [PartitionLedger.Entry], last: KafkaRecord)] = []
        for (partition, records) in ordered {
            let batch = zip(records, zip(inputs.prefix(records.count), prepared.prefix(records.count)))
            inputs = inputs.dropFirst(records.count)
            prepared = prepared.dropFirst(records.count)
            // A quarantined partition's records stay in the topic: it seeks back to where its ledger ends when it reopens.
            guard let nextOffset = partitions.withLock({ $0[partition]?.open?.ledger.nextOffset }) else { continue }
            let fresh = batch.filter { $0.0.offset >= nextOffset }
            if fresh.count < records.count {
                // Only a topic that was deleted and recreated under the ledger can send offsets it already holds.
                logger.error(
                    "partition \(partition): \(records.count - fresh.count) records at offsets below \(nextOffset), which the ledger already holds; was the topic recreated?"
                )
            }
            guard let last = fresh.last?.0, let (open, taken) = takeRules(of: partition) else { continue }
            var rules = taken
            let entries = fresh.map { record, input in
                PartitionLedger.Entry(
                    offset: record.offset, timestamp: record.timestamp, value: record.value, headers: input.0.headers,
                    judgement: rules.apply(input.1))
            }
            commits.append((open, rules, entries, last))
        }
        guard !commits.isEmpty else { return nil }
        return Task { [self, commits] in
            await commit(commits, consumer: consumer)
            IngestMetrics.batch(duration: .now - started)
        }
    }

    /// Commits each partition's part of a batch, then gives its rules back and publishes its outputs. A partition
    /// whose commit fails is quarantined; the others commit.
    private func commit(
        _ commits: [(open: OpenPartition, rules: RulesV1, entries: [PartitionLedger.Entry], last: KafkaRecord)], consumer: KafkaConsumer
    ) async {
        await withTaskGroup(of: Void.self) { group in
            for commit in commits {
                group.addTask { [self] in
                    do {
                        try await self.commit(commit.open, commit.rules, commit.entries, last: commit.last, consumer: consumer)
                    } catch {
                        quarantine(commit.open.ledger.partition, error, servable: commit.open.ledger)
                    }
                }
            }
        }
    }

    private func commit(
        _ open: OpenPartition, _ rules: RulesV1, _ entries: [PartitionLedger.Entry], last: KafkaRecord, consumer: KafkaConsumer
    ) async throws {
        let ledger = open.ledger
        let appended = try await ledger.append(entries, nextOffset: last.offset + 1)
        if let checkpoint = open.awaitedCheckpoint, ledger.size >= checkpoint.size {
            try Self.check(ledger, against: checkpoint, path: configuration.databasePath(partition: ledger.partition))
            updateOpen(ledger.partition) { $0.awaitedCheckpoint = nil }
            logger.notice("\(checkpoint.origin) rebuilt up to its published checkpoint at \(checkpoint.size) leaves, and matches it")
        }
        updateOpen(ledger.partition) {
            $0.rules = rules
            $0.leftQuarantine = nil
        }
        try? consumer.storeOffset(of: last)
        IngestMetrics.committed(entries, partition: ledger.partition)
        IngestMetrics.lag(
            partition: ledger.partition, nextOffset: last.offset + 1, highWatermark: consumer.cachedHighWatermark(of: last.topicPartition))
        publishInBackground(
            zip(appended, entries).flatMap { outputs.records(index: $0.index, leafHash: $0.leafHash, entry: $1, origin: ledger.origin) },
            of: ledger, through: ledger.size)
    }

    /// Changes an open partition's state; nothing if it is no longer open (let go of, or quarantined).
    func updateOpen(_ partition: Int32, _ change: (inout OpenPartition) -> Void) {
        partitions.withLock { states in
            guard case .open(var open) = states[partition] else { return }
            change(&open)
            states[partition] = .open(open)
        }
    }

    /// Moves a partition's rules out of the shared table while its batch is applied, so that applying mutates
    /// the one copy of the consent state instead of copying all of it. They go back once the batch is
    /// committed; a failed commit quarantines the partition, and reopening it replays its ledger. `nil` for a
    /// partition that is not open.
    private func takeRules(of partition: Int32) -> (OpenPartition, RulesV1)? {
        partitions.withLock { states in
            guard case .open(var open) = states[partition], let rules = open.rules else { return nil }
            open.rules = nil
            states[partition] = .open(open)
            return (open, rules)
        }
    }

    /// Prepares (decodes and signature-checks) a batch on every core; the results keep the batch's order.
    static func prepare(_ records: [IncomingRecord], with rules: RulesV1) async -> [PreparedRecord] {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = max(64, (records.count + cores - 1) / cores)
        return await withTaskGroup(of: (Int, [PreparedRecord]).self) { group in
            for start in stride(from: 0, to: records.count, by: chunk) {
                let slice = Array(records[start..<min(start + chunk, records.count)])
                group.addTask { (start, slice.map(rules.prepare)) }
            }
            var results = [[PreparedRecord]](repeating: [], count: (records.count + chunk - 1) / chunk)
            for await (start, prepared) in group { results[start / chunk] = prepared }
            return results.flatMap { $0 }
        }
    }

    /// The partitions that grew by enough leaves, or long enough ago (or at all, when `force`d), to be
    /// checkpointed, marked as checkpointed at their present size; no append may be running.
    private func takeDuePartitions(force: Bool = false) -> [(ledger: PartitionLedger, signer: NoteSigner)] {
        let now = ContinuousClock.now
        return partitions.withLock { states in
            let due = states.values.compactMap(\.open).filter { partition in
                guard let checkpointed = partition.checkpointedSize else { return true }
                let grown = partition.ledger.size - checkpointed
                return grown > 0
                    && (force || grown >= configuration.checkpointEveryLeaves
                        || now - partition.checkpointedAt >= configuration.checkpointInterval)
            }
            for var partition in due {
                partition.checkpointedSize = partition.ledger.size
                partition.checkpointedAt = now
                states[partition.ledger.partition] = .open(partition)
            }
            return due.map { ($0.ledger, $0.signer) }
        }
    }

    /// Signs a checkpoint of each ledger, all at once (each its own database), and publishes it after the
    /// outputs of the leaves it covers; no append may be running. A ledger that cannot store its checkpoint
    /// is quarantined (it is sound as of its last commit, and is served).
    private func checkpoint(_ due: [(ledger: PartitionLedger, signer: NoteSigner)]) async {
        await withTaskGroup(of: Void.self) { group in
            for (ledger, signer) in due {
                group.addTask { [self] in
                    do {
                        let (size, note, mapNote) = try await ledger.signCheckpoint(with: signer)
                        publishInBackground(
                            outputs.checkpoint(log: note.formatted, map: mapNote.formatted, origin: ledger.origin), of: ledger,
                            through: size)
                        logger.debug("signed checkpoint \(ledger.origin) at \(size)")
                    } catch {
                        quarantine(ledger.partition, error, servable: ledger)
                    }
                }
            }
        }
    }

    /// Hands a partition's outputs to the producer without holding up the next batch (librdkafka's bounded
    /// queue is the backpressure), then records that its leaves below `end` have their outputs delivered:
    /// in order, and never past a delivery that failed. Those are published again when the ledger is next opened.
    private func publishInBackground(_ records: [KafkaProducerRecord], of ledger: PartitionLedger, through end: UInt64) {
        partitions.withLock { states in
            guard case .open(var open) = states[ledger.partition], open.ledger === ledger else { return }
            let previous = open.publishing
            open.publishing = Task { [self] in
                let delivered = await publish(records)
                guard await previous?.value ?? true, delivered else { return false }
                ledger.outputsPublished(through: end)
                return true
            }
            states[ledger.partition] = .open(open)
        }
    }

    /// Waits for the partitions' output deliveries and writes how far they went, so that a clean stop
    /// (or handing a partition over) publishes nothing twice, then writes each ledger's log back into its
    /// file, so that the file alone is the ledger. A mark that cannot be written means only that those outputs
    /// are published again.
    private func finishDeliveries(of partitions: [OpenPartition]) async {
        for partition in partitions {
            _ = await partition.publishing?.value
            do {
                try await partition.ledger.saveOutputsPublished()
                try await partition.ledger.mergeWriteAheadLog()
            } catch {
                logger.warning(
                    "\(partition.ledger.origin): could not record how far outputs were delivered, or merge its write-ahead log (\(error)); outputs are published again when it reopens"
                )
            }
        }
    }

    /// Sends and awaits every output, in order; whether all were delivered. Those that fail are sent again, in
    /// order, after 1, 2 and 4 s (a broker restarting, a leader moving); a failure after that is logged, not fatal:
    /// the ledger is already committed and every output is derived from it again when the ledger is next opened.
    /// An output too large for its topic could never be delivered: it is logged and counted, and does not hold back
    /// the others' mark.
    private func publish(_ records: [KafkaProducerRecord]) async -> Bool {
        var pending = records
        for retry in 0...3 {
            if retry > 0 { try? await Task.sleep(for: .seconds(1 << (retry - 1))) }
            var failed: [(record: KafkaProducerRecord, error: KafkaError)] = []
            for (record, outcome) in zip(pending, await producer.send(pending)) {
                guard case .failure(let error) = outcome else { continue }
                if error.code == .recordTooLarge {
                    IngestMetrics.undeliverable(topic: record.topic)
                    logger.error(
                        "an output to \(record.topic) keyed \(EchoedText.capped(String(decoding: record.key ?? [], as: UTF8.self))) is too large to publish, and is skipped (its leaf holds what it says): \(error.reason)"
                    )
                } else {
                    failed.append((record, error))
                }
            }
            guard let first = failed.first else { return true }
            let next = retry < 3 ? "sending them again in \(1 << retry) s" : "they are published again when the ledger is next opened"
            logger.warning(
                "could not publish \(failed.count) of \(records.count) outputs, the first to \(first.record.topic): \(first.error.reason); \(next)"
            )
            pending = failed.map(\.record)
        }
        return false
    }
}
