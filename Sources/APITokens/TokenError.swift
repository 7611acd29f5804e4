import CodedErrors

/// Why a token was refused, or why a key set cannot be used: a reason in plain words, for the person who sent it.
public typealias TokenError = CodedError<TokenErrorDomain>

/// The domain of ``TokenError``: its codes follow.
public enum TokenErrorDomain: ErrorDomain {}

extension CodedError.Code where Domain == TokenErrorDomain {
    /// A token failed one of the checks (``TokenVerifier``): the API answers 401.
    public static var refused: Self { Self("refused") }
    /// A JSON Web Key Set cannot be used: ledgerd does not start.
    public static var unusableKeySet: Self { Self("unusableKeySet") }
}

extension CodedError where Domain == TokenErrorDomain {
    /// A token refused, with what its holder should do.
    static func refused(_ reason: String, file: String = #fileID, line: Int = #line) -> TokenError {
        TokenError(.refused, "\(reason); ask its issuer for a new one", file: file, line: line)
    }
}
