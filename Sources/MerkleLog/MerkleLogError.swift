/// The one error type of ``MerkleLog``: what failed, and why, precisely enough to act on.
public struct MerkleLogError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// An index or size outside the tree, or sizes in the wrong order.
        public static let outOfRange = Code("outOfRange")
        /// A proof did not lead to the expected root.
        public static let invalidProof = Code("invalidProof")
        /// A node the proof needs is missing from the node source.
        public static let missingNode = Code("missingNode")
        /// Leaves, chain and root do not agree.
        public static let chainMismatch = Code("chainMismatch")
        /// A signed note, checkpoint, bundle or key is not well formed.
        public static let malformed = Code("malformed")
        /// A signature by a trusted key does not verify.
        public static let badSignature = Code("badSignature")
        /// No trusted key signed the note.
        public static let untrusted = Code("untrusted")
        /// The note is signed, but not by enough witnesses for the policy.
        public static let policyNotMet = Code("policyNotMet")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
