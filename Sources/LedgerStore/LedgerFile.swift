import Foundation
import GRDB

/// A ledger database opened read-only, as a verifier opens it: nothing is migrated or written, and
/// the running ledgerd (if any) is not disturbed.
public struct LedgerFile: Sendable {
    let queue: DatabaseQueue

    let keys: PayloadKeys?

    /// Reads the file at `path`; sealed payloads are opened with `keys` (without it, reading one is an error).
    public init(readingAt path: String, keys: PayloadKeys? = nil) throws {
        self.keys = keys
        guard FileManager.default.fileExists(atPath: path) else { throw LedgerStoreError(.missingFile, "\(path) does not exist") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A verifier reads every page once, in order: map the file rather than copy each page through a syscall.
            try db.execute(sql: "PRAGMA mmap_size = 17179869184")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs `body` on one consistent snapshot of the file.
    public func read<T>(_ body: (LedgerReader) throws -> T) throws -> T {
        try queue.read { db in
            // A file that holds no ledger has no origin: its reader says so when asked (``LedgerReader/holdsLedger``).
            let origin = (try? String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'origin'")) ?? nil
            return try body(LedgerReader(db: db, keys: keys, origin: origin ?? ""))
        }
    }

    /// Copies one consistent snapshot of the ledger, write-ahead log included, into a new file at `path` with
    /// SQLite's online backup (a writer keeps writing meanwhile), made readable by the owner only. Returns the
    /// snapshot's leaf count.
    public func backup(to path: String) throws -> UInt64 {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw LedgerStoreError(.fileExists, "\(path) exists already: not overwritten")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw LedgerStoreError(.cannotCreate, "cannot create \(path)")
        }
        let copy = try DatabaseQueue(path: path)
        try queue.backup(to: copy)
        // The copy is a file on its own: its log, if any, goes back into it.
        try copy.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = DELETE")
        }
        try copy.close()
        return try LedgerFile(readingAt: path).read { try $0.size }
    }
}
