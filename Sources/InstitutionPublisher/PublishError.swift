/// A publishing failure: a ``Code`` to match, a reason that says what to do next, and where it was thrown.
public struct PublishError: Error, Sendable, CustomStringConvertible {
    /// An extensible set of failure kinds; compare with the static members.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The institution key file cannot be read, or does not hold a key.
        public static let keyFileUnusable = Code("keyFileUnusable")
        /// The file to write a key to exists already: keys are never overwritten.
        public static let keyFileExists = Code("keyFileExists")
        /// The key file cannot be created.
        public static let cannotCreateKeyFile = Code("cannotCreateKeyFile")
        /// The key is another institution's than the one named.
        public static let wrongInstitution = Code("wrongInstitution")
        /// The producer sequence file is not one.
        public static let sequenceFileMalformed = Code("sequenceFileMalformed")
        /// The producer sequence file numbers another institution's events, or another topic's.
        public static let sequenceFileForeign = Code("sequenceFileForeign")
        /// The producer sequence file cannot be written.
        public static let sequenceFileUnwritable = Code("sequenceFileUnwritable")
        /// The events to publish cannot be read.
        public static let inputUnreadable = Code("inputUnreadable")
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
