import Foundation

/// A C2SP `tlog-checkpoint`: the note text naming a log (origin), its size and its root hash.
public struct Checkpoint: Hashable, Sendable {
    public let origin: String
    public let size: UInt64
    public let root: SHA256Hash
    /// Opaque extra lines, signed with the rest.
    public let extensions: [String]

    public init(origin: String, size: UInt64, root: SHA256Hash, extensions: [String] = []) throws {
        guard !origin.isEmpty, !origin.contains("\n") else {
            throw MerkleLogError(.malformed, "a checkpoint's origin must be a non-empty single line")
        }
        guard extensions.allSatisfy({ !$0.isEmpty && !$0.contains("\n") }) else {
            throw MerkleLogError(.malformed, "checkpoint extension lines must be non-empty single lines")
        }
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// Parses a checkpoint from a note text.
    public init(text: String) throws {
        guard text.hasSuffix("\n") else { throw MerkleLogError(.malformed, "a checkpoint text ends with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else {
            throw MerkleLogError(.malformed, "a checkpoint has at least 3 lines (origin, size, root), not \(lines.count)")
        }
        try self.init(
            origin: lines[0], size: try Self.parseSize(lines[1], line: 2), root: try Self.parseRoot(lines[2]),
            extensions: Array(lines.dropFirst(3)))
    }

    /// The note text: origin, size and root lines, then any extension lines.
    public var text: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// A decimal with no sign and no leading zero (except "0"), that fits in 64 bits.
    static func parseSize(_ field: String, line: Int) throws -> UInt64 {
        guard !field.isEmpty, field.utf8.allSatisfy({ (48...57).contains($0) }), field == "0" || !field.hasPrefix("0"),
            let size = UInt64(field)
        else {
            throw MerkleLogError(.malformed, "line \(line) \"\(field)\" is not a size (decimal, no leading zeros, below 2^64)")
        }
        return size
    }

    static func parseRoot(_ field: String) throws -> SHA256Hash {
        guard let root = SHA256Hash(base64: field), root.base64 == field else {
            throw MerkleLogError(.malformed, "line 3 \"\(field)\" is not the base64 of a 32-byte root hash")
        }
        return root
    }
}

extension SignedNote {
    /// A checkpoint signed by `signer`, whose key name should be the checkpoint's origin.
    public static func checkpoint(_ checkpoint: Checkpoint, signedBy signer: NoteSigner) throws -> SignedNote {
        var note = try SignedNote(text: checkpoint.text)
        try note.sign(with: signer)
        return note
    }
}
