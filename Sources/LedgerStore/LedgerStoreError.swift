import CodedErrors

/// What can go wrong with a partition ledger on disk: a ``Code`` to match, a reason in words, and where it was thrown.
public typealias LedgerStoreError = CodedError<LedgerStoreErrorDomain>

/// A partition ledger on disk.
public enum LedgerStoreErrorDomain: ErrorDomain {
    public static func describe(_ error: LedgerStoreError) -> String {
        switch error.code {
        case .corrupt: "the ledger database is inconsistent: \(error.reason); rebuild it by replaying the partition"
        case .outOfOrder: "out of order: \(error.reason)"
        default: error.reason
        }
    }
}

extension CodedError.Code where Domain == LedgerStoreErrorDomain {
    /// The database belongs to another partition ledger than the one asked for.
    public static var wrongLedger: Self { Self("wrongLedger") }
    /// Stored state contradicts itself (a tree node, a chain link, a stored value is not what it must be).
    public static var corrupt: Self { Self("corrupt") }
    /// A batch does not continue the ledger where it ends, or a leaf asked for is not there.
    public static var outOfOrder: Self { Self("outOfOrder") }
    /// The ledger file to read does not exist.
    public static var missingFile: Self { Self("missingFile") }
    /// The file to write exists already, and is not replaced.
    public static var fileExists: Self { Self("fileExists") }
    /// A sealed payload was asked of a reader without the key store.
    public static var sealed: Self { Self("sealed") }
    /// A data key of the key store does not open under the master key given.
    public static var wrongMasterKey: Self { Self("wrongMasterKey") }
    /// The file to write cannot be created.
    public static var cannotCreate: Self { Self("cannotCreate") }
}
