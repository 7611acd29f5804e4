/// What can go wrong with a partition ledger on disk.
public enum LedgerStoreError: Error, Equatable, CustomStringConvertible {
    /// The bytes of a leaf do not follow the leaf format.
    case malformedLeaf(String)
    /// The database belongs to another partition ledger than the one asked for.
    case wrongLedger(expected: String, found: String)
    /// Stored state contradicts itself (a tree node, a chain link or an offset is not what it must be).
    case corrupt(String)
    /// A batch does not continue the ledger where it ends.
    case outOfOrder(String)

    public var description: String {
        switch self {
        case .malformedLeaf(let reason): "malformed leaf: \(reason)"
        case .wrongLedger(let expected, let found): "this database holds ledger \(found), not \(expected); check --data-dir"
        case .corrupt(let reason): "the ledger database is inconsistent: \(reason); rebuild it by replaying the partition"
        case .outOfOrder(let reason): "out of order: \(reason)"
        }
    }
}
