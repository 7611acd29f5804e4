import ConsentModel
import Crypto
import Foundation
import PrivateFiles

/// An institution's event signing key: who signs, under which registry key id, and the Ed25519 key.
///
/// Its file is JSON, readable by the owner only:
/// `{"institution": "bank-a", "keyId": "bank-a/2026-12", "privateKey": "<base64 of the 32-byte seed>"}`.
public struct InstitutionKey: Sendable {
    public let institution: String
    public let keyID: String
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(institution: String, keyID: String, privateKey: Curve25519.Signing.PrivateKey = .init()) {
        self.institution = institution
        self.keyID = keyID
        self.privateKey = privateKey
    }

    /// What the registry lists for this key: its id, public key, and the first instant it may sign.
    public func registryKey(validFrom: Timestamp) -> InstitutionRegistry.Key {
        InstitutionRegistry.Key(
            id: keyID, publicKey: Data(privateKey.publicKey.rawRepresentation).base64EncodedString(), validFrom: validFrom, validUntil: nil)
    }

    private struct File: Codable {
        let institution: String
        let keyId: String
        let privateKey: String
    }

    /// Reads a key file, saying what is wrong with it.
    public static func load(from file: URL) throws -> InstitutionKey {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw PublishError(
                .keyFileUnusable, "cannot read the key file \(file.path): create one with `ledgerctl keys generate --institution ID`")
        }
        guard let stored = try? JSONDecoder().decode(File.self, from: data), !stored.institution.isEmpty, !stored.keyId.isEmpty,
            let seed = Data(base64Encoded: stored.privateKey),
            let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        else {
            throw PublishError(
                .keyFileUnusable,
                "\(file.path) is not an institution key file: JSON with institution, keyId and privateKey (base64 of a 32-byte Ed25519 seed)"
            )
        }
        return InstitutionKey(institution: stored.institution, keyID: stored.keyId, privateKey: privateKey)
    }

    /// Writes the key file, readable by the owner only; refuses to replace an existing file.
    public func write(to file: URL) throws {
        let stored = File(institution: institution, keyId: keyID, privateKey: Data(privateKey.rawRepresentation).base64EncodedString())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try SecretFile.create(file, contents: try encoder.encode(stored) + Data("\n".utf8))
    }
}

/// A file holding a private key.
public enum SecretFile {
    /// Creates `file` readable by its owner only from its first byte. Refuses to replace an existing file: a key once
    /// used must never be lost to a mistyped command.
    public static func create(_ file: URL, contents: Data) throws {
        do {
            try PrivateFile.create(file, contents: contents)
        } catch let error as PrivateFileError where error.code == .exists {
            throw PublishError(
                .keyFileExists, "\(file.path) already exists; keys are never overwritten: choose another --out or remove it first")
        } catch let error as PrivateFileError {
            throw PublishError(.cannotCreateKeyFile, "\(error)")
        }
    }
}
