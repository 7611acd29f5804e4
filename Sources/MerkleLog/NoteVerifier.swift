import Crypto
import Foundation

/// A public key trusted to sign notes, as C2SP `signed-note` and `tlog-cosignature` define it.
///
/// Its text form, the verifier key (`vkey`), is `name+keyid+base64(type ‖ public key)` with the key
/// id as 8 hex digits: `PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW`.
public struct NoteVerifier: Hashable, Sendable, CustomStringConvertible {
    /// The signature type byte.
    public enum Kind: UInt8, Sendable {
        /// Ed25519 over the note text (signed-note).
        case ed25519 = 0x01
        /// A timestamped Ed25519 witness cosignature (tlog-cosignature, `cosignature/v1`).
        case cosignatureV1 = 0x04
    }

    public let name: String
    public let kind: Kind
    /// The 32-byte Ed25519 public key.
    public let publicKey: [UInt8]
    /// SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian.
    public let keyID: UInt32

    public init(name: String, kind: Kind, publicKey: [UInt8]) throws {
        try Self.checkName(name)
        guard publicKey.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey)) != nil else {
            throw MerkleLogError(.malformed, "an Ed25519 public key is 32 bytes, not \(publicKey.count)")
        }
        self.name = name
        self.kind = kind
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, type: kind.rawValue, key: publicKey)
    }

    /// Parses a verifier key, checking that its key id matches its name and key.
    public init(vkey: String) throws {
        let parts = vkey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw MerkleLogError(.malformed, "a verifier key is name+keyid+base64key; \"\(vkey)\" has \(parts.count) parts")
        }
        guard parts[1].count == 8, let keyID = UInt32(parts[1], radix: 16) else {
            throw MerkleLogError(.malformed, "the key id of \"\(vkey)\" must be 8 hex digits")
        }
        guard let material = Data(base64Encoded: String(parts[2])), let type = material.first else {
            throw MerkleLogError(.malformed, "the key of \"\(vkey)\" is not base64")
        }
        guard let kind = Kind(rawValue: type) else {
            throw MerkleLogError(
                .malformed, "signature type 0x\(String(type, radix: 16)) of \"\(vkey)\" is not supported (0x01 Ed25519, 0x04 cosignature)")
        }
        try self.init(name: String(parts[0]), kind: kind, publicKey: Array(material.dropFirst()))
        guard self.keyID == keyID else {
            throw MerkleLogError(.malformed, "the key id of \"\(vkey)\" does not match its name and key (expected \(Self.hex(self.keyID)))")
        }
    }

    public var vkey: String {
        "\(name)+\(Self.hex(keyID))+\(Data([kind.rawValue] + publicKey).base64EncodedString())"
    }

    public var description: String { vkey }

    /// Checks one signature's bytes (after the key id) over the note text. Returns the cosignature's
    /// timestamp for ``Kind/cosignatureV1``, `nil` for ``Kind/ed25519``; throws if it does not verify.
    func verify(_ signature: [UInt8], text: String) throws -> UInt64? {
        let key = try! Curve25519.Signing.PublicKey(rawRepresentation: publicKey)  // checked in init
        switch kind {
        case .ed25519:
            guard key.isValidSignature(signature, for: Array(text.utf8)) else {
                throw MerkleLogError(.badSignature, "the signature by \(name) does not verify")
            }
            return nil
        case .cosignatureV1:
            guard signature.count == 72 else {
                throw MerkleLogError(.badSignature, "a cosignature by \(name) is 8 + 64 bytes, not \(signature.count)")
            }
            let timestamp = signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard key.isValidSignature(signature.suffix(64), for: Self.cosignedMessage(text: text, timestamp: timestamp)) else {
                throw MerkleLogError(.badSignature, "the cosignature by \(name) does not verify")
            }
            return timestamp
        }
    }

    /// What a `cosignature/v1` signs: two header lines, then the note text.
    static func cosignedMessage(text: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n\(text)".utf8)
    }

    static func keyID(name: String, type: UInt8, key: [UInt8]) -> UInt32 {
        let digest = SHA256Hash.of(Array(name.utf8) + [0x0A, type] + key).bytes
        return digest.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    static func checkName(_ name: String) throws {
        guard !name.isEmpty, !name.contains(where: { $0.isWhitespace || $0 == "+" }),
            !name.unicodeScalars.contains(where: { $0.value < 0x20 })
        else {
            throw MerkleLogError(.malformed, "key name \"\(name)\" must be non-empty, without spaces or '+'")
        }
    }

    static func hex(_ keyID: UInt32) -> String {
        let digits = String(keyID, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
