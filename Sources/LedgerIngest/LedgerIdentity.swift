import ConsentModel
import Crypto
import Foundation
import Logging
import MerkleLog

/// The ledger's own secrets: the Ed25519 key that signs checkpoints, and the secret behind subject
/// references. Created in the data directory on first start (and said so), read on later ones.
public struct LedgerIdentity: Sendable {
    public let signingKey: Curve25519.Signing.PrivateKey
    public let subjectSecret: SubjectSecret

    public static let signingKeyFile = "checkpoint-signing.key"
    public static let subjectSecretFile = "subject-reference.secret"
    /// Every secret file a data directory may hold, which a backup must carry with the ledgers.
    public static let files = [signingKeyFile, subjectSecretFile, developmentTokenIssuerFile]

    public init(signingKey: Curve25519.Signing.PrivateKey, subjectSecret: SubjectSecret) {
        self.signingKey = signingKey
        self.subjectSecret = subjectSecret
    }

    /// Reads both secrets from `directory`, creating any that is missing (files readable by the owner only).
    public static func loadOrCreate(in directory: URL, logger: Logger) throws -> LedgerIdentity {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let keyBytes = try readOrCreate(directory.appendingPathComponent(signingKeyFile), what: "checkpoint signing key", logger: logger) {
            Array(Curve25519.Signing.PrivateKey().rawRepresentation)
        }
        let secretBytes = try readOrCreate(
            directory.appendingPathComponent(subjectSecretFile), what: "subject reference secret", logger: logger
        ) {
            SubjectSecret.generate().bytes
        }
        return LedgerIdentity(
            signingKey: try Curve25519.Signing.PrivateKey(rawRepresentation: keyBytes), subjectSecret: try SubjectSecret(bytes: secretBytes)
        )
    }

    /// The key of the development token issuer, which `ledgerctl token` signs API tokens with; ledgerd
    /// trusts it only when no production issuer keys are configured.
    public static let developmentTokenIssuerFile = "api-dev-issuer.key"
    public static let developmentTokenKeyID = "ledgerd-dev"

    /// Reads the development token issuer's key from `directory`, creating it if `create` and missing.
    public static func developmentTokenIssuer(in directory: URL, create: Bool, logger: Logger) throws -> Curve25519.Signing.PrivateKey {
        let file = directory.appendingPathComponent(developmentTokenIssuerFile)
        let bytes =
            create
            ? try readOrCreate(file, what: "development API token issuer key", logger: logger) {
                Array(Curve25519.Signing.PrivateKey().rawRepresentation)
            }
            : try readExisting(file, in: directory)
        return try Curve25519.Signing.PrivateKey(rawRepresentation: bytes)
    }

    /// The checkpoint signing key of an existing data directory; never creates one.
    public static func existingSigningKey(in directory: URL) throws -> Curve25519.Signing.PrivateKey {
        try Curve25519.Signing.PrivateKey(rawRepresentation: readExisting(directory.appendingPathComponent(signingKeyFile), in: directory))
    }

    /// The note signer for one partition ledger: the same key, named by the ledger's origin.
    public func signer(origin: String) throws -> NoteSigner {
        try NoteSigner(name: origin, kind: .ed25519, privateKey: signingKey)
    }

    private static func readOrCreate(_ file: URL, what: String, logger: Logger, create: () -> [UInt8]) throws -> [UInt8] {
        if let bytes = try read(file) { return bytes }
        let bytes = create()
        guard
            FileManager.default.createFile(
                atPath: file.path, contents: Data((Data(bytes).base64EncodedString() + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw IngestError("cannot write \(file.path)")
        }
        logger.notice("created a new \(what) in \(file.path); back it up with the data directory")
        return bytes
    }

    private static func readExisting(_ file: URL, in directory: URL) throws -> [UInt8] {
        guard let bytes = try read(file) else {
            throw IngestError("\(file.path) does not exist: start ledgerd with --data-dir \(directory.path) first, which creates it")
        }
        return bytes
    }

    /// A secret file's bytes (base64 text), or `nil` when there is no such file.
    private static func read(_ file: URL) throws -> [UInt8]? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        guard let bytes = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw IngestError("\(file.path) does not hold base64; restore it from backup, or remove it to start a new ledger")
        }
        return Array(bytes)
    }
}

/// A failure of the ingest pipeline, said plainly.
public struct IngestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
