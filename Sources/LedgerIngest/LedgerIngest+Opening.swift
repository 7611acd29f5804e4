import ConsentModel
import Foundation
import KafkaClient
import LedgerFormat
import LedgerStore
import MerkleLog
import PrivateFiles

extension LedgerIngest {
    /// Where a newly assigned partition starts: where its ledger ends, or (quarantined, if it cannot be opened)
    /// at the topic's end, paused until it reopens and seeks back to where its ledger ends.
    func start(_ partition: Int32) -> KafkaOffset {
        do {
            return .exactly(try open(partition))
        } catch {
            quarantine(partition, error)
            return .end
        }
    }

    /// Opens a partition's ledger, ready, and rebuilds its rules' state by replaying what it holds, checking that
    /// every stored verdict comes out the same. Returns the offset to resume at. Blocks while it replays: call it off
    /// Swift's cooperative pool. `leaving` is the quarantine it reopens from.
    func open(_ partition: Int32, leaving quarantine: Quarantine? = nil) throws -> Int64 {
        if let open = partitions.withLock({ $0[partition]?.open }) { return open.ledger.nextOffset }
        try PrivateFile.restrictDirectory(configuration.dataDirectory)
        let origin = configuration.origin(partition: partition)
        // The origin names the checkpoint key: a ledger name with spaces or '+' is refused here, before any work.
        let signer = try identity.signer(origin: origin)
        let path = configuration.databasePath(partition: partition)
        try restrictLedgerFiles(path)
        let ledger = try PartitionLedger(
            path: path, origin: origin, topic: configuration.eventsTopic, partition: partition, keys: payloadKeys)
        let sealed = try ledger.sealPayloadsStoredInTheClear()
        if sealed > 0 { logger.notice("\(origin): sealed \(sealed) records stored in the clear by an earlier version") }
        // What a crash interrupted: erasures ordered but not carried out, keys not yet destroyed.
        for due in try ledger.erasuresDue() {
            report(try ledger.erase(orderedBy: due.index, subject: due.subject, scope: due.scope), of: ledger)
        }
        try ledger.destroyRetiredKeys()
        let (rules, undelivered) = try replay(ledger)
        learn(from: rules)
        // A ledger that published a checkpoint must still agree with it, whether it was kept or rebuilt.
        let latest = published.withLock { $0[origin] }
        var awaited = latest
        if let checkpoint = awaited, ledger.size >= checkpoint.size {
            try Self.check(ledger, against: checkpoint, path: path)
            awaited = nil
        }
        let outbox = outboxes.open(for: ledger)
        let open = OpenPartition(
            ledger: ledger, signer: signer, outbox: outbox, checkpointedSize: ledger.latestCheckpoint?.size, checkpointedAt: .now,
            awaitedCheckpoint: awaited, leftQuarantine: quarantine)
        partitions.withLock { $0[partition] = .ready(open, rules) }
        logger.info(
            "opened \(origin) at \(ledger.size) leaves; resuming at offset \(ledger.nextOffset)",
            metadata: ["partition": "\(partition)", "offset": "\(ledger.nextOffset)"])
        if let cosigned = cosignedAtStart.withLock({ $0.removeValue(forKey: origin) }) {
            outbox.add(.keep(cosigned))
        }
        // What a crash kept from being delivered: the outputs of the last leaves, and the newest checkpoint.
        if !undelivered.isEmpty {
            logger.notice(
                "\(origin): publishing again the outputs of leaves from \(ledger.outputsPublishedThrough) on",
                metadata: ["partition": "\(partition)"])
            outbox.add(.publish(undelivered, marking: ledger.size))
        }
        if let saved = ledger.latestCheckpoint, latest.map({ saved.size > $0.size }) ?? true {
            outbox.add(.publish(outputs.checkpoint(log: saved.note, map: saved.mapNote, origin: origin), marking: nil))
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
    func readPublishedCheckpoints() async throws -> KafkaOffset {
        let reader = try KafkaConsumer(configuration: consumerConfiguration.outsideGroup, logger: logger)
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
                    "a checkpoint on \(configuration.checkpointsTopic) for \(EchoedText.capped(origin)) does not verify with this ledger's key: \(error)",
                    metadata: ["offset": "\(record.offset)"])
            }
        }
        logger.info("read \(records.count) published checkpoints of \(latest.count) ledgers")
        published.withLock { $0 = latest }
        return records.last.map { .exactly($0.offset + 1) } ?? .beginning
    }

    /// Rebuilds the rules' state by replaying what the ledger holds, checking that every stored verdict
    /// comes out the same, and derives again the outputs of the leaves not known to be delivered. The records an erasure
    /// left unreadable, or unjudgeable, stand as their leaves say (``ErasedSpans``); their outputs, if undelivered, are not
    /// derived again.
    private func replay(_ ledger: PartitionLedger) throws -> (Rules, undelivered: [KafkaProducerRecord]) {
        let delivered = ledger.outputsPublishedThrough
        return try ledger.readSynchronously { reader in
            var rules = Rules(trust: trust, partition: ledger.partition, secret: identity.subjectSecret)
            var undelivered: [KafkaProducerRecord] = []
            var erased = ErasedSpans()
            try reader.forEachStoredLeaf { record in
                let leaf = try LedgerLeaf(decoding: record.leaf)
                if erased.standsAsWritten(index: record.index, subject: leaf.subject, erasedBy: record.erasedBy), let subject = leaf.subject
                {
                    rules.accept(
                        eventID: leaf.eventID, producer: leaf.producer, producerSequence: leaf.producerSequence, subject: subject,
                        verdict: try VerdictCodes(canonicalJSON: leaf.verdict))
                    return
                }
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
}
