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

    /// Which of a subject's entries a completeness answer carries.
    enum AnswerEntries {
        /// None: a regulator's query about a key.
        case none
        /// The first page, the rest at /v1/me/completeness/{partition}/entries.
        case firstPage
        /// Every one, each with its inclusion proof: a bundle's.
        case all
    }

    /// The subject-map proof of `key` at the ledger's latest map checkpoint, with the subject's entries below it.
    func subjectCompleteness(_ ledger: PartitionLedger, key: SHA256Hash, entries: AnswerEntries) async throws
        -> Components.Schemas.SubjectCompleteness
    {
        let checkpoint = try latestCheckpoint(of: ledger)
        var positions: [Components.Schemas.Position] = []
        var nextCursor: String?
        if let value = checkpoint.subjects.value(for: key) {
            switch entries {
            case .none: break
            case .firstPage:
                let page = try await subjectEntries(ledger, key: key, below: checkpoint.size, after: nil, limit: PageLimit.maximumLimit)
                positions = page.items
                nextCursor = value.count > UInt64(positions.count) ? page.nextCursor : nil
            case .all:
                positions = try await provenEntries(ledger, key: key, below: checkpoint.size)
            }
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
        let filter = EntryFilter(subject: key, below: size)
        let entries = try await ledger.read { [filter] in try $0.entries(matching: filter, after: after, limit: limit) }
        let next = entries.count == limit ? entries.last.map { PageCursor(partition: ledger.partition, index: $0.index).text } : nil
        return .init(items: entries.map { .init(ledger, $0, withBytes: true) }, nextCursor: next)
    }

    /// All of a subject's leaves below `size`, each with its inclusion proof at that size, read a thousand at a time.
    private func provenEntries(_ ledger: PartitionLedger, key: SHA256Hash, below size: UInt64) async throws
        -> [Components.Schemas.Position]
    {
        let filter = EntryFilter(subject: key, below: size)
        var positions: [Components.Schemas.Position] = []
        var after: UInt64?
        repeat {
            let page = try await ledger.read { [filter, after] reader in
                try reader.entries(matching: filter, after: after, limit: 1000).map {
                    ($0, try reader.inclusionProof(index: $0.index, size: size))
                }
            }
            positions += page.map { entry, proof in
                var position = Components.Schemas.Position(ledger, entry, withBytes: true)
                position.inclusionProof = proof.map(\.hex)
                return position
            }
            after = page.count == 1000 ? page.last?.0.index : nil
        } while after != nil
        return positions
    }
}

extension EntryFilter {
    /// A subject's entries that a checkpoint of `size` leaves covers.
    init(subject key: SHA256Hash, below size: UInt64) {
        self.init()
        subject = SubjectReference(bytes: key.bytes)
        below = size
    }
}

extension Components.Schemas.Cosignatures {
    /// Witnesses' cosigned notes, by witness name, in name order.
    init(_ notes: [String: String]) {
        self = notes.sorted { $0.key < $1.key }.map { .init(witness: $0.key, note: $0.value) }
    }
}
