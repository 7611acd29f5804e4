import Foundation

/// One signature line of a note: `— name base64(keyid ‖ signature)`.
public struct NoteSignature: Hashable, Sendable {
    public let name: String
    public let keyID: UInt32
    /// The signature bytes after the key id.
    public let signature: [UInt8]

    public var line: String {
        let id = (0..<4).map { UInt8(truncatingIfNeeded: keyID >> (24 - 8 * $0)) }
        return "— \(name) \(Data(id + signature).base64EncodedString())\n"
    }
}

/// A C2SP signed note: a text ending in a newline, a blank line, and signature lines.
public struct SignedNote: Hashable, Sendable {
    /// The most a note may hold, signatures included, before it is refused unread.
    public static let maximumSize = 64 * 1024
    /// The most signature lines a note may carry (the format asks verifiers to accept at least 16).
    public static let maximumSignatures = 100

    /// The signed text, ending in a newline.
    public let text: String
    public private(set) var signatures: [NoteSignature]

    /// A note text to sign: it must end in a newline and hold no control character but newline.
    public init(text: String) throws {
        try Self.checkText(text)
        self.text = text
        self.signatures = []
    }

    /// Adds a signature line.
    public mutating func sign(with signer: NoteSigner, timestamp: UInt64? = nil) throws {
        signatures.append(try signer.sign(text, timestamp: timestamp))
    }

    /// The note as it travels: text, blank line, signature lines.
    public var formatted: String {
        text + "\n" + signatures.map(\.line).joined()
    }

    /// Parses a signed note; every malformation is refused with what is wrong and where.
    public init(parsing note: some Collection<UInt8>) throws {
        guard note.count <= Self.maximumSize else {
            throw MerkleLogError(.malformed, "the note is \(note.count) bytes, over the limit of \(Self.maximumSize)")
        }
        guard let string = String(validating: note, as: UTF8.self) else {
            throw MerkleLogError(.malformed, "the note is not valid UTF-8")
        }
        guard string.hasSuffix("\n") else { throw MerkleLogError(.malformed, "the note does not end with a newline") }
        guard let separator = string.range(of: "\n\n", options: .backwards) else {
            throw MerkleLogError(.malformed, "the note has no blank line between its text and its signatures")
        }
        let text = String(string[..<separator.lowerBound]) + "\n"
        try Self.checkText(text)
        let lines = string[separator.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard !lines.isEmpty else { throw MerkleLogError(.malformed, "the note has no signature lines") }
        guard lines.count <= Self.maximumSignatures else {
            throw MerkleLogError(.malformed, "the note has \(lines.count) signatures, over the limit of \(Self.maximumSignatures)")
        }
        self.text = text
        self.signatures = try lines.enumerated().map { number, line in try Self.parseSignature(line, number: number + 1) }
    }

    private static func parseSignature(_ line: Substring, number: Int) throws -> NoteSignature {
        guard line.hasPrefix("— ") else {
            throw MerkleLogError(.malformed, "signature line \(number) does not start with an em dash and a space")
        }
        let fields = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count == 2 else {
            throw MerkleLogError(.malformed, "signature line \(number) is not \"— name signature\"")
        }
        try NoteVerifier.checkName(String(fields[0]))
        // One spelling per signature: base64 whose unused trailing bits are set would decode to the same bytes.
        guard let bytes = Data(base64Encoded: String(fields[1])), bytes.count > 4, bytes.base64EncodedString() == fields[1] else {
            throw MerkleLogError(
                .malformed, "signature line \(number) by \(fields[0]) is not canonical base64 of a key id and a signature")
        }
        let keyID = bytes.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return NoteSignature(name: String(fields[0]), keyID: keyID, signature: Array(bytes.dropFirst(4)))
    }

    private static func checkText(_ text: String) throws {
        guard text.hasSuffix("\n") else {
            throw MerkleLogError(.malformed, "a note text must end with a newline")
        }
        if let control = text.unicodeScalars.first(where: { $0.value < 0x20 && $0 != "\n" }) {
            throw MerkleLogError(
                .malformed, "the note text contains control character U+\(String(control.value, radix: 16, uppercase: true))")
        }
    }

    /// A signature that verified, and the cosignature's time where it is one.
    public struct Verified: Hashable, Sendable {
        public let verifier: NoteVerifier
        public let timestamp: UInt64?
    }

    /// Verifies the signatures of the trusted keys and returns them. Signatures of unknown keys are
    /// ignored; a failed or repeated signature by a trusted key rejects the note, and so does a
    /// note no trusted key signed.
    public func verify(trusting verifiers: [NoteVerifier]) throws -> [Verified] {
        var verified: [Verified] = []
        for signature in signatures {
            guard let verifier = verifiers.first(where: { $0.name == signature.name && $0.keyID == signature.keyID }) else { continue }
            guard !verified.contains(where: { $0.verifier == verifier }) else {
                throw MerkleLogError(.malformed, "the note carries two signatures by \(verifier.name)")
            }
            verified.append(Verified(verifier: verifier, timestamp: try verifier.verify(signature.signature, text: text)))
        }
        guard !verified.isEmpty else {
            let names = signatures.map(\.name).joined(separator: ", ")
            throw MerkleLogError(.untrusted, "none of the note's signatures (\(names)) is by a trusted key")
        }
        return verified
    }
}
