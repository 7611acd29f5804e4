import Crypto
import Foundation

/// What the ledger records instead of a subject's identifier: HMAC-SHA256(ledger secret, subject id
/// as UTF-8). Equal identifiers give equal references within one ledger, so a citizen's history can be
/// found; without the secret a reference reveals nothing and cannot be tested against guesses.
public struct SubjectReference: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// 32 bytes.
    public let bytes: [UInt8]

    public init(subject: String, secret: SubjectSecret) {
        bytes = Array(HMAC<SHA256>.authenticationCode(for: Array(subject.utf8), using: secret.key))
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
    public var description: String { hex }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// The ledger's secret key for subject references: 32 random bytes, kept beside the ledger, never published.
public struct SubjectSecret: Sendable {
    let key: SymmetricKey

    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 32 else {
            throw ConsentModelError(.invalidValue, "a subject secret needs at least 32 bytes, not \(bytes.count)")
        }
        key = SymmetricKey(data: bytes)
    }

    public static func generate() -> SubjectSecret {
        SubjectSecret(key: SymmetricKey(size: .bits256))
    }

    private init(key: SymmetricKey) { self.key = key }

    public var bytes: [UInt8] { key.withUnsafeBytes { Array($0) } }
}
