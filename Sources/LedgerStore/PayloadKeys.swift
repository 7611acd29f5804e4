import ConsentModel
import Crypto
import Foundation
import GRDB
import Synchronization

/// The data keys that seal records at rest (AES-256-GCM), in a database of their own beside the ledgers, each key
/// wrapped under a master key that is kept elsewhere (docs/privacy.md). A subject's records are sealed under the
/// subject's key, so that destroying that key erases them from every copy that lacks it; records without a subject
/// (rejected ones) under their ledger's key.
///
/// A key is written, and synced to disk, before any record is sealed under it: a ledger never holds a payload whose
/// key a crash could lose.
public final class PayloadKeys: Sendable {
    /// Whose records a key seals.
    public enum Owner: Hashable, Sendable {
        case subject(SubjectReference)
        /// The ledger (by origin) of records that belong to no subject.
        case ledger(String)

        /// As stored, and bound into the key's wrapping: a key cannot be moved to another owner.
        var name: String {
            switch self {
            case .subject(let reference): "subject:" + reference.bytes.map { String(format: "%02x", $0) }.joined()
            case .ledger(let origin): "ledger:" + origin
            }
        }
    }

    /// A data key and its number in the store, which each sealed payload names.
    public struct DataKey: Sendable {
        public let id: Int64
        let key: SymmetricKey
    }

    private struct Cache {
        var byID: [Int64: SymmetricKey] = [:]
        var current: [Owner: Int64] = [:]
    }

    private let database: DatabaseQueue
    private let masterKey: SymmetricKey
    private let cache = Mutex(Cache())

    /// Opens (creating if needed) the key store at `path`; `masterKey` unwraps its keys. `readingOnly` opens an existing
    /// store without writing to it, as a verifier or a backup does.
    public init(path: String, masterKey: SymmetricKey, readingOnly: Bool = false) throws {
        var configuration = Configuration()
        configuration.readonly = readingOnly
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A destroyed key's bytes are overwritten in the file, not just unlinked from it.
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        if !FileManager.default.fileExists(atPath: path) {
            guard !readingOnly else { throw LedgerStoreError(.missingFile, "there is no key store at \(path)") }
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw LedgerStoreError(.cannotCreate, "cannot create the key store \(path)")
            }
        }
        database = try DatabaseQueue(path: path, configuration: configuration)
        self.masterKey = masterKey
        guard !readingOnly else { return }
        try database.write { db in
            try db.execute(
                sql: """
                    -- One row per data key, wrapped (AES-GCM, the owner's name as associated data) under the master key.
                    -- The newest key of an owner seals its new records.
                    CREATE TABLE IF NOT EXISTS data_key (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, wrapped BLOB NOT NULL);
                    CREATE INDEX IF NOT EXISTS data_key_owner ON data_key(owner, id);
                    """)
        }
    }

    /// Copies one consistent snapshot of the store into a new file at `path` (owner-only) with SQLite's online backup.
    /// Returns how many keys it holds.
    public func backup(to path: String) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw LedgerStoreError(.cannotCreate, "cannot create \(path)")
        }
        let copy = try DatabaseQueue(path: path)
        try database.backup(to: copy)
        let count = try copy.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM data_key") ?? 0 }
        try copy.close()
        return count
    }

    /// The keys that seal new records of each owner: the newest of each, made (and synced to disk, in one
    /// transaction) for owners that have none.
    public func sealingKeys(for owners: Set<Owner>) throws -> [Owner: DataKey] {
        var keys: [Owner: DataKey] = [:]
        var missing: [Owner] = []
        cache.withLock { cache in
            for owner in owners {
                if let id = cache.current[owner], let key = cache.byID[id] {
                    keys[owner] = DataKey(id: id, key: key)
                } else {
                    missing.append(owner)
                }
            }
        }
        guard !missing.isEmpty else { return keys }
        let made = try database.writeWithoutTransaction { db in
            // A key must be on disk before a ledger's commit can hold a record sealed under it.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            var made: [Owner: DataKey] = [:]
            try db.inTransaction(.immediate) {
                for owner in missing {
                    if let row = try Row.fetchOne(
                        db, sql: "SELECT id, wrapped FROM data_key WHERE owner = ? ORDER BY id DESC LIMIT 1", arguments: [owner.name])
                    {
                        made[owner] = DataKey(id: try row.decode(atIndex: 0), key: try unwrap(try row.decode(atIndex: 1), owner: owner))
                    } else {
                        let key = SymmetricKey(size: .bits256)
                        try db.execute(
                            sql: "INSERT INTO data_key(owner, wrapped) VALUES (?, ?)", arguments: [owner.name, try wrap(key, owner: owner)])
                        made[owner] = DataKey(id: db.lastInsertedRowID, key: key)
                    }
                }
                return .commit
            }
            return made
        }
        cache.withLock { cache in
            for (owner, key) in made {
                cache.current[owner] = key.id
                cache.byID[key.id] = key.key
            }
        }
        return keys.merging(made) { first, _ in first }
    }

    /// Makes a new key for `owner` (on disk when this returns), which seals its records from now on: what an erasure
    /// re-seals the records it keeps under, before it destroys the keys they were under.
    public func newKey(for owner: Owner) throws -> DataKey {
        let key = SymmetricKey(size: .bits256)
        let id = try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "INSERT INTO data_key(owner, wrapped) VALUES (?, ?)", arguments: [owner.name, try wrap(key, owner: owner)])
            return db.lastInsertedRowID
        }
        cache.withLock { cache in
            cache.current[owner] = id
            cache.byID[id] = key
        }
        return DataKey(id: id, key: key)
    }

    /// The key numbered `id`, or `nil` once it was destroyed (or never was).
    public func key(id: Int64) throws -> SymmetricKey? {
        if let key = cache.withLock({ $0.byID[id] }) { return key }
        guard
            let row = try database.read({ db in
                try Row.fetchOne(db, sql: "SELECT owner, wrapped FROM data_key WHERE id = ?", arguments: [id])
            })
        else { return nil }
        let key = try unwrap(try row.decode(atIndex: 1), ownerName: try row.decode(atIndex: 0))
        cache.withLock { $0.byID[id] = key }
        return key
    }

    /// The numbers of every key `owner` has (oldest first).
    public func keyIDs(of owner: Owner) throws -> [Int64] {
        try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM data_key WHERE owner = ? ORDER BY id", arguments: [owner.name])
        }
    }

    /// Destroys the keys numbered `ids` (those already gone are skipped): their rows are overwritten in the file (the
    /// rollback journal that held them for the transaction is deleted at its end). What they sealed can no longer be
    /// read from any copy of a ledger, unless a copy of this store made before is opened with the master key.
    public func destroy(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        cache.withLock { cache in
            for id in ids { cache.byID[id] = nil }
            cache.current = cache.current.filter { !ids.contains($0.value) }
        }
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.inTransaction {
                for id in ids { try db.execute(sql: "DELETE FROM data_key WHERE id = ?", arguments: [id]) }
                return .commit
            }
        }
    }

    private func wrap(_ key: SymmetricKey, owner: Owner) throws -> Data {
        let bytes = key.withUnsafeBytes { Data($0) }
        guard let sealed = try AES.GCM.seal(bytes, using: masterKey, authenticating: Data(owner.name.utf8)).combined else {
            throw LedgerStoreError(.corrupt, "AES-GCM gave no combined form with its default nonce")
        }
        return sealed
    }

    private func unwrap(_ wrapped: Data, owner: Owner) throws -> SymmetricKey {
        try unwrap(wrapped, ownerName: owner.name)
    }

    private func unwrap(_ wrapped: Data, ownerName: String) throws -> SymmetricKey {
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped)
            return SymmetricKey(data: try AES.GCM.open(box, using: masterKey, authenticating: Data(ownerName.utf8)))
        } catch {
            throw LedgerStoreError(
                .wrongMasterKey,
                "a data key of \(ownerName) does not open under this master key: start with the master key this key store was made with (--master-key)"
            )
        }
    }
}
