/// Why the ledger's secrets cannot be had: a ``Code`` to match, a reason that says what to do, and where it was thrown.
public struct LedgerIdentityError: Error, Sendable, CustomStringConvertible {
    /// An extensible set of failure kinds; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A secret is missing where something depends on it: it must be restored, not made.
        public static let secretMissing = Code("secretMissing")
        /// A secret file does not hold what it must (base64 of the key's bytes).
        public static let secretMalformed = Code("secretMalformed")
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

    public var description: String { reason }
}
