import MerkleLog
import Testing

@Suite("Hash chain bound to the tree", .timeLimit(.minutes(10)))
struct HashChainTests {
    /// A toy leaf format for the test: the previous chain hash, then a payload.
    func leaves(_ payloads: [String]) -> [[UInt8]] {
        var chain = HashChain.genesis
        return payloads.map { payload in
            let leaf = chain.bytes + Array(payload.utf8)
            chain = HashChain.next(chain, RFC6962.leafHash(leaf))
            return leaf
        }
    }

    func verifier() -> ChainedLogVerifier {
        ChainedLogVerifier { SHA256Hash(bytes: $0.prefix(32))! }
    }

    func publish(_ leaves: [[UInt8]]) -> (root: SHA256Hash, head: SHA256Hash) {
        let hashes = leaves.map(RFC6962.leafHash)
        return (RFC6962.rootHash(hashes), hashes.reduce(HashChain.genesis, HashChain.next))
    }

    @Test("the genesis is SHA-256 of \"consent-ledger/chain/v1\"")
    func genesis() {
        #expect(HashChain.genesis == SHA256Hash.of(Array("consent-ledger/chain/v1".utf8)))
    }

    @Test("an honest history passes both the chain and the root")
    func honest() throws {
        let history = leaves((0..<50).map { "event \($0)" })
        let published = publish(history)
        var check = verifier()
        for leaf in history { try check.append(leaf: leaf) }
        try check.finish(size: 50, root: published.root, chainHead: published.head)
    }

    @Test("a history whose leaves were reordered is caught by the chain at the first moved leaf")
    func reordered() throws {
        var history = leaves((0..<10).map { "event \($0)" })
        history.swapAt(4, 6)
        var check = verifier()
        for leaf in history.prefix(4) { try check.append(leaf: leaf) }
        let error = #expect(throws: MerkleLogError.self) { try check.append(leaf: history[4]) }
        #expect(error?.code == .chainMismatch)
        #expect(error?.reason.hasPrefix("leaf 4 ") == true)
    }

    @Test("a self-consistent chain that shows other leaves than the tree holds is caught by the root")
    func otherHistory() throws {
        let published = publish(leaves(["a", "b", "c"]))
        let forged = leaves(["a", "B", "c"])  // chains perfectly from genesis, but is not the published tree
        var check = verifier()
        for leaf in forged { try check.append(leaf: leaf) }
        let error = #expect(throws: MerkleLogError.self) { try check.finish(size: 3, root: published.root) }
        #expect(error?.code == .chainMismatch)
    }

    @Test("leaves that keep the published root but not the published chain head are caught")
    func otherChainHead() throws {
        let history = leaves(["a", "b"])
        let published = publish(history)
        var check = verifier()
        for leaf in history { try check.append(leaf: leaf) }
        #expect(throws: MerkleLogError.self) { try check.finish(size: 2, root: published.root, chainHead: .zero) }
        #expect(throws: MerkleLogError.self) { try check.finish(size: 3, root: published.root) }
    }
}
