import ConsentModel
import Foundation
import GRDB
import LedgerFormat

extension PartitionLedger {
    /// What an erasure did, for the log.
    public struct Erasure: Sendable, Equatable {
        /// The index of the leaf that ordered it.
        public let orderedBy: UInt64
        /// How many of the subject's records lost their payload.
        public let erased: Int
        /// How many data keys were destroyed.
        public let destroyedKeys: Int
    }

    /// Carries out the erasure the applied leaf at `index` orders: the records of `subject` up to that leaf that `scope`
    /// covers lose their payload (overwritten, and marked as erased by `index`), along with what the query index took
    /// from them; the subject's other records (if any) are sealed again under a new key; then every key its records were
    /// sealed under before is destroyed, so that no copy of the ledger can open the erased ones. Leaves, hashes and
    /// proofs are untouched. Idempotent: an erasure carried out already only finishes destroying its keys.
    public func erase(orderedBy index: UInt64, subject: SubjectReference, scope: ErasureRequest.Scope) throws -> Erasure {
        let owner = PayloadKeys.Owner.subject(subject)
        let retired = try keys.keyIDs(of: owner)
        let erased = try database.write { db -> Int? in
            guard try !Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM erasure WHERE idx = ?)", arguments: [Int64(index)])! else {
                return nil
            }
            var erased = 0
            // Made (and on disk) before the first record kept is sealed under it, and only if one is.
            var fresh: PayloadKeys.DataKey?
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT leaf.idx, leaf.leaf, payload.value, payload.headers, payload.key_id FROM leaf JOIN payload USING (idx)
                    WHERE leaf.subject = ? AND payload.erased_by IS NULL ORDER BY leaf.idx
                    """,
                arguments: [Data(subject.bytes)])
            for row in rows {
                let at = try LedgerReader.index(row, 0)
                let leaf = try LedgerLeaf(decoding: Array(try row.decode(Data.self, atIndex: 1)))
                if at <= index, scope.covers(kafkaTimestamp: leaf.timestamp) {
                    try db.execute(
                        sql: "UPDATE payload SET value = NULL, headers = x'', key_id = NULL, redacted = 1, erased_by = ? WHERE idx = ?",
                        arguments: [Int64(index), Int64(at)])
                    try EntryIndex.forgetRecord(at: at, of: leaf, db)
                    erased += 1
                } else {
                    fresh = try fresh ?? keys.newKey(for: owner)
                    try reseal(row, at: at, under: fresh!, db)
                }
            }
            try db.execute(
                sql: "INSERT INTO erasure(idx, subject, erased, retired_keys, keys_destroyed) VALUES (?, ?, ?, ?, 0)",
                arguments: [Int64(index), Data(subject.bytes), erased, retired.map(String.init).joined(separator: " ")])
            return erased
        }
        let destroyed = try destroyRetiredKeys()
        return Erasure(orderedBy: index, erased: erased ?? 0, destroyedKeys: destroyed)
    }

    /// Destroys the keys of erasures carried out whose keys a crash kept from being destroyed, and returns how many.
    @discardableResult
    public func destroyRetiredKeys() throws -> Int {
        let pending = try database.read { db in
            try Row.fetchAll(db, sql: "SELECT idx, retired_keys FROM erasure WHERE keys_destroyed = 0").map {
                (try LedgerReader.index($0, 0), (try $0.decode(String.self, atIndex: 1)).split(separator: " ").compactMap { Int64($0) })
            }
        }
        for (index, ids) in pending {
            try keys.destroy(ids)
            try database.write { db in try db.execute(sql: "UPDATE erasure SET keys_destroyed = 1 WHERE idx = ?", arguments: [Int64(index)])
            }
        }
        return pending.reduce(0) { $0 + $1.1.count }
    }

    /// The applied erasure requests of this ledger not yet carried out (a crash came between their leaf and their
    /// erasure), in leaf order: what opening the ledger carries out.
    public func erasuresDue() throws -> [(index: UInt64, subject: SubjectReference, scope: ErasureRequest.Scope)] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT leaf.idx, leaf.leaf FROM leaf JOIN entry USING (idx)
                    WHERE entry.event_type = ? AND leaf.applied = 1 AND leaf.idx NOT IN (SELECT idx FROM erasure) ORDER BY leaf.idx
                    """,
                arguments: [EventType.erasureRequested.rawValue]
            ).compactMap { row in
                let leaf = try LedgerLeaf(decoding: Array(try row.decode(Data.self, atIndex: 1)))
                guard let subject = leaf.subject, let scope = try VerdictCodes(canonicalJSON: leaf.verdict).erasure else { return nil }
                return (try LedgerReader.index(row, 0), subject, scope)
            }
        }
    }

    /// Opens a kept record of an erased subject and seals it again under `key`.
    private func reseal(_ row: Row, at index: UInt64, under key: PayloadKeys.DataKey, _ db: Database) throws {
        let keyID: Int64? = try row.decode(atIndex: 4)
        let value: Data? = try row.decode(atIndex: 2)
        let headers: Data = try row.decode(atIndex: 3)
        guard let keyID, let old = try keys.key(id: keyID) else {
            throw LedgerStoreError(.corrupt, "record \(index) of a subject being erased is not sealed under a key the store holds")
        }
        func reseal(_ sealed: Data, _ part: SealedPayload.Part) throws -> Data {
            guard let clear = SealedPayload.open(sealed, part, key: old, origin: origin, index: index) else {
                throw LedgerStoreError(.corrupt, "record \(index) of a subject being erased does not open under its key")
            }
            return try SealedPayload.seal(clear, part, key: key.key, origin: origin, index: index)
        }
        try db.execute(
            sql: "UPDATE payload SET value = ?, headers = ?, key_id = ? WHERE idx = ?",
            arguments: [try value.map { try reseal($0, .value) }, try reseal(headers, .headers), key.id, Int64(index)])
    }
}
