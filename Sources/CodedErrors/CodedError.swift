/// A failure of one of our modules: a ``Code`` to match, a reason in words that says what to do next, and where it
/// was thrown. Each module names its errors' domain and adds its codes, so that tests and callers match a code, never
/// the words: `LedgerStoreError` is `CodedError<LedgerStoreErrorDomain>`, and `.corrupt` one of its codes.
public struct CodedError<Domain: ErrorDomain>: Error, Sendable, CustomStringConvertible {
    /// An extensible set of failure kinds: a module adds its own as static members of `Code where Domain == …`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }
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

    public var description: String { Domain.describe(self) }
}

/// What one module's errors are about, and how one reads in words (by default, its reason).
public protocol ErrorDomain: Sendable {
    static func describe(_ error: CodedError<Self>) -> String
}

extension ErrorDomain {
    public static func describe(_ error: CodedError<Self>) -> String { error.reason }
}
