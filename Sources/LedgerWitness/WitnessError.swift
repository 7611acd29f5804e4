import CodedErrors

/// A witness failure that is not an alarm about a ledger: the witness could not keep its own state.
public typealias WitnessError = CodedError<WitnessErrorDomain>

/// The domain of ``WitnessError``: its codes follow.
public enum WitnessErrorDomain: ErrorDomain {}

extension CodedError.Code where Domain == WitnessErrorDomain {
    /// The witness state file is not one: restore it, or move it away to witness afresh.
    public static var stateFileMalformed: Self { Self("stateFileMalformed") }
    /// The witness state file cannot be written.
    public static var stateFileUnwritable: Self { Self("stateFileUnwritable") }
}
