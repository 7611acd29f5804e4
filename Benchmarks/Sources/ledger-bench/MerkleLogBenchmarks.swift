import Crypto
import MerkleLog

/// The log core's figures (issue: verifiable log core): append, proofs at size, verification, subject map.
struct MerkleLogBenchmarks {
    let leaves: Int
    let mapKeys: Int
    let mapBatch: Int
    let command: String

    func run() throws -> [Figure] {
        var figures: [Figure] = []
        let payload = [UInt8](repeating: 0x5a, count: 300)

        // The machine's limits: SHA-256 over a 300-byte leaf, and over a 65-byte tree node.
        let hashes = 200_000
        let shaRate = rate(operations: hashes) {
            var bytes = payload
            var sink = SHA256Hash.zero
            for i in 0..<hashes {
                bytes[0] = UInt8(truncatingIfNeeded: i)
                var hasher = SHA256()
                bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                sink = SHA256Hash(bytes: Array(hasher.finalize()))!
            }
            precondition(sink != .zero)
        }
        let nodeRate = rate(operations: hashes) {
            var sink = SHA256Hash.of(payload)
            for _ in 0..<hashes { sink = RFC6962.nodeHash(sink, sink) }
            precondition(sink != .zero)
        }
        figures.append(Figure(name: "SHA-256 of 300 bytes", value: shaRate, unit: "hashes/s", limit: nil, limitName: nil, command: command))
        figures.append(
            Figure(name: "SHA-256 of a 65-byte node", value: nodeRate, unit: "hashes/s", limit: nil, limitName: nil, command: command))
        say("sha256: \(Int(shaRate)) leaf hashes/s, \(Int(nodeRate)) node hashes/s")
        // Each appended leaf costs one leaf hash and, amortised, one node hash.
        let appendLimit = 1 / (1 / shaRate + 1 / nodeRate)

        // Append: hash each 300-byte leaf and add it to the tree (two hashes per leaf, amortised).
        let appendCount = 500_000
        let appendRate = rate(operations: appendCount) {
            var frontier = MerkleFrontier()
            var bytes = payload
            for i in 0..<appendCount {
                bytes[0] = UInt8(truncatingIfNeeded: i)
                bytes[1] = UInt8(truncatingIfNeeded: i >> 8)
                frontier.append(RFC6962.leafHash(bytes))
            }
            precondition(frontier.size == UInt64(appendCount))
        }
        figures.append(
            Figure(
                name: "append 300-byte leaves", value: appendRate, unit: "leaves/s", limit: appendLimit,
                limitName: "one leaf + one node hash", command: command))
        say("append: \(Int(appendRate)) leaves/s")

        for size in [leaves / 10, leaves] where size > 0 {
            say("building an in-memory tree of \(size) leaves…")
            var store = MemoryNodeStore()
            for i in 0..<size { store.append(SHA256Hash.of(withUnsafeBytes(of: UInt64(i)) { Array($0) })) }
            let root = store.root
            let n = UInt64(size)
            var random = SystemRandomNumberGenerator()
            let inclusion = try latencies(count: 2_000) { _ in
                _ = try store.inclusionProof(index: UInt64.random(in: 0..<n, using: &random), size: n)
            }
            let consistency = try latencies(count: 2_000) { _ in
                _ = try store.consistencyProof(from: UInt64.random(in: 1...n, using: &random), to: n)
            }
            figures.append(
                Figure(
                    name: "inclusion proof at \(size) leaves, p50", value: inclusion.percentile(0.5).microseconds, unit: "µs", limit: nil,
                    limitName: nil, command: command))
            figures.append(
                Figure(
                    name: "consistency proof at \(size) leaves, p50", value: consistency.percentile(0.5).microseconds, unit: "µs",
                    limit: nil, limitName: nil, command: command))
            let index = n / 3
            let proof = try store.inclusionProof(index: index, size: n)
            let leaf = try store.hash(of: NodeID(level: 0, index: index))
            let verifications = 20_000
            let verifyRate = try rate(operations: verifications) {
                for _ in 0..<verifications {
                    try ProofVerifier.verifyInclusion(leafHash: leaf, index: index, size: n, proof: proof, root: root)
                }
            }
            figures.append(
                Figure(
                    name: "inclusion proof verification at \(size) leaves", value: verifyRate, unit: "proofs/s",
                    limit: nodeRate / Double(proof.count), limitName: "node hash rate / \(proof.count)", command: command))
            say(
                "proofs at \(size): inclusion p50 \(inclusion.percentile(0.5)), consistency p50 \(consistency.percentile(0.5)), verify \(Int(verifyRate))/s"
            )
        }

        say("building a subject map of \(mapKeys) keys…")
        func entries(_ range: Range<Int>, generation: UInt64) -> [SHA256Hash: SubjectMapValue] {
            Dictionary(
                uniqueKeysWithValues: range.map { i in
                    (SHA256Hash.of(withUnsafeBytes(of: UInt64(i)) { Array($0) }), SubjectMapValue(count: generation, chainHead: .zero))
                })
        }
        var map = SubjectMap()
        let initial = entries(0..<mapKeys, generation: 1)
        let buildTime = ContinuousClock().measure { map.update(initial) }
        figures.append(
            Figure(
                name: "subject map: build \(mapKeys) keys", value: Double(mapKeys) / buildTime.seconds, unit: "keys/s", limit: nil,
                limitName: nil, command: command))
        // Half the batch updates existing subjects, half adds new ones, as a day of traffic would.
        let batch = entries(mapKeys - mapBatch / 2..<mapKeys + mapBatch / 2, generation: 2)
        let updateTime = ContinuousClock().measure { map.update(batch) }
        figures.append(
            Figure(
                name: "subject map: batch of \(mapBatch) into \(mapKeys) keys", value: Double(mapBatch) / updateTime.seconds,
                unit: "keys/s", limit: nil, limitName: nil, command: command))
        say("subject map: build \(buildTime), batch \(updateTime)")
        return figures
    }
}
