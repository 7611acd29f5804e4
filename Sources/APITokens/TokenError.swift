/// Why a token was refused, or why a key set cannot be used: a reason in plain words, for the person who sent it.
public struct TokenError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A token failed one of the checks (``TokenVerifier``): the API answers 401.
        public static let refused = Code("refused")
        /// A JSON Web Key Set cannot be used: ledgerd does not start.
        public static let unusableKeySet = Code("unusableKeySet")
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

    /// A token refused, with what its holder should do.
    static func refused(_ reason: String, file: String = #fileID, line: Int = #line) -> TokenError {
        TokenError(.refused, "\(reason); ask its issuer for a new one", file: file, line: line)
    }
}
