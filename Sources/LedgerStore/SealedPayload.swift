import Crypto
import Foundation

/// A record's value or headers as a ledger stores them: sealed with AES-256-GCM under a data key of ``PayloadKeys``, the
/// ledger's origin, the leaf's index and the part's name bound in as associated data, so that a sealed part moved to
/// another leaf or ledger no longer opens. Stored as nonce ‖ ciphertext ‖ tag (12 + n + 16 bytes).
package enum SealedPayload {
    package enum Part: String {
        case value, headers
    }

    package static func seal(_ bytes: [UInt8], _ part: Part, key: SymmetricKey, origin: String, index: UInt64) throws -> Data {
        guard let combined = try AES.GCM.seal(bytes, using: key, authenticating: context(part, origin: origin, index: index)).combined
        else {
            throw LedgerStoreError(.corrupt, "AES-GCM gave no combined form with its default nonce")
        }
        return combined
    }

    /// The part in the clear, or `nil` when it does not open under `key` (altered, or moved from elsewhere).
    package static func open(_ sealed: Data, _ part: Part, key: SymmetricKey, origin: String, index: UInt64) -> [UInt8]? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed),
            let bytes = try? AES.GCM.open(box, using: key, authenticating: context(part, origin: origin, index: index))
        else { return nil }
        return Array(bytes)
    }

    private static func context(_ part: Part, origin: String, index: UInt64) -> Data {
        Data("consent-ledger payload\n\(origin)\n\(index)\n\(part.rawValue)".utf8)
    }
}
