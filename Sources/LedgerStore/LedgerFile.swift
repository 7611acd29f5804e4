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
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs `body` on one consistent snapshot of the file.
    public func read<T>(_ body: (LedgerReader) throws -> T) throws -> T {
        try queue.read { try body(LedgerReader(db: $0)) }
    }
}
