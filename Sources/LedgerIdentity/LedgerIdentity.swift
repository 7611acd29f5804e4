import ConsentModel
import Crypto
import Foundation
import Logging
import MerkleLog
import PrivateFiles

/// The ledger's own secrets: the Ed25519 key that signs checkpoints, the secret behind subject references (a VOPRF
/// key for a new data directory; the HMAC secret of one made before VOPRF references), and the master key that wraps
/// the data keys records are sealed under at rest. Created in the data directory on
/// first start (and said so), read on later ones; never created beside ledgers that already exist, where a new one would
/// break what they published.
public struct LedgerIdentity: Sendable {
    public let signingKey: Curve25519.Signing.PrivateKey
    public let subjectSecret: SubjectSecret
    /// Wraps the data keys of the key store (AES-256).
    public let payloadMasterKey: SymmetricKey

    public static let signingKeyFile = "checkpoint-signing.key"
    /// The HMAC secret of a data directory made before VOPRF references; its ledgers keep it.
    public static let subjectSecretFile = "subject-reference.secret"
    /// The VOPRF key (RFC 9497, P-384) behind the subject references of a data directory made since.
    public static let subjectKeyFile = "subject-reference.voprf"
    /// The master key that wraps the key store's data keys (docs/privacy.md).
    public static let payloadMasterKeyFile = "payload-master.key"
    /// The key store: the data keys the ledgers' records are sealed under, each wrapped under the master key.
    public static let payloadKeysFile = "payload-keys.db"
    /// Every secret file a data directory may hold, which a backup must carry with the ledgers (the key store, a
    /// database, is copied as one).
    public static let files = [signingKeyFile, subjectSecretFile, subjectKeyFile, developmentTokenIssuerFile, payloadMasterKeyFile]

    public init(signingKey: Curve25519.Signing.PrivateKey, subjectSecret: SubjectSecret, payloadMasterKey: SymmetricKey) {
        self.signingKey = signingKey
        self.subjectSecret = subjectSecret
        self.payloadMasterKey = payloadMasterKey
    }

    /// Reads the secrets, the signing key from `signingKeyFile` and the master key from `masterKeyFile` when given (the
    /// production layout keeps them outside the data directory) and otherwise from `directory`. One that is missing is
    /// created (owner-only), unless `directory` already holds what depends on it (ledgers; the key store).
    /// `directory` is made owner-only (0700), and the log says if it was not.
    public static func loadOrCreate(in directory: URL, signingKeyFile: URL? = nil, masterKeyFile: URL? = nil, logger: Logger) throws
        -> LedgerIdentity
    {
        if let mode = try PrivateFile.restrictDirectory(directory) {
            logger.notice(
                "made \(directory.path) owner-only (0700; it was 0\(String(mode, radix: 8))): it holds raw events with citizens' identifiers"
            )
        }
        let holdsLedgers = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).contains {
            $0.hasSuffix(".sqlite")
        }
        let keyFile = signingKeyFile ?? directory.appendingPathComponent(Self.signingKeyFile)
        let hmacFile = directory.appendingPathComponent(subjectSecretFile)
        let voprfFile = directory.appendingPathComponent(subjectKeyFile)
        let masterFile = masterKeyFile ?? directory.appendingPathComponent(payloadMasterKeyFile)
        // Everything is read before anything is made, so that a file that cannot be read leaves nothing new behind.
        let (key, hmac, voprf, master) = (try read(keyFile), try read(hmacFile), try read(voprfFile), try read(masterFile))
        guard master.map({ $0.count == 32 }) ?? true else {
            throw LedgerIdentityError(.secretMalformed, "\(masterFile.path) does not hold a 32-byte key: restore it from backup")
        }
        if hmac != nil, voprf != nil {
            throw LedgerIdentityError(
                .secretMalformed,
                "\(directory.path) holds both \(subjectSecretFile) and \(subjectKeyFile): a data directory derives subject references one way; keep the file its ledgers were made with (ledgerctl backup copies it) and remove the other"
            )
        }
        let keyBytes =
            try key
            ?? create(
                keyFile, what: "checkpoint signing key",
                unless: holdsLedgers ? "every checkpoint these ledgers published would stop verifying under one key" : nil, logger: logger
            ) {
                Array(Curve25519.Signing.PrivateKey().rawRepresentation)
            }
        let subjectSecret: SubjectSecret
        if let hmac {
            subjectSecret = try SubjectSecret(bytes: hmac)
        } else {
            let bytes =
                try voprf
                ?? create(
                    voprfFile, what: "subject reference VOPRF key",
                    unless: holdsLedgers ? "every citizen would get a new subject reference, and each history would split in two" : nil,
                    logger: logger
                ) {
                    SubjectOPRF.Key().rawRepresentation
                }
            do { subjectSecret = SubjectSecret(voprf: try SubjectOPRF.Key(rawRepresentation: bytes)) } catch {
                throw LedgerIdentityError(
                    .secretMalformed,
                    "\(voprfFile.path) does not hold a P-384 VOPRF key: restore it from backup, or remove it to start a new ledger")
            }
        }
        let holdsKeyStore = FileManager.default.fileExists(atPath: directory.appendingPathComponent(payloadKeysFile).path)
        let masterBytes =
            try master
            ?? create(
                masterFile, what: "payload master key",
                unless: holdsKeyStore ? "no record sealed under the key store's data keys could be read again" : nil, logger: logger
            ) {
                SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            }
        return LedgerIdentity(
            signingKey: try Curve25519.Signing.PrivateKey(rawRepresentation: keyBytes), subjectSecret: subjectSecret,
            payloadMasterKey: SymmetricKey(data: masterBytes))
    }

    /// The master key of an existing data directory (from `file` when given); never creates one.
    public static func existingMasterKey(in directory: URL, file: URL? = nil) throws -> SymmetricKey {
        let bytes = try readExisting(file ?? directory.appendingPathComponent(payloadMasterKeyFile), in: directory)
        guard bytes.count == 32 else {
            throw LedgerIdentityError(.secretMalformed, "the payload master key is not 32 bytes: restore it from backup")
        }
        return SymmetricKey(data: bytes)
    }

    /// The key of the development token issuer, which `ledgerctl token` signs API tokens with; ledgerd
    /// trusts it only when no production issuer keys are configured.
    public static let developmentTokenIssuerFile = "api-dev-issuer.key"
    public static let developmentTokenKeyID = "ledgerd-dev"
    /// The `iss` of development tokens.
    public static let developmentTokenIssuerName = "ledgerd-dev"

    /// Reads the development token issuer's key from `directory`, creating it if `create` and missing.
    public static func developmentTokenIssuer(in directory: URL, create: Bool, logger: Logger) throws -> Curve25519.Signing.PrivateKey {
        let file = directory.appendingPathComponent(developmentTokenIssuerFile)
        let bytes =
            create
            ? try read(file)
                ?? Self.create(file, what: "development API token issuer key", unless: nil, logger: logger) {
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

    /// Makes a missing secret, owner-only from its first byte, unless something depends on the one that is missing:
    /// then `consequence` says what a new one would break, and nothing is made.
    private static func create(_ file: URL, what: String, unless consequence: String?, logger: Logger, create: () -> [UInt8]) throws
        -> [UInt8]
    {
        if let consequence {
            throw LedgerIdentityError(
                .secretMissing,
                "the data directory holds ledgers but there is no \(what) at \(file.path): restore it from this data directory's backup (ledgerctl backup copies it); a new one is not made, since \(consequence)"
            )
        }
        let bytes = create()
        try PrivateFile.create(file, contents: Data((Data(bytes).base64EncodedString() + "\n").utf8))
        logger.notice("created a new \(what) in \(file.path); back it up with the data directory")
        return bytes
    }

    private static func readExisting(_ file: URL, in directory: URL) throws -> [UInt8] {
        guard let bytes = try read(file) else {
            throw LedgerIdentityError(
                .secretMissing, "\(file.path) does not exist: start ledgerd with --data-dir \(directory.path) first, which creates it")
        }
        return bytes
    }

    /// A secret file's bytes (base64 text), or `nil` when there is no such file. A file that exists but cannot be
    /// read is an error, never "missing": replacing it would break everything it signed or keyed.
    private static func read(_ file: URL) throws -> [UInt8]? {
        guard let data = try PrivateFile.readIfPresent(file) else { return nil }
        guard let bytes = Data(base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw LedgerIdentityError(
                .secretMalformed, "\(file.path) does not hold base64; restore it from backup, or remove it to start a new ledger")
        }
        return Array(bytes)
    }
}
