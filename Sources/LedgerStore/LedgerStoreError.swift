/// What can go wrong with a partition ledger on disk: a ``Code`` to match, a reason in words, and where it was thrown.
public struct LedgerStoreError: Error, Sendable, CustomStringConvertible {
    /// An extensible set of failure kinds; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The database belongs to another partition ledger than the one asked for.
        public static let wrongLedger = Code("wrongLedger")
        /// Stored state contradicts itself (a tree node, a chain link, a stored value is not what it must be).
        public static let corrupt = Code("corrupt")
        /// A batch does not continue the ledger where it ends, or a leaf asked for is not there.
        public static let outOfOrder = Code("outOfOrder")
        /// The ledger file to read does not exist.
        public static let missingFile = Code("missingFile")
        /// The file to write exists already, and is not replaced.
        public static let fileExists = Code("fileExists")
        /// The file to write cannot be created.
        public static let cannotCreate = Code("cannotCreate")
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: Int

    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String {
        switch code {
        case .corrupt: "the ledger database is inconsistent: \(reason); rebuild it by replaying the partition"
        case .outOfOrder: "out of order: \(reason)"
        default: reason
        }
    }
}
