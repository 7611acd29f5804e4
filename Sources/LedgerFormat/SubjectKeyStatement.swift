import ConsentModel
import Crypto
import Foundation
import MerkleLog

/// The ledger's word, under its checkpoint key, that a subject key is the one its references are derived with: a
/// signed note (docs/ledger-format.md, "Subject key statement") whose text is
/// ```
/// consent-ledger/subject-key/v1
/// <ledger name>
/// <base64 of the 49-byte subject key>
/// ```
/// signed by the ledger key under the ledger's name. A citizen holding only the ledger key can learn the subject key
/// from it; one holding a trust policy that names the subject key needs no statement.
public struct SubjectKeyStatement: Sendable, Equatable {
    public static let header = "consent-ledger/subject-key/v1"

    /// The ledger's name: the first part of its origins (`<name>/<topic>/<partition>`).
    public let ledger: String
    public let key: SubjectOPRF.PublicKey

    public init(ledger: String, key: SubjectOPRF.PublicKey) {
        self.ledger = ledger
        self.key = key
    }

    public var text: String { "\(Self.header)\n\(ledger)\n\(Data(key.bytes).base64EncodedString())\n" }

    /// The statement as a note signed by the ledger key.
    public func signed(with ledgerKey: Curve25519.Signing.PrivateKey) throws -> String {
        var note = try SignedNote(text: text)
        try note.sign(with: try NoteSigner(name: ledger, kind: .ed25519, privateKey: ledgerKey))
        return note.formatted
    }

    /// Reads a signed statement and checks it is signed by `ledgerKey` under the name it states.
    public init(verifying note: String, ledgerKey: Curve25519.Signing.PublicKey) throws {
        let signed = try SignedNote(parsing: Array(note.utf8))
        let lines = signed.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.count == 3, lines.first == Substring(Self.header), let bytes = Data(base64Encoded: String(lines[2])),
            let key = try? SubjectOPRF.PublicKey(bytes: Array(bytes))
        else {
            throw LedgerFormatError(
                .malformedStatement, "a subject key statement is \(Self.header), the ledger's name and a 49-byte P-384 key, one per line")
        }
        let verifier = try NoteVerifier(name: String(lines[1]), kind: .ed25519, publicKey: Array(ledgerKey.rawRepresentation))
        do { _ = try signed.verify(trusting: [verifier]) } catch {
            throw LedgerFormatError(.malformedStatement, "the subject key statement is not signed by the ledger key: \(error)")
        }
        self.init(ledger: String(lines[1]), key: key)
    }
}
