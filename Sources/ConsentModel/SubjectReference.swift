import Crypto
import Foundation
import Synchronization

/// What the ledger records instead of a subject's identifier: 32 bytes derived from the identifier's UTF-8 under the
/// ledger's subject secret, by the secret's ``SubjectScheme``. Equal identifiers give equal references within one
/// ledger, so a citizen's history can be found; without the secret a reference reveals nothing and cannot be tested
/// against guesses.
public struct SubjectReference: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// 32 bytes.
    public let bytes: [UInt8]

    public init(subject: String, secret: SubjectSecret) {
        switch secret.backing {
        case .hmac(let key): bytes = Array(HMAC<SHA256>.authenticationCode(for: Array(subject.utf8), using: key))
        case .voprf(let key, let cache): self = cache.reference(of: subject) { key.reference(of: subject) }
        }
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
    public var description: String { hex }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
}

/// How a ledger derives its subject references; a leaf's subject flag says which (docs/ledger-format.md §11).
public enum SubjectScheme: UInt8, Sendable {
    /// HMAC-SHA256 under a 32-byte secret: the first ledgers' references, which only the ledger can compute.
    case hmac = 1
    /// RFC 9497 VOPRF(P-384, SHA-384) (``SubjectOPRF``): a citizen can obtain and check their own.
    case voprf = 2
}

/// The ledger's secret for subject references, kept beside the ledger, never published: an HMAC key (ledgers made
/// before VOPRF references) or a VOPRF key.
public struct SubjectSecret: Sendable {
    enum Backing: Sendable {
        case hmac(SymmetricKey)
        case voprf(SubjectOPRF.Key, ReferenceCache)
    }
    let backing: Backing

    /// An HMAC secret of at least 32 bytes.
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= 32 else {
            throw ConsentModelError(.invalidValue, "a subject secret needs at least 32 bytes, not \(bytes.count)")
        }
        backing = .hmac(SymmetricKey(data: bytes))
    }

    public init(voprf key: SubjectOPRF.Key) {
        backing = .voprf(key, ReferenceCache())
    }

    private init(backing: Backing) { self.backing = backing }

    /// A random HMAC secret: a stand-in where only which records share a subject matters, not the reference's bytes.
    public static func generate() -> SubjectSecret {
        SubjectSecret(backing: .hmac(SymmetricKey(size: .bits256)))
    }

    public var scheme: SubjectScheme {
        switch backing {
        case .hmac: .hmac
        case .voprf: .voprf
        }
    }

    /// The VOPRF key, for answering citizens' blinded requests; `nil` for an HMAC secret.
    public var oprfKey: SubjectOPRF.Key? {
        if case .voprf(let key, _) = backing { key } else { nil }
    }
}

/// References already evaluated, by identifier (in memory only): a VOPRF evaluation costs about half a millisecond,
/// paid once per subject rather than once per record. Emptied when full, which bounds it without changing any result.
final class ReferenceCache: Sendable {
    static let capacity = 100_000
    private let references = Mutex<[String: SubjectReference]>([:])

    func reference(of subject: String, evaluate: () -> SubjectReference) -> SubjectReference {
        if let known = references.withLock({ $0[subject] }) { return known }
        let reference = evaluate()
        references.withLock {
            if $0.count >= Self.capacity { $0.removeAll(keepingCapacity: true) }
            $0[subject] = reference
        }
        return reference
    }
}
