import Crypto
import Foundation

/// How an event's signature travels: two Kafka headers beside the value.
///
/// - `consent-ledger-key`: the signing key's id from the registry, UTF-8;
/// - `consent-ledger-signature`: base64 of the Ed25519 signature over the exact value bytes.
public enum EventSignature {
    public static let keyHeader = "consent-ledger-key"
    public static let signatureHeader = "consent-ledger-signature"

    /// The two headers for a value signed with `privateKey`.
    public static func headers(for value: [UInt8], keyID: String, privateKey: Curve25519.Signing.PrivateKey) throws -> [(
        name: String, value: [UInt8]
    )] {
        let signature = try privateKey.signature(for: value)
        return [(keyHeader, Array(keyID.utf8)), (signatureHeader, Array(Data(signature).base64EncodedString().utf8))]
    }

    /// Reads the key id and signature from headers; `nil` for either when absent or unreadable.
    public static func read(_ headers: [(name: String, value: [UInt8]?)]) -> (keyID: String?, signature: [UInt8]?) {
        let keyID = headers.first { $0.name == keyHeader }?.value.map { String(decoding: $0, as: UTF8.self) }
        let signature = headers.first { $0.name == signatureHeader }?.value.flatMap { Data(base64Encoded: Data($0)) }.map(Array.init)
        return (keyID, signature)
    }
}
