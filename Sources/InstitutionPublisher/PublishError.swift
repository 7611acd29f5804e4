import CodedErrors

/// A publishing failure: a ``Code`` to match, a reason that says what to do next, and where it was thrown.
public typealias PublishError = CodedError<PublishErrorDomain>

/// The domain of ``PublishError``: its codes follow.
public enum PublishErrorDomain: ErrorDomain {}

extension CodedError.Code where Domain == PublishErrorDomain {
    /// The institution key file cannot be read, or does not hold a key.
    public static var keyFileUnusable: Self { Self("keyFileUnusable") }
    /// The file to write a key to exists already: keys are never overwritten.
    public static var keyFileExists: Self { Self("keyFileExists") }
    /// The key file cannot be created.
    public static var cannotCreateKeyFile: Self { Self("cannotCreateKeyFile") }
    /// The key is another institution's than the one named.
    public static var wrongInstitution: Self { Self("wrongInstitution") }
    /// The producer sequence file is not one.
    public static var sequenceFileMalformed: Self { Self("sequenceFileMalformed") }
    /// The producer sequence file numbers another institution's events, or another topic's.
    public static var sequenceFileForeign: Self { Self("sequenceFileForeign") }
    /// The producer sequence file cannot be written.
    public static var sequenceFileUnwritable: Self { Self("sequenceFileUnwritable") }
    /// The events to publish cannot be read.
    public static var inputUnreadable: Self { Self("inputUnreadable") }
}
