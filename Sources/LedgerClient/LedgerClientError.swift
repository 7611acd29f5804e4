import CodedErrors

/// What went wrong talking to ledgerd, or with what it served: a ``Code`` to match, a reason, and where it was thrown.
public typealias LedgerClientError = CodedError<LedgerClientErrorDomain>

/// The domain of ``LedgerClientError``: its codes follow.
public enum LedgerClientErrorDomain: ErrorDomain {}

extension CodedError.Code where Domain == LedgerClientErrorDomain {
    /// ledgerd could not be reached, or the exchange failed.
    public static var unreachable: Self { Self("unreachable") }
    /// ledgerd refused the token (401 or 403): another role's token is needed.
    public static var tokenRefused: Self { Self("tokenRefused") }
    /// ledgerd answered with a status the API document does not give that request.
    public static var unexpectedStatus: Self { Self("unexpectedStatus") }
    /// ledgerd's answer breaks the API document's promises (order, signs, hashes).
    public static var malformedAnswer: Self { Self("malformedAnswer") }
    /// What ledgerd served does not prove what it claims: an alarm about the server, not a client failure.
    public static var unproven: Self { Self("unproven") }
}
