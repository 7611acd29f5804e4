import ConsentModel
import Foundation
import LedgerIdentity
import Logging
import Testing

@Suite("the ledger's secrets", .timeLimit(.minutes(10)))
struct LedgerIdentityTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("identity-\(UUID().uuidString)")
    let logger = Logger(label: "test")

    @Test("made once, owner-only, and read back the same on the next start")
    func createdThenRead() throws {
        let first = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        let again = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        #expect(first.signingKey.rawRepresentation == again.signingKey.rawRepresentation)
        #expect(
            SubjectReference(subject: "CI-1", secret: first.subjectSecret) == SubjectReference(subject: "CI-1", secret: again.subjectSecret)
        )
        #expect(first.subjectSecret.scheme == .voprf, "a new data directory derives subject references by VOPRF")
        #expect(first.subjectSecret.oprfKey?.publicKey == again.subjectSecret.oprfKey?.publicKey)
        #expect(first.payloadMasterKey == again.payloadMasterKey)
        for file in [LedgerIdentity.signingKeyFile, LedgerIdentity.subjectKeyFile, LedgerIdentity.payloadMasterKeyFile] {
            let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(file).path)[.posixPermissions]
            #expect((mode as? NSNumber)?.intValue == 0o600, "\(file)")
        }
    }

    @Test("beside ledgers, a missing secret is not made anew (secretMissing), and nothing is written")
    func missingBesideLedgers() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data().write(to: directory.appendingPathComponent("consent-ledger.events.v1-0.sqlite"))
        let error = try #require(throws: LedgerIdentityError.self) { try LedgerIdentity.loadOrCreate(in: directory, logger: logger) }
        #expect(error.code == .secretMissing)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["consent-ledger.events.v1-0.sqlite"])
    }

    @Test("a data directory made with an HMAC secret keeps it; one holding both kinds is refused, naming both files")
    func hmacDirectoryKeepsItsSecret() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secret = directory.appendingPathComponent(LedgerIdentity.subjectSecretFile)
        try Data((Data(repeating: 9, count: 32).base64EncodedString() + "\n").utf8).write(to: secret)
        let identity = try LedgerIdentity.loadOrCreate(in: directory, logger: logger)
        #expect(identity.subjectSecret.scheme == .hmac && identity.subjectSecret.oprfKey == nil)
        #expect(
            SubjectReference(subject: "CI-1", secret: identity.subjectSecret)
                == SubjectReference(subject: "CI-1", secret: try SubjectSecret(bytes: Array(repeating: 9, count: 32))))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(LedgerIdentity.subjectKeyFile).path))

        try Data((Data(SubjectOPRF.Key().rawRepresentation).base64EncodedString() + "\n").utf8).write(
            to: directory.appendingPathComponent(LedgerIdentity.subjectKeyFile))
        let error = try #require(throws: LedgerIdentityError.self) { try LedgerIdentity.loadOrCreate(in: directory, logger: logger) }
        #expect(error.code == .secretMalformed && error.reason.contains(LedgerIdentity.subjectSecretFile))
        #expect(error.reason.contains(LedgerIdentity.subjectKeyFile))
    }

    @Test("a secret file that does not hold base64 is refused (secretMalformed), not replaced")
    func malformed() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secret = directory.appendingPathComponent(LedgerIdentity.subjectSecretFile)
        try Data("not base64!\n".utf8).write(to: secret)
        let error = try #require(throws: LedgerIdentityError.self) { try LedgerIdentity.loadOrCreate(in: directory, logger: logger) }
        #expect(error.code == .secretMalformed)
        #expect(try Data(contentsOf: secret) == Data("not base64!\n".utf8))
    }

    @Test("beside a key store, a missing master key is not made anew: it says to restore it or to pass --master-key's file")
    func masterKeyBesideKeyStore() throws {
        let elsewhere = directory.appendingPathComponent("outside.key")
        let first = try LedgerIdentity.loadOrCreate(in: directory, masterKeyFile: elsewhere, logger: logger)
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent(LedgerIdentity.payloadMasterKeyFile).path))
        try Data().write(to: directory.appendingPathComponent(LedgerIdentity.payloadKeysFile))
        let error = try #require(throws: LedgerIdentityError.self) { try LedgerIdentity.loadOrCreate(in: directory, logger: logger) }
        #expect(error.code == .secretMissing && error.reason.contains(LedgerIdentity.payloadMasterKeyFile))
        #expect(
            try LedgerIdentity.loadOrCreate(in: directory, masterKeyFile: elsewhere, logger: logger).payloadMasterKey
                == first.payloadMasterKey)
        #expect(try LedgerIdentity.existingMasterKey(in: directory, file: elsewhere) == first.payloadMasterKey)
    }
}
