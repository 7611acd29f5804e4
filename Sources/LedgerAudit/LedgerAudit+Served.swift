import LedgerClient
import LedgerStore
import MerkleLog

extension LedgerAudit {
    /// Checks a ledger as a ledgerd serves it (with a regulator's token): every check made on the file but the
    /// stored per-subject rows, which the API does not serve. The next leaves are fetched while the last are checked.
    public func verify(
        _ ledger: LedgerAPIClient.Ledger, servedBy api: LedgerAPIClient, progress: (UInt64, UInt64) -> Void = { _, _ in }
    ) async throws -> Summary {
        func failure(_ error: any Error) -> Failure { Failure(origin: ledger.name, index: nil, reason: "\(error)") }
        let checkpoints: [LedgerAPIClient.Checkpoint]
        do {
            checkpoints = try await api.checkpoints(partition: ledger.partition)
        } catch {
            throw failure(error)
        }
        var verification = try Verification(
            self, origin: ledger.name, topic: ledger.topic, partition: ledger.partition,
            checkpoints: checkpoints.map { ($0.size, $0.note, $0.mapNote) },
            cosigned: Dictionary(checkpoints.map { ($0.size, $0.cosignatures) }, uniquingKeysWith: { first, _ in first }))
        // A live ledger may have signed checkpoints past the size listed before they were read.
        let total = max(ledger.size, checkpoints.last?.size ?? 0)
        var preparer = self.preparer
        func fetch(from start: UInt64) -> Task<[StoredLeaf], any Error> {
            Task {
                try await api.leaves(partition: ledger.partition, from: start, to: min(total, start + UInt64(Self.batchSize)))
                    .map(StoredLeaf.init(served:))
            }
        }
        var next = fetch(from: 0)
        defer { next.cancel() }
        while verification.size < total {
            let batch: [StoredLeaf]
            do {
                batch = try await next.value
            } catch {
                throw failure(error)
            }
            let end = verification.size + UInt64(batch.count)
            if end < total { next = fetch(from: end) }
            let examined = ExaminedBatch(batch, preparingWith: preparer)
            try await OwnThread.run { examined.examineOnAllCores() }
            try verification.check(examined)
            preparer = verification.signingKeys
            progress(verification.size, total)
        }
        return try verification.finish(subjectRows: nil)
    }
}

extension StoredLeaf {
    /// A served leaf as the checks read a stored one; a hash that is not 64 hex digits is kept as its text's
    /// bytes, so that it fails the comparison with the hash computed.
    init(served leaf: LedgerAPIClient.Leaf) {
        func bytes(_ hex: String) -> [UInt8] { SHA256Hash(hex: hex)?.bytes ?? Array(hex.utf8) }
        self.init(
            index: leaf.index, leaf: leaf.leaf, leafHash: bytes(leaf.leafHash), chainHash: bytes(leaf.chainHash), value: leaf.value,
            headers: leaf.headers, redacted: leaf.redacted, erasedBy: leaf.erasedBy)
    }
}
