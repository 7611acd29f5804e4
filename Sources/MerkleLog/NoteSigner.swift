import Crypto
import Foundation

/// A private key that signs notes: a log's checkpoint key or a witness's cosigning key.
///
/// Its text form is the Go `note` package's signer key,
/// `PRIVATE+KEY+name+keyid+base64(type ‖ 32-byte Ed25519 seed)`. Keep it secret.
public struct NoteSigner: Sendable {
    public let verifier: NoteVerifier
    private let privateKey: Curve25519.Signing.PrivateKey

    /// A new random key.
    public static func generate(name: String, kind: NoteVerifier.Kind = .ed25519) throws -> NoteSigner {
        try NoteSigner(name: name, kind: kind, privateKey: Curve25519.Signing.PrivateKey())
    }

    public init(name: String, kind: NoteVerifier.Kind, privateKey: Curve25519.Signing.PrivateKey) throws {
        self.privateKey = privateKey
        self.verifier = try NoteVerifier(name: name, kind: kind, publicKey: Array(privateKey.publicKey.rawRepresentation))
    }

    /// Parses a signer key. A key of type 0x01 may be used as a cosigner with `kind: .cosignatureV1`,
    /// as witnesses do with ordinary note keys.
    public init(skey: String, kind: NoteVerifier.Kind? = nil) throws {
        let prefix = "PRIVATE+KEY+"
        guard skey.hasPrefix(prefix) else {
            throw MerkleLogError(.malformed, "a signer key starts with \(prefix)")
        }
        let parts = skey.dropFirst(prefix.count).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let keyID = UInt32(parts[1], radix: 16),
            let material = Data(base64Encoded: String(parts[2])), material.count == 33,
            let type = NoteVerifier.Kind(rawValue: material[material.startIndex])
        else {
            throw MerkleLogError(.malformed, "a signer key is PRIVATE+KEY+name+keyid+base64(type ‖ 32-byte seed)")
        }
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: material.dropFirst())
        let written = try NoteSigner(name: String(parts[0]), kind: type, privateKey: privateKey)
        guard written.verifier.keyID == keyID else {
            throw MerkleLogError(.malformed, "the key id of the signer key does not match its name and key")
        }
        try self.init(name: String(parts[0]), kind: kind ?? type, privateKey: privateKey)
    }

    public var skey: String {
        let material = Data([verifier.kind.rawValue] + privateKey.rawRepresentation).base64EncodedString()
        return "PRIVATE+KEY+\(verifier.name)+\(NoteVerifier.hex(verifier.keyID))+\(material)"
    }

    /// Signs a note text; a cosigner also needs the time of signing (seconds since the epoch).
    public func sign(_ text: String, timestamp: UInt64? = nil) throws -> NoteSignature {
        let signature: [UInt8]
        switch verifier.kind {
        case .ed25519:
            signature = Array(try privateKey.signature(for: Array(text.utf8)))
        case .cosignatureV1:
            guard let timestamp, timestamp <= UInt64(Int64.max) else {
                throw MerkleLogError(.malformed, "a cosignature needs a timestamp no larger than 2^63-1")
            }
            let time = (0..<8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * $0)) }
            signature = time + Array(try privateKey.signature(for: NoteVerifier.cosignedMessage(text: text, timestamp: timestamp)))
        }
        return NoteSignature(name: verifier.name, keyID: verifier.keyID, signature: signature)
    }
}
