import CodedErrors

/// Why the ledger's secrets cannot be had: a ``Code`` to match, a reason that says what to do, and where it was thrown.
public typealias LedgerIdentityError = CodedError<LedgerIdentityErrorDomain>

/// The domain of ``LedgerIdentityError``: its codes follow.
public enum LedgerIdentityErrorDomain: ErrorDomain {}

extension CodedError.Code where Domain == LedgerIdentityErrorDomain {
    /// A secret is missing where something depends on it: it must be restored, not made.
    public static var secretMissing: Self { Self("secretMissing") }
    /// A secret file does not hold what it must (base64 of the key's bytes).
    public static var secretMalformed: Self { Self("secretMalformed") }
}
