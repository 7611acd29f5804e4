import GRDB

/// What a failed SQLite operation on a ledger file means for whoever keeps it, so that callers need not know SQLite's
/// result codes.
public enum StorageFailure: Sendable {
    /// The file system is full: the ledger is sound as of its last commit, and writes succeed again once space is freed.
    case diskFull(String)
    /// The file is not a sound SQLite database.
    case damaged(String)
    /// The file cannot be read or written now (I/O error, permissions, a read-only mount).
    case inaccessible(String)

    /// The failure `error` is, or `nil` when it is no SQLite failure of these kinds.
    public init?(_ error: any Error) {
        guard let error = error as? DatabaseError else { return nil }
        let message = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_FULL: self = .diskFull(message)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: self = .damaged(message)
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM: self = .inaccessible(message)
        default: return nil
        }
    }
}
