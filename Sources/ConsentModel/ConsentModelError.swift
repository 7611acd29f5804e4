/// The one error type of ``ConsentModel``: what is wrong, and where in the event.
public struct ConsentModelError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The value is larger than ``Event/maximumSize``.
        public static let oversized = Code("oversized")
        /// Not JSON, or JSON with a repeated key.
        public static let malformedJSON = Code("malformedJSON")
        /// A required field is absent.
        public static let missingField = Code("missingField")
        /// A field that the schema does not define.
        public static let unknownField = Code("unknownField")
        /// A field of the wrong JSON type.
        public static let wrongType = Code("wrongType")
        /// A field whose value is outside what the schema allows.
        public static let invalidValue = Code("invalidValue")
        /// A registry file that cannot be used.
        public static let invalidRegistry = Code("invalidRegistry")
    }

    public let code: Code
    /// Where the problem is, as a field path such as `data.purposes[1]`; empty for the whole value.
    public let path: String
    public let reason: String

    public init(_ code: Code, at path: String = "", _ reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}
