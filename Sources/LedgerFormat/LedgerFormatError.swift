import CodedErrors

/// Bytes that do not follow the ledger's format: a ``Code`` to match, a reason in words, and where it was thrown.
public typealias LedgerFormatError = CodedError<LedgerFormatErrorDomain>

/// Bytes that are not in the ledger's format.
public enum LedgerFormatErrorDomain: ErrorDomain {
    public static func describe(_ error: LedgerFormatError) -> String {
        "\(error.code == .malformedStatement ? "malformed subject key statement" : "malformed leaf"): \(error.reason)"
    }
}

extension CodedError.Code where Domain == LedgerFormatErrorDomain {
    /// The bytes of a leaf, or of the headers stored beside it, do not follow docs/ledger-format.md.
    public static var malformedLeaf: Self { Self("malformedLeaf") }
    /// A subject key statement that does not follow docs/ledger-format.md, or that the ledger key did not sign.
    public static var malformedStatement: Self { Self("malformedStatement") }
}
