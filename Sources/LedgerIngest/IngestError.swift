/// Why ingestion cannot start: a ``Code`` to match, a reason that says what to do, and where it was thrown. (A fault
/// in one partition is a ``PartitionFault``, which quarantines that partition only.)
public struct IngestError: Error, Sendable, CustomStringConvertible {
    /// An extensible set of failure kinds; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The checkpoints topic, against which every ledger is checked at start, cannot be read.
        public static let checkpointsUnreadable = Code("checkpointsUnreadable")
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

    public var description: String { reason }
}
