import ConsentModel
import Foundation
import GRDB
import LedgerFormat
import MerkleLog
import Synchronization

/// One Kafka partition's verifiable ledger, in its own SQLite database (WAL; one writer, many readers).
///
/// Everything a batch changes (leaves, payloads, tree nodes, subject rows, the next offset to consume)
/// is written in one transaction, so after a crash the ledger is exactly as of its last committed
/// batch and the consumer resumes at the offset stored with it: nothing lost, nothing twice. After a
/// power loss it may be as of an earlier batch, never earlier than its last signed checkpoint.
public final class PartitionLedger: Sendable {
    /// A record with what the rules made of it, ready to append.
    public struct Entry: Sendable {
        public var offset: Int64
        /// Milliseconds since the epoch.
        public var timestamp: Int64?
        public var value: [UInt8]?
        public var headers: [(name: String, value: [UInt8]?)]
        public var judgement: Judgement

        public init(offset: Int64, timestamp: Int64?, value: [UInt8]?, headers: [(name: String, value: [UInt8]?)], judgement: Judgement) {
            self.offset = offset
            self.timestamp = timestamp
            self.value = value
            self.headers = headers
            self.judgement = judgement
        }
    }

    /// Where an appended record landed.
    public struct Appended: Sendable, Hashable {
        public let index: UInt64
        public let offset: Int64
        public let leafHash: SHA256Hash
    }

    /// One committed state, read together: the tree and the subject map agree.
    public struct Snapshot: Sendable {
        public let size: UInt64
        public let root: SHA256Hash
        public let subjects: SubjectMap
    }

    /// The newest signed checkpoint and the subject map it commits to, from which citizens'
    /// completeness proofs are served.
    public struct SignedCheckpoint: Sendable {
        public let size: UInt64
        public let note: String
        public let mapNote: String
        public let subjects: SubjectMap
    }

    /// The in-memory summary of the durable state: always that of the last committed batch.
    struct State: Sendable {
        var frontier: MerkleFrontier
        var chainHead: SHA256Hash
        var subjects: SubjectMap
        var nextOffset: Int64
        /// The leaves below this index have had their outputs delivered (durable as of the last write).
        var outputsPublished: UInt64
        /// `nil` until a checkpoint covers every leaf present when the ledger was opened.
        var checkpoint: SignedCheckpoint?
    }

    public let origin: String
    public let topic: String
    public let partition: Int32
    let database: DatabasePool
    let keys: PayloadKeys
    let state: Mutex<State>

    /// Opens (creating if needed) the ledger of `topic`/`partition` at `path`, sealing its records' payloads under
    /// `keys`. A database that belongs to another ledger is refused.
    public init(path: String, origin: String, topic: String, partition: Int32, keys: PayloadKeys) throws {
        var configuration = Configuration()
        // Another process (a verifier, an operator's tool) may hold a lock for a moment: wait for it.
        configuration.busyMode = .timeout(10)
        // Batches commit without waiting for the disk: a power loss may take the last ones back, and they are
        // ingested again to the same bytes. Only signing a checkpoint waits for the disk (see signCheckpoint).
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // What a record's sealing or erasure replaces is overwritten in the file, not just unlinked.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
        let identity = ["origin": origin, "topic": topic, "partition": String(partition), "format": "1"]
        try database.write { db in
            for (key, value) in identity {
                try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
            }
            let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'origin'") ?? ""
            guard stored == origin else {
                throw LedgerStoreError(.wrongLedger, "this database holds ledger \(stored), not \(origin); check --data-dir")
            }
        }
        self.origin = origin
        self.topic = topic
        self.partition = partition
        self.keys = keys
        state = Mutex(try database.read(Self.loadState))
    }

    private static func loadState(_ db: Database) throws -> State {
        let size = try UInt64(Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leaf") ?? 0)
        let frontier = try MerkleFrontier(size: size, from: NodeReader(db: db))
        let chainHead =
            try Data.fetchOne(db, sql: "SELECT chain_hash FROM leaf ORDER BY idx DESC LIMIT 1").flatMap { SHA256Hash(bytes: $0) }
            ?? HashChain.genesis
        var heads: [SHA256Hash: SubjectMapValue] = [:]
        let rows = try Row.fetchCursor(db, sql: "SELECT ref, count, head FROM subject")
        while let row = try rows.next() {
            let ref: Data = try row.decode(atIndex: 0)
            let head: Data = try row.decode(atIndex: 2)
            guard let key = SHA256Hash(bytes: ref), let headHash = SHA256Hash(bytes: head) else {
                throw LedgerStoreError(.corrupt, "a subject row is not 32 + 32 bytes")
            }
            heads[key] = SubjectMapValue(count: try LedgerReader.index(row.decode(atIndex: 1), "subject count"), chainHead: headHash)
        }
        var subjects = SubjectMap()
        subjects.update(heads)
        let nextOffset = try Int64.fetchOne(db, sql: "SELECT next_offset FROM consumed WHERE id = 1") ?? 0
        // Only the current map is rebuilt, so a checkpoint is served only if it covers every leaf.
        let checkpoint = try Row.fetchOne(db, sql: "SELECT size, note, map_note FROM checkpoint ORDER BY size DESC LIMIT 1").flatMap {
            row -> SignedCheckpoint? in
            let stored = try LedgerReader.checkpointRow(row)
            guard stored.size == size, let mapNote = stored.mapNote else { return nil }
            return SignedCheckpoint(size: size, note: stored.note, mapNote: mapNote, subjects: subjects)
        }
        let published = try LedgerReader.index(Int64.fetchOne(db, sql: "SELECT through FROM published WHERE id = 1") ?? 0, "published mark")
        return State(
            frontier: frontier, chainHead: chainHead, subjects: subjects, nextOffset: nextOffset, outputsPublished: published,
            checkpoint: checkpoint)
    }

    /// A subject reference as a subject-map key (the same 32 bytes).
    static func mapKey(_ subject: SubjectReference) -> SHA256Hash {
        SHA256Hash(bytes: subject.bytes)!
    }

    /// The next Kafka offset this ledger has not consumed.
    public var nextOffset: Int64 { state.withLock { $0.nextOffset } }
    public var size: UInt64 { state.withLock { $0.frontier.size } }
    public var root: SHA256Hash { state.withLock { $0.frontier.root } }
    public var chainHead: SHA256Hash { state.withLock { $0.chainHead } }
    public var subjectMapRoot: SHA256Hash { state.withLock { $0.subjects.rootHash } }
    public var subjectCount: Int { state.withLock { $0.subjects.count } }

    /// The last committed batch's tree and subject map (the map is shared, not copied).
    public var snapshot: Snapshot {
        state.withLock { Snapshot(size: $0.frontier.size, root: $0.frontier.root, subjects: $0.subjects) }
    }

    /// The leaves below this index have had their outputs (receipts, alerts, rejected records) delivered.
    /// Opened from disk, the outputs of the leaves from here on may be missing and are due again.
    public var outputsPublishedThrough: UInt64 { state.withLock { $0.outputsPublished } }

    /// Records that every leaf below `index` has had its outputs delivered. Kept in memory, and written
    /// with the next append (a crash before then means only outputs published twice) or by ``saveOutputsPublished()``.
    public func outputsPublished(through index: UInt64) {
        state.withLock { $0.outputsPublished = max($0.outputsPublished, index) }
    }

    /// Writes everything in the write-ahead log back into the database file and empties the log, so that the
    /// file alone holds the ledger (a clean stop does this; a copy of the file alone is then the whole ledger).
    /// Waits for readers to finish.
    public func mergeWriteAheadLog() async throws {
        try await database.barrierWriteWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// Writes how far outputs were delivered now, for a clean stop.
    public func saveOutputsPublished() async throws {
        let through = outputsPublishedThrough
        try await database.write { db in try Self.savePublished(through, db) }
    }

    private static func savePublished(_ through: UInt64, _ db: Database) throws {
        try db.execute(sql: "UPDATE published SET through = max(through, ?) WHERE id = 1", arguments: [Int64(clamping: through)])
    }

    /// The newest checkpoint saved since the ledger was opened (or at opening, if it covered every leaf).
    public var latestCheckpoint: SignedCheckpoint? { state.withLock { $0.checkpoint } }

    /// Appends a batch of consecutive records and records `nextOffset` as consumed, in one transaction.
    /// Offsets must continue the ledger: the first entry's offset is at least ``nextOffset``, and they rise.
    @discardableResult
    public func append(_ entries: [Entry], nextOffset: Int64) async throws -> [Appended] {
        var next = state.withLock { $0 }
        var previousOffset = next.nextOffset - 1
        var rows: [(index: UInt64, entry: Entry, leaf: [UInt8], leafHash: SHA256Hash, chain: SHA256Hash, indexed: EntryIndex)] = []
        var nodes: [(NodeID, SHA256Hash)] = []
        var touched: [SubjectReference: SubjectMapValue] = [:]
        for entry in entries {
            guard entry.offset > previousOffset else {
                throw LedgerStoreError(.outOfOrder, "offset \(entry.offset) does not follow \(previousOffset) in \(origin)")
            }
            previousOffset = entry.offset
            let judgement = entry.judgement
            let subject = judgement.subject
            let previousSubject = subject.map { touched[$0] ?? next.subjects.value(for: Self.mapKey($0)) ?? .empty }
            let leaf = LedgerLeaf(
                previousChainHash: next.chainHead, topic: topic, partition: partition, offset: entry.offset, timestamp: entry.timestamp,
                valueHash: entry.value.map { SHA256Hash.of($0) }, eventID: judgement.event?.id ?? "",
                eventType: judgement.event?.type.rawValue ?? "",
                producer: judgement.event?.source ?? "", producerSequence: judgement.event?.producerSequence ?? 0, subject: subject,
                subjectScheme: judgement.subjectScheme, previousSubjectHead: previousSubject?.chainHead ?? .zero,
                verdict: judgement.verdict.canonicalJSON)
            let bytes = leaf.encoded
            let leafHash = RFC6962.leafHash(bytes)
            let index = next.frontier.size
            next.frontier.append(leafHash) { node, hash in if node.level > 0 { nodes.append((node, hash)) } }
            next.chainHead = HashChain.next(next.chainHead, leafHash)
            if let subject, let previousSubject { touched[subject] = previousSubject.appending(leafHash: leafHash) }
            rows.append(
                (
                    index, entry, bytes, leafHash, next.chainHead,
                    EntryIndex(leaf: leaf, verdict: VerdictCodes(judgement.verdict), event: judgement.event)
                ))
        }
        guard nextOffset > previousOffset || (entries.isEmpty && nextOffset >= next.nextOffset) else {
            throw LedgerStoreError(.outOfOrder, "next offset \(nextOffset) is not after the batch's last offset \(previousOffset)")
        }
        let sealed = try seal(rows.map { ($0.index, $0.entry.judgement.subject, $0.entry.value, StoredHeaders.encode($0.entry.headers)) })
        next.nextOffset = nextOffset
        let published = next.outputsPublished
        let written = rows
        let writtenNodes = nodes
        let writtenSubjects = touched
        try await database.write { db in
            let insertLeaf = try db.cachedStatement(
                sql:
                    "INSERT INTO leaf(idx, kafka_offset, event_id, applied, subject, leaf, leaf_hash, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            )
            let insertPayload = try db.cachedStatement(sql: "INSERT INTO payload(idx, value, headers, key_id) VALUES (?, ?, ?, ?)")
            let insertNode = try db.cachedStatement(sql: "INSERT INTO node(level, idx, hash) VALUES (?, ?, ?)")
            let insertEntry = try db.cachedStatement(sql: EntryIndex.insertSQL)
            let upsertSubject = try db.cachedStatement(
                sql:
                    "INSERT INTO subject(ref, count, head) VALUES (?, ?, ?) ON CONFLICT(ref) DO UPDATE SET count = excluded.count, head = excluded.head"
            )
            for (row, payload) in zip(written, sealed) {
                let judgement = row.entry.judgement
                try insertLeaf.execute(arguments: [
                    Int64(row.index), row.entry.offset, judgement.event?.id, judgement.verdict.isApplied,
                    judgement.subject.map { Data($0.bytes) },
                    Data(row.leaf), Data(row.leafHash.bytes), Data(row.chain.bytes),
                ])
                try insertPayload.execute(arguments: [Int64(row.index), payload.value, payload.headers, payload.keyID])
                try row.indexed.insert(index: row.index, using: insertEntry)
            }
            for (node, hash) in writtenNodes {
                try insertNode.execute(arguments: [node.level, Int64(node.index), Data(hash.bytes)])
            }
            for (subject, value) in writtenSubjects {
                try upsertSubject.execute(arguments: [Data(subject.bytes), Int64(value.count), Data(value.chainHead.bytes)])
            }
            try db.execute(
                sql: "INSERT INTO consumed(id, next_offset) VALUES (1, ?) ON CONFLICT(id) DO UPDATE SET next_offset = excluded.next_offset",
                arguments: [nextOffset])
            try Self.savePublished(published, db)
        }
        // Durable now: bring the in-memory summary up to it (outputs may have been delivered meanwhile).
        next.subjects.update(Dictionary(uniqueKeysWithValues: writtenSubjects.map { (Self.mapKey($0.key), $0.value) }))
        state.withLock { current in
            next.outputsPublished = current.outputsPublished
            current = next
        }
        return rows.map { Appended(index: $0.index, offset: $0.entry.offset, leafHash: $0.leafHash) }
    }

    /// Keeps a witness's cosigned copy of one of this ledger's checkpoints, if its text is exactly a checkpoint stored
    /// here (the caller checks the witness's signature); the first one kept for a checkpoint and witness is never
    /// replaced. Returns whether it is kept.
    @discardableResult
    public func storeCosigned(_ note: SignedNote, witness: String) async throws -> Bool {
        // The size is the note's to claim; no ledger holds a checkpoint beyond what SQLite's integers count.
        guard let checkpoint = try? Checkpoint(text: note.text), checkpoint.origin == origin, let size = Int64(exactly: checkpoint.size)
        else { return false }
        return try await database.write { db in
            let stored = try String.fetchOne(db, sql: "SELECT note FROM checkpoint WHERE size = ?", arguments: [size])
            guard let stored, (try? SignedNote(parsing: Array(stored.utf8)))?.text == note.text else { return false }
            try db.execute(
                sql: "INSERT OR IGNORE INTO cosigned(size, witness, note) VALUES (?, ?, ?)", arguments: [size, witness, note.formatted])
            return true
        }
    }

    /// Runs read-only work (proofs, leaves, history) on a consistent snapshot.
    public func read<T: Sendable>(_ body: @escaping @Sendable (LedgerReader) throws -> T) async throws -> T {
        try await database.read { [keys, origin] db in try body(LedgerReader(db: db, keys: keys, origin: origin)) }
    }

    /// The same, blocking the calling thread: for callers that are not on Swift's cooperative pool.
    public func readSynchronously<T>(_ body: (LedgerReader) throws -> T) throws -> T {
        try database.read { db in try body(LedgerReader(db: db, keys: keys, origin: origin)) }
    }

    /// Signs a log checkpoint and a subject-map checkpoint of the last committed batch, and stores
    /// them (idempotent). LedgerIngest signs only a ready partition (`PartitionState`): no append of it is running.
    ///
    /// Batches commit with `synchronous=NORMAL`, so the last ones may still be only in the OS's cache. A
    /// signed checkpoint is a promise to the world, so it is stored with `synchronous=FULL`: its commit
    /// syncs the write-ahead log, and with it every leaf it covers, before the checkpoint can be published.
    @discardableResult
    public func signCheckpoint(with signer: NoteSigner) async throws -> (size: UInt64, log: SignedNote, map: SignedNote) {
        let snapshot = self.snapshot
        let checkpoint = try Checkpoint(origin: origin, size: snapshot.size, root: snapshot.root)
        let note = try SignedNote.checkpoint(checkpoint, signedBy: signer)
        var mapNote = try SignedNote(
            text: MapCheckpoint(log: checkpoint, keyCount: UInt64(snapshot.subjects.count), mapRoot: snapshot.subjects.rootHash).text)
        try mapNote.sign(with: signer)
        let saved = SignedCheckpoint(size: snapshot.size, note: note.formatted, mapNote: mapNote.formatted, subjects: snapshot.subjects)
        try await database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            defer { try? db.execute(sql: "PRAGMA synchronous = NORMAL") }
            try db.inTransaction {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO checkpoint(size, note, map_note) VALUES (?, ?, ?)",
                    arguments: [Int64(saved.size), saved.note, saved.mapNote])
                return .commit
            }
        }
        state.withLock { if saved.size >= $0.checkpoint?.size ?? 0 { $0.checkpoint = saved } }
        return (saved.size, note, mapNote)
    }
}
