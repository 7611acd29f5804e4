/// What went wrong talking to ledgerd, or with what it served: a ``Code`` to match, a reason, and where it was thrown.
public struct LedgerClientError: Error, Sendable, CustomStringConvertible {
    /// An extensible set of failure kinds; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// ledgerd could not be reached, or the exchange failed.
        public static let unreachable = Code("unreachable")
        /// ledgerd refused the token (401 or 403): another role's token is needed.
        public static let tokenRefused = Code("tokenRefused")
        /// ledgerd answered with a status the API document does not give that request.
        public static let unexpectedStatus = Code("unexpectedStatus")
        /// ledgerd's answer breaks the API document's promises (order, signs, hashes).
        public static let malformedAnswer = Code("malformedAnswer")
        /// What ledgerd served does not prove what it claims: an alarm about the server, not a client failure.
        public static let unproven = Code("unproven")
    }

    public let code: Code
    public let reason: String
    public let file: String
    public let line: Int

    init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { reason }
}
