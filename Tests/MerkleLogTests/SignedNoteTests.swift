import Crypto
import Foundation
import MerkleLog
import Testing

@Suite("Signed notes", .timeLimit(.minutes(10)))
struct SignedNoteTests {
    // golang.org/x/mod/sumdb/note, note.go's package example and note_test.go.
    static let goSignerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
    static let goVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    static let goText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
    static let goNote =
        goText + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

    @Test("RFC 8032 §7.1 test vectors 1 and 2 sign and verify byte for byte")
    func rfc8032() throws {
        let vectors = [
            (
                "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
            ),
            (
                "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
                "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
                "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
            ),
        ]
        for (seed, publicKey, message, signature) in vectors {
            let key = try Curve25519.Signing.PrivateKey(rawRepresentation: unhex(seed))
            #expect(Array(key.publicKey.rawRepresentation) == unhex(publicKey))
            #expect(Array(try key.signature(for: unhex(message))) == unhex(signature))
            #expect(key.publicKey.isValidSignature(unhex(signature), for: unhex(message)))
        }
    }

    @Test("the Go note package's example is reproduced byte for byte and verifies")
    func goExample() throws {
        let signer = try NoteSigner(skey: Self.goSignerKey)
        #expect(signer.verifier.vkey == Self.goVerifierKey)
        #expect(signer.skey == Self.goSignerKey)
        var note = try SignedNote(text: Self.goText)
        try note.sign(with: signer)
        #expect(note.formatted == Self.goNote)

        let parsed = try SignedNote(parsing: Array(Self.goNote.utf8))
        let verified = try parsed.verify(trusting: [try NoteVerifier(vkey: Self.goVerifierKey)])
        #expect(verified.map(\.verifier.name) == ["PeterNeumann"])
        #expect(parsed.text == Self.goText)
    }

    @Test("a cosignature key id is derived with type 0x04 (transparency-dev/formats note_cosigv1_test.go)")
    func cosignatureKeyID() throws {
        let verifier = try NoteVerifier(vkey: "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2")
        #expect(verifier.kind == .cosignatureV1)
        #expect(verifier.keyID == 0xda77_ade7)
    }

    @Test("a cosignature signs the cosignature/v1 header, the time and the note text, and carries the time")
    func cosignature() throws {
        let witness = try NoteSigner.generate(name: "witness.example/w1", kind: .cosignatureV1)
        var note = try SignedNote(text: "example.com/log\n5\n\(SHA256Hash.zero.base64)\n")
        try note.sign(with: witness, timestamp: 1_727_964_367)
        let line = note.signatures[0]
        #expect(line.signature.prefix(8) == [0, 0, 0, 0, 0x66, 0xfe, 0xa4, 0xcf])
        let message = Array("cosignature/v1\ntime 1727964367\n\(note.text)".utf8)
        let key = try Curve25519.Signing.PublicKey(rawRepresentation: witness.verifier.publicKey)
        #expect(key.isValidSignature(line.signature.suffix(64), for: message))
        let verified = try note.verify(trusting: [witness.verifier])
        #expect(verified.first?.timestamp == 1_727_964_367)
    }

    @Test("a valid note with extra unknown signatures still verifies for the known key")
    func unknownSignaturesIgnored() throws {
        let signer = try NoteSigner(skey: Self.goSignerKey)
        let stranger = try NoteSigner.generate(name: "stranger.example")
        let namesake = try NoteSigner.generate(name: "PeterNeumann")  // same name, other key id: ignored too
        var note = try SignedNote(text: Self.goText)
        try note.sign(with: stranger)
        try note.sign(with: signer)
        try note.sign(with: namesake)
        let parsed = try SignedNote(parsing: Array(note.formatted.utf8))
        #expect(try parsed.verify(trusting: [signer.verifier]).map(\.verifier) == [signer.verifier])
    }

    static let malformed: [(String, String, String)] = [
        ("missing final newline", String(goNote.dropLast()), "does not end with a newline"),
        (
            "no blank line",
            goText + "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
            "no blank line"
        ),
        ("no signatures", goText + "\n", "no signature lines"),
        ("bad base64", goText + "\n— PeterNeumann x08go/ZJkuBS9UG/Sffcv!!!\n", "not canonical base64"),
        (
            "base64 with its unused bits set, which would decode to the same signature",
            goText + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAN=\n",
            "not canonical base64"
        ),
        (
            "hyphen for em dash",
            goText + "\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
            "em dash"
        ),
        (
            "control character",
            "tab\there\n\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
            "control character U+9"
        ),
        ("signature too short", goText + "\n— PeterNeumann AAAA\n", "not canonical base64 of a key id and a signature"),
        ("oversized", String(repeating: "a", count: 70_000) + "\n\n— x AAAAAAA=\n", "over the limit"),
    ]

    @Test("malformed notes are refused with a precise reason", arguments: malformed)
    func malformedNotes(name: String, note: String, reason: String) {
        let error = #expect(throws: MerkleLogError.self, "\(name)") { try SignedNote(parsing: Array(note.utf8)) }
        #expect(error?.code == .malformed)
        #expect(error?.reason.contains(reason) == true, "\(name): \(error?.reason ?? "")")
    }

    @Test("invalid UTF-8 is refused")
    func invalidUTF8() {
        let error = #expect(throws: MerkleLogError.self) { try SignedNote(parsing: Array(Self.goText.utf8) + [0xff, 0x0a]) }
        #expect(error?.reason.contains("UTF-8") == true)
    }

    @Test("a changed text, an unknown key and a duplicated signature are each refused")
    func verificationFailures() throws {
        let verifier = try NoteVerifier(vkey: Self.goVerifierKey)
        let changed = try SignedNote(parsing: Array(Self.goNote.replacingOccurrences(of: "cryptography", with: "cryptographY").utf8))
        #expect(throws: MerkleLogError(.badSignature, "the signature by PeterNeumann does not verify")) {
            try changed.verify(trusting: [verifier])
        }
        let other = try NoteSigner.generate(name: "other.example")
        let unknown = try #require(throws: MerkleLogError.self) {
            try SignedNote(parsing: Array(Self.goNote.utf8)).verify(trusting: [other.verifier])
        }
        #expect(unknown.code == .untrusted)
        let lines = Self.goNote.split(separator: "\n", omittingEmptySubsequences: false)
        let doubled = Self.goNote + lines[lines.count - 2] + "\n"
        let duplicate = try #require(throws: MerkleLogError.self) {
            try SignedNote(parsing: Array(doubled.utf8)).verify(trusting: [verifier])
        }
        #expect(duplicate.reason.contains("two signatures by PeterNeumann"))
    }

    @Test(
        "verifier keys are checked: parts, hex id, base64, type and matching id",
        arguments: [
            ("PeterNeumann+c74f20a3", "has 2 parts"),
            ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "8 hex digits"),
            ("PeterNeumann+c74f20a3+!!!", "not base64"),
            ("PeterNeumann+00000000+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match"),
            ("PeterNeumann+c74f20a3+AhpC2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "not supported"),
            ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "without spaces"),
        ])
    func badVerifierKeys(vkey: String, reason: String) {
        let error = #expect(throws: MerkleLogError.self) { try NoteVerifier(vkey: vkey) }
        #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "")")
    }
}
