/// Bytes that do not follow the ledger's format: a ``Code`` to match, a reason in words, and where it was thrown.
public struct LedgerFormatError: Error, Sendable, CustomStringConvertible {
    /// An extensible set of failure kinds; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The bytes of a leaf, or of the headers stored beside it, do not follow docs/ledger-format.md.
        public static let malformedLeaf = Code("malformedLeaf")
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

    public var description: String { "malformed leaf: \(reason)" }
}
