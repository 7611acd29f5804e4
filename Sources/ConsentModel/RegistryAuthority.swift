import Crypto
import Foundation

/// The one trust root ledgerd is given for rules/v2: the registry authority, which signs every registry event.
/// Written `ID+KEYID+BASE64KEY`: the authority's institution id (the `source` of its events), the key id its events'
/// `consent-ledger-key` header names, and base64 of its 32-byte Ed25519 public key. The two ids are identifiers (no
/// `+`), so the text splits at its first two `+` whatever the base64 holds.
public struct RegistryAuthority: Sendable, Hashable, CustomStringConvertible {
    public let id: String
    public let keyID: String
    public let publicKey: Curve25519.Signing.PublicKey

    public init(id: String, keyID: String, publicKey: Curve25519.Signing.PublicKey) {
        self.id = id
        self.keyID = keyID
        self.publicKey = publicKey
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, Identifier.isValid(parts[0]), Identifier.isValid(parts[1]) else {
            throw ConsentModelError(
                .invalidValue,
                "a registry authority is written ID+KEYID+BASE64KEY, as `ledgerctl keys generate --registry-authority` prints it")
        }
        guard let raw = Data(base64Encoded: parts[2]), raw.count == 32, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
        else { throw ConsentModelError(.invalidValue, "the registry authority's key is not base64 of a 32-byte Ed25519 public key") }
        self.init(id: parts[0], keyID: parts[1], publicKey: key)
    }

    public var description: String { "\(id)+\(keyID)+\(Data(publicKey.rawRepresentation).base64EncodedString())" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    /// What is wrong with a registry event's signature, or `nil`: it must be this authority's, over the exact value.
    func checkSignature(_ record: PreparedRecord, source: String) -> Rejection? {
        guard let keyID = record.keyID, record.signature != nil else { return .signatureMissing }
        guard keyID == self.keyID else { return .notRegistryAuthority(keyID) }
        guard source == id else { return .sourceNotAllowed(keyID, owner: id) }
        guard record.isSigned(by: publicKey) else { return .signatureInvalid(keyID) }
        return nil
    }
}
