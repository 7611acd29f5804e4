import Foundation

/// A self-contained, offline-verifiable proof that a leaf is in a log, in the C2SP `tlog-proof`
/// text format. The `extra` line carries the leaf's own bytes, so the bundle needs nothing else:
///
/// ```
/// c2sp.org/tlog-proof@v1
/// extra <base64 leaf bytes>
/// index <leaf index>
/// <base64 proof hash, one per line, the leaf's sibling first>
///
/// <signed checkpoint, verbatim>
/// ```
public struct ProofBundle: Hashable, Sendable {
    public static let header = "c2sp.org/tlog-proof@v1"

    public let leaf: [UInt8]
    public let index: UInt64
    public let proof: [SHA256Hash]
    public let checkpoint: SignedNote

    public init(leaf: [UInt8], index: UInt64, proof: [SHA256Hash], checkpoint: SignedNote) {
        self.leaf = leaf
        self.index = index
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public var text: String {
        var lines = [Self.header, "extra \(Data(leaf).base64EncodedString())", "index \(index)"]
        lines += proof.map(\.base64)
        return lines.map { $0 + "\n" }.joined() + "\n" + checkpoint.formatted
    }

    public init(text: String) throws {
        guard let separator = text.range(of: "\n\n") else {
            throw MerkleLogError(.malformed, "the proof bundle has no blank line before its checkpoint")
        }
        var lines = text[..<separator.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)[...]
        guard lines.popFirst() == Substring(Self.header) else {
            throw MerkleLogError(.malformed, "the proof bundle does not start with \(Self.header)")
        }
        guard let extra = lines.popFirst(), extra.hasPrefix("extra "), let leaf = Data(base64Encoded: String(extra.dropFirst(6))) else {
            throw MerkleLogError(.malformed, "line 2 of the proof bundle must be \"extra\" and the base64 leaf")
        }
        guard let indexLine = lines.popFirst(), indexLine.hasPrefix("index ") else {
            throw MerkleLogError(.malformed, "line 3 of the proof bundle must be \"index\" and the leaf index")
        }
        self.index = try Checkpoint.parseSize(String(indexLine.dropFirst(6)), line: 3)
        self.leaf = Array(leaf)
        self.proof = try lines.enumerated().map { number, line in
            guard let hash = SHA256Hash(base64: String(line)) else {
                throw MerkleLogError(.malformed, "line \(number + 4) of the proof bundle is not a base64 hash")
            }
            return hash
        }
        self.checkpoint = try SignedNote(parsing: Array(text[separator.upperBound...].utf8))
    }

    /// Verifies the checkpoint under the policy and the leaf's inclusion in it; returns the checkpoint.
    @discardableResult
    public func verify(policy: TrustPolicy) throws -> Checkpoint {
        let verified = try policy.verify(checkpoint)
        try ProofVerifier.verifyInclusion(
            leafHash: RFC6962.leafHash(leaf), index: index, size: verified.size, proof: proof, root: verified.root)
        return verified
    }
}
