import MerkleLog
import Testing

/// The worked example of docs/ledger-format.md. Its values were computed independently with
/// Python's hashlib, so this test holds the code and the page to the same bytes.
@Suite("docs/ledger-format.md worked example", .timeLimit(.minutes(10)))
struct WorkedExampleTests {
    @Test("chain genesis, a leaf hash and the first chain link")
    func chain() {
        #expect(HashChain.genesis.hex == "80c647c5d75d698e8df8f5ec3cb6445b6846291c5655114eb4b1c325b095e659")
        let leafHash = RFC6962.leafHash(Array("example leaf 0".utf8))
        #expect(leafHash.hex == "13f085038fb34cca98056f163ab99a948848f5a10d817e01f268544bc0432041")
        #expect(HashChain.next(HashChain.genesis, leafHash).hex == "ca00e05e1a7c968686c07efe3904484e34e9788d3b0fe26103ad525b19d26e93")
    }

    @Test("a two-subject map: leaves, and a root above one empty sibling")
    func map() throws {
        let a = SHA256Hash.of(Array("subject-0".utf8))
        let b = SHA256Hash.of(Array("subject-1".utf8))
        let valueA = SubjectMapValue(count: 1, chainHead: h("ca00e05e1a7c968686c07efe3904484e34e9788d3b0fe26103ad525b19d26e93"))
        let valueB = SubjectMapValue(count: 2, chainHead: .zero)
        #expect(SubjectMap.leafHash(key: a, value: valueA).hex == "9b5e58668b0e877eddefeb1966bfd19288caec2891a7ac139c10d545849126bf")
        #expect(SubjectMap.leafHash(key: b, value: valueB).hex == "23120fd19d5c868eabc6e73d9e88cf80e106e81a394ebf5095c8e90945f75429")
        var map = SubjectMap()
        map.update([a: valueA, b: valueB])
        #expect(map.rootHash.base64 == "24ujIUSIZgcVhNbYj8zDKfOrg7jyeWEXL/EQhLI8agE=")
        let proof = map.proof(for: a)
        #expect(proof.siblings == [.zero, SubjectMap.leafHash(key: b, value: valueB)])
    }
}
