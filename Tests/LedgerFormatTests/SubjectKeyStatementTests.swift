import ConsentModel
import Crypto
import Foundation
import LedgerFormat
import Testing

@Suite("the subject key statement")
struct SubjectKeyStatementTests {
    @Test("reads back under the ledger key that signed it; another key, a changed key line or a malformed text is refused")
    func signedStatement() throws {
        let ledgerKey = Curve25519.Signing.PrivateKey()
        let statement = SubjectKeyStatement(ledger: "consent-ledger.example", key: SubjectOPRF.Key().publicKey)
        let note = try statement.signed(with: ledgerKey)
        #expect(note.hasPrefix("consent-ledger/subject-key/v1\nconsent-ledger.example\n"))
        #expect(note.contains("\n\n\u{2014} consent-ledger.example "), "signed under the ledger's name")
        #expect(try SubjectKeyStatement(verifying: note, ledgerKey: ledgerKey.publicKey) == statement)

        let stranger = #expect(throws: LedgerFormatError.self) {
            try SubjectKeyStatement(verifying: note, ledgerKey: Curve25519.Signing.PrivateKey().publicKey)
        }
        #expect(stranger?.code == .malformedStatement && stranger?.reason.contains("not signed by the ledger key") == true)
        let other = Data(SubjectOPRF.Key().publicKey.bytes).base64EncodedString()
        let swapped = note.replacingOccurrences(of: Data(statement.key.bytes).base64EncodedString(), with: other)
        #expect(throws: LedgerFormatError.self) { try SubjectKeyStatement(verifying: swapped, ledgerKey: ledgerKey.publicKey) }
        let unsignedText = "consent-ledger/subject-key/v1\nconsent-ledger.example\nAAAA\n\n\u{2014} x AAAA\n"
        let malformed = #expect(throws: (any Error).self) {
            try SubjectKeyStatement(verifying: unsignedText, ledgerKey: ledgerKey.publicKey)
        }
        #expect(malformed != nil)
    }
}
