/// A witness failure that is not an alarm about a ledger: the witness could not keep its own state.
public struct WitnessError: Error, Sendable, CustomStringConvertible {
    /// An extensible set of failure kinds; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The witness state file is not one: restore it, or move it away to witness afresh.
        public static let stateFileMalformed = Code("stateFileMalformed")
        /// The witness state file cannot be written.
        public static let stateFileUnwritable = Code("stateFileUnwritable")
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
