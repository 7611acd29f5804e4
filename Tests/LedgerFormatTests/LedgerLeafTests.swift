import ConsentModel
import LedgerFormat
import MerkleLog
import Testing

@Suite("the leaf encoding", .timeLimit(.minutes(10)))
struct LedgerLeafTests {
    static let leaf = LedgerLeaf(
        previousChainHash: HashChain.genesis, topic: "t", partition: -1, offset: 42, timestamp: nil, valueHash: nil, eventID: "é",
        eventType: "consent.revoked", producer: "bank-a", producerSequence: 9,
        subject: SubjectReference(bytes: Array(repeating: 7, count: 32)), subjectScheme: .hmac,
        previousSubjectHead: .zero, verdict: Array(#"{"outcome":"applied"}"#.utf8))

    @Test("survives a round trip, and truncated or trailing bytes or another version are refused")
    func roundTrip() throws {
        let leaf = Self.leaf
        #expect(try LedgerLeaf(decoding: leaf.encoded) == leaf)
        for bytes in [Array(leaf.encoded.dropLast()), leaf.encoded + [0], [2] + leaf.encoded.dropFirst()] {
            #expect(#expect(throws: LedgerFormatError.self) { try LedgerLeaf(decoding: bytes) }?.code == .malformedLeaf)
        }
    }

    @Test("the subject flag says how the reference was derived: 1 HMAC, 2 VOPRF; any other is refused")
    func subjectFlag() throws {
        var leaf = Self.leaf
        let flagAt = leaf.encoded.count - 32 - 4 - leaf.verdict.count - 32 - 1
        #expect(leaf.encoded[flagAt] == 1)
        leaf.subjectScheme = .voprf
        #expect(leaf.encoded[flagAt] == 2)
        #expect(try LedgerLeaf(decoding: leaf.encoded) == leaf)
        var bytes = leaf.encoded
        bytes[flagAt] = 3
        let error = #expect(throws: LedgerFormatError.self) { try LedgerLeaf(decoding: bytes) }
        #expect(error?.reason == "subject flag 3 is none of 0, 1 (HMAC reference), 2 (VOPRF reference)")
    }

    @Test("stored headers survive a round trip, and a count no header follows is refused")
    func storedHeaders() throws {
        let headers: [(name: String, value: [UInt8]?)] = [("consent-ledger-key", Array("bank-a/2025".utf8)), ("empty", nil), ("zero", [])]
        let decoded = try StoredHeaders.decode(StoredHeaders.encode(headers))
        #expect(decoded.map(\.name) == headers.map(\.name) && decoded.map(\.value) == headers.map(\.value))
        let error = #expect(throws: LedgerFormatError.self) { try StoredHeaders.decode([0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect(error?.code == .malformedLeaf && error?.reason == "ends 2 bytes early")
    }
}
