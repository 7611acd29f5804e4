import Foundation
import GRDB

/// A ledger database opened read-only, as a verifier opens it: nothing is migrated or written, and
/// the running ledgerd (if any) is not disturbed.
public struct LedgerFile: Sendable {
    let queue: DatabaseQueue

    public init(readingAt path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw LedgerStoreError.corrupt("\(path) does not exist") }
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
        try queue.read { try body(LedgerReader(db: $0)) }
    }
}
