import ConsentModel
import Foundation
import GRDB
import MerkleLog
import Synchronization

/// One Kafka partition's verifiable ledger, in its own SQLite database (WAL; one writer, many readers).
///
/// Everything a batch changes (leaves, payloads, tree nodes, subject rows, the next offset to consume)
/// is written in one transaction, so after a crash the ledger is exactly as of its last committed
/// batch and the consumer resumes at the offset stored with it: nothing lost, nothing twice.
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

    /// The in-memory summary of the durable state: always that of the last committed batch.
    struct State: Sendable {
        var frontier: MerkleFrontier
        var chainHead: SHA256Hash
        var subjects: SubjectMap
        var nextOffset: Int64
    }

    public let origin: String
    public let topic: String
    public let partition: Int32
    let database: DatabasePool
    let state: Mutex<State>

    /// Opens (creating if needed) the ledger of `topic`/`partition` at `path`. A database that belongs
    /// to another ledger is refused.
    public init(path: String, origin: String, topic: String, partition: Int32) throws {
        var configuration = Configuration()
        // Another process (a verifier, an operator's tool) may hold a lock for a moment: wait for it.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        database = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(database)
        let identity = ["origin": origin, "topic": topic, "partition": String(partition), "format": "1"]
        try database.write { db in
            for (key, value) in identity {
                try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
            }
            let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'origin'") ?? ""
            guard stored == origin else { throw LedgerStoreError.wrongLedger(expected: origin, found: stored) }
        }
        self.origin = origin
        self.topic = topic
        self.partition = partition
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
            let ref: Data = row["ref"]
            let head: Data = row["head"]
            guard let key = SHA256Hash(bytes: ref), let headHash = SHA256Hash(bytes: head) else {
                throw LedgerStoreError.corrupt("a subject row is not 32 + 32 bytes")
            }
            heads[key] = SubjectMapValue(count: row["count"], chainHead: headHash)
        }
        var subjects = SubjectMap()
        subjects.update(heads)
        let nextOffset = try Int64.fetchOne(db, sql: "SELECT next_offset FROM consumed WHERE id = 1") ?? 0
        return State(frontier: frontier, chainHead: chainHead, subjects: subjects, nextOffset: nextOffset)
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

    /// Size, root and subject map of the last committed batch, read together.
    public var snapshot: (size: UInt64, root: SHA256Hash, subjectMapRoot: SHA256Hash, subjectCount: Int) {
        state.withLock { ($0.frontier.size, $0.frontier.root, $0.subjects.rootHash, $0.subjects.count) }
    }

    /// Appends a batch of consecutive records and records `nextOffset` as consumed, in one transaction.
    /// Offsets must continue the ledger: the first entry's offset is at least ``nextOffset``, and they rise.
    @discardableResult
    public func append(_ entries: [Entry], nextOffset: Int64) async throws -> [Appended] {
        var next = state.withLock { $0 }
        var previousOffset = next.nextOffset - 1
        var rows: [(index: UInt64, entry: Entry, leaf: [UInt8], leafHash: SHA256Hash, chain: SHA256Hash)] = []
        var nodes: [(NodeID, SHA256Hash)] = []
        var touched: [SubjectReference: SubjectMapValue] = [:]
        for entry in entries {
            guard entry.offset > previousOffset else {
                throw LedgerStoreError.outOfOrder("offset \(entry.offset) does not follow \(previousOffset) in \(origin)")
            }
            previousOffset = entry.offset
            let judgement = entry.judgement
            let subject = judgement.subject
            let previousSubject = subject.flatMap { touched[$0] ?? next.subjects.value(for: Self.mapKey($0)) }
            let leaf = LedgerLeaf(
                previousChainHash: next.chainHead, topic: topic, partition: partition, offset: entry.offset, timestamp: entry.timestamp,
                valueHash: entry.value.map { SHA256Hash.of($0) }, eventID: judgement.event?.id ?? "",
                eventType: judgement.event?.type.rawValue ?? "",
                producer: judgement.event?.source ?? "", producerSequence: judgement.event?.producerSequence ?? 0, subject: subject,
                previousSubjectHead: previousSubject?.chainHead ?? .zero, verdict: judgement.verdict.canonicalJSON)
            let bytes = leaf.encoded
            let leafHash = RFC6962.leafHash(bytes)
            let index = next.frontier.size
            next.frontier.append(leafHash) { node, hash in if node.level > 0 { nodes.append((node, hash)) } }
            next.chainHead = HashChain.next(next.chainHead, leafHash)
            if let subject {
                touched[subject] = SubjectMapValue(
                    count: (previousSubject?.count ?? 0) + 1,
                    chainHead: LedgerLeaf.nextSubjectHead(previousSubject?.chainHead ?? .zero, leafHash: leafHash))
            }
            rows.append((index, entry, bytes, leafHash, next.chainHead))
        }
        guard nextOffset > previousOffset || (entries.isEmpty && nextOffset >= next.nextOffset) else {
            throw LedgerStoreError.outOfOrder("next offset \(nextOffset) is not after the batch's last offset \(previousOffset)")
        }
        next.nextOffset = nextOffset
        let written = rows
        let writtenNodes = nodes
        let writtenSubjects = touched
        try await database.write { db in
            let insertLeaf = try db.cachedStatement(
                sql:
                    "INSERT INTO leaf(idx, kafka_offset, event_id, applied, subject, leaf, leaf_hash, chain_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            )
            let insertPayload = try db.cachedStatement(sql: "INSERT INTO payload(idx, value, headers) VALUES (?, ?, ?)")
            let insertNode = try db.cachedStatement(sql: "INSERT INTO node(level, idx, hash) VALUES (?, ?, ?)")
            let upsertSubject = try db.cachedStatement(
                sql:
                    "INSERT INTO subject(ref, count, head) VALUES (?, ?, ?) ON CONFLICT(ref) DO UPDATE SET count = excluded.count, head = excluded.head"
            )
            for row in written {
                let judgement = row.entry.judgement
                try insertLeaf.execute(arguments: [
                    Int64(row.index), row.entry.offset, judgement.event?.id, judgement.verdict.isApplied,
                    judgement.subject.map { Data($0.bytes) },
                    Data(row.leaf), Data(row.leafHash.bytes), Data(row.chain.bytes),
                ])
                try insertPayload.execute(arguments: [
                    Int64(row.index), row.entry.value.map { Data($0) }, Data(StoredHeaders.encode(row.entry.headers)),
                ])
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
        }
        // Durable now: bring the in-memory summary up to it.
        next.subjects.update(Dictionary(uniqueKeysWithValues: writtenSubjects.map { (Self.mapKey($0.key), $0.value) }))
        state.withLock { $0 = next }
        return rows.map { Appended(index: $0.index, offset: $0.entry.offset, leafHash: $0.leafHash) }
    }

    /// Runs read-only work (proofs, leaves, history) on a consistent snapshot.
    public func read<T: Sendable>(_ body: @escaping @Sendable (LedgerReader) throws -> T) async throws -> T {
        try await database.read { db in try body(LedgerReader(db: db)) }
    }

    /// The same, blocking the calling thread: for callers that are not on Swift's cooperative pool.
    public func readSynchronously<T>(_ body: (LedgerReader) throws -> T) throws -> T {
        try database.read { db in try body(LedgerReader(db: db)) }
    }

    /// Stores the signed log checkpoint and subject-map checkpoint for `size` (idempotent).
    public func saveCheckpoint(size: UInt64, note: String, mapNote: String) async throws {
        try await database.write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO checkpoint(size, note, map_note) VALUES (?, ?, ?)", arguments: [Int64(size), note, mapNote])
        }
    }
}
