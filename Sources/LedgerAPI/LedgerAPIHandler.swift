import ConsentModel
import Foundation
import LedgerStore
import MerkleLog

/// Answers the operations of openapi.yaml from the partition ledgers this process holds. Each
/// operation first checks that the caller's role may ask it (``Caller``), then reads one snapshot.
struct LedgerAPIHandler: APIProtocol {
    /// The ledgers served now, by partition.
    let ledgers: @Sendable () -> [PartitionLedger]
    /// The origins of ledgers held but not served now.
    let unserved: @Sendable () -> [String]
    let names: InstitutionNames
    let subjectSecret: SubjectSecret
    let subjectKeyStatement: String?

    func ledger(_ partition: Int32) throws -> PartitionLedger {
        guard let ledger = ledgers().first(where: { $0.partition == partition }) else {
            throw Problem.notFound("this ledgerd holds no ledger for partition \(partition); GET /v1/ledgers lists those it holds")
        }
        return ledger
    }

    /// A hash parameter: 64 lowercase hex digits, as the API writes hashes.
    func hash(_ hex: String, parameter: String) throws -> SHA256Hash {
        guard hex == hex.lowercased(), let hash = SHA256Hash(hex: hex) else {
            throw Problem.badRequest("\(parameter) must be 64 lowercase hex digits")
        }
        return hash
    }

    func latestCheckpoint(of ledger: PartitionLedger) throws -> PartitionLedger.SignedCheckpoint {
        guard let checkpoint = ledger.latestCheckpoint else { throw Problem.notYetCheckpointed("\(ledger.origin) has no checkpoint yet") }
        return checkpoint
    }

    /// An offline proof (c2sp.org/tlog-proof) that leaf `index` is in the ledger's latest checkpoint.
    func proofBundle(_ ledger: PartitionLedger, index: UInt64) async throws -> String {
        let checkpoint = try latestCheckpoint(of: ledger)
        guard index < checkpoint.size else {
            throw Problem.notYetCheckpointed(
                "entry \(index) of \(ledger.origin) is newer than its latest checkpoint (\(checkpoint.size) leaves)")
        }
        let (leaf, proof) = try await ledger.read { reader in
            (try reader.leaf(at: index), try reader.inclusionProof(index: index, size: checkpoint.size))
        }
        let note = try SignedNote(parsing: Array(checkpoint.note.utf8))
        return ProofBundle(leaf: leaf, index: index, proof: proof, checkpoint: note).text
    }

    /// The subject-map proof of `key` at the ledger's latest map checkpoint.
    func subjectCompleteness(_ ledger: PartitionLedger, key: SHA256Hash, withEntries: Bool) async throws
        -> Components.Schemas.SubjectCompleteness
    {
        let checkpoint = try latestCheckpoint(of: ledger)
        var positions: [Components.Schemas.Position] = []
        var nextCursor: String?
        if withEntries, let value = checkpoint.subjects.value(for: key) {
            let page = try await subjectEntries(ledger, key: key, below: checkpoint.size, after: nil, limit: PageLimit.maximumLimit)
            positions = page.items
            nextCursor = value.count > UInt64(positions.count) ? page.nextCursor : nil
        }
        let cosigned = try await ledger.read { [size = checkpoint.size] in try $0.cosignedCheckpoints(sizes: size...size)[size] ?? [:] }
        return .init(
            ledger: ledger.origin, partition: ledger.partition, checkpoint: checkpoint.note, cosignatures: .init(cosigned),
            mapCheckpoint: checkpoint.mapNote, subjectKey: key.hex, proof: .init(checkpoint.subjects.proof(for: key)), entries: positions,
            nextCursor: nextCursor)
    }

    /// A page of a subject's leaves below `size` (those a checkpoint of that size covers), in order.
    func subjectEntries(_ ledger: PartitionLedger, key: SHA256Hash, below size: UInt64, after: UInt64?, limit: Int) async throws
        -> Components.Schemas.PositionPage
    {
        var filter = EntryFilter()
        filter.subject = SubjectReference(bytes: key.bytes)
        filter.below = size
        let entries = try await ledger.read { [filter] in try $0.entries(matching: filter, after: after, limit: limit) }
        let next = entries.count == limit ? entries.last.map { PageCursor(partition: ledger.partition, index: $0.index).text } : nil
        return .init(items: entries.map { .init(ledger, $0, withBytes: true) }, nextCursor: next)
    }
}

extension Components.Schemas.Cosignatures {
    /// Witnesses' cosigned notes, by witness name, in name order.
    init(_ notes: [String: String]) {
        self = notes.sorted { $0.key < $1.key }.map { .init(witness: $0.key, note: $0.value) }
    }
}
