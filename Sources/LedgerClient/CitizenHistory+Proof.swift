import ConsentModel
import Crypto
import Foundation
import LedgerFormat
import MerkleLog

extension CitizenHistory {
    /// One ledger's completeness answer once checked: the citizen's leaves below its checkpoint, all of them, and what
    /// each access record among them says.
    struct ProvenAnswer {
        let summary: ProvenLedger
        let leaves: [UInt64: LedgerLeaf]
        let accesses: [UInt64: DataAccess]

        /// Every proven access, in ledger order, with its facts from its leaf and its record's bytes.
        func provenAccesses() throws -> [Access] {
            try leaves.keys.sorted().compactMap { index in
                let leaf = leaves[index]!
                guard leaf.eventType == EventType.accessPerformed.rawValue else { return nil }
                return try Access(proven: leaf, said: accesses[index], ledger: summary.ledger, index: index)
            }
        }
    }

    /// Where one ledger's proof must lead: its key, and a witness policy's quorum if one is given.
    struct Trust {
        let ledgerKey: Curve25519.Signing.PublicKey
        /// The text of a trust policy's `witness` and `quorum` lines (ledger-format.md §7).
        let witnessPolicy: String?
    }

    /// One ledger's answer whose checkpoints are checked: signed by the ledger key, in agreement, and carrying the
    /// witness policy's quorum if one is given. Its entries are checked next, once read (``prove(_:subject:inclusion:)``).
    struct CheckedCheckpoints {
        let answer: Components.Schemas.SubjectCompleteness
        let key: SHA256Hash
        let checkpoint: Checkpoint
        let map: MapCheckpoint
        let proof: SubjectMapProof
        let witnessedBy: [String]

        /// How many entries the proof says the subject has: what to read before ``prove(_:subject:inclusion:)``.
        var provenCount: UInt64 { proof.count(of: key) }

        init(_ answer: Components.Schemas.SubjectCompleteness, under trust: Trust) throws {
            self.answer = answer
            let log = try NoteVerifier(name: answer.ledger, kind: .ed25519, publicKey: Array(trust.ledgerKey.rawRepresentation))
            let policy = try TrustPolicy(log: log)
            do {
                checkpoint = try policy.verify(try SignedNote(parsing: Array(answer.checkpoint.utf8)))
                map = try policy.verifyMap(try SignedNote(parsing: Array(answer.mapCheckpoint.utf8)))
            } catch {
                throw Self.fail(answer, "its checkpoints are not signed by the ledger key: \(error)")
            }
            guard map.log == checkpoint else {
                throw Self.fail(answer, "the subject-map checkpoint is of another tree than the log checkpoint")
            }
            var witnessedBy: [String] = []
            if let witnessPolicy = trust.witnessPolicy {
                let witnesses = try TrustPolicy(text: witnessPolicy, log: log)
                let notes = Dictionary(answer.cosignatures.map { ($0.witness, $0.note) }, uniquingKeysWith: { first, _ in first })
                witnessedBy = witnesses.cosigners(of: checkpoint, in: notes).map(\.name)
                guard witnessedBy.count >= witnesses.quorum else {
                    throw Self.fail(
                        answer,
                        "its checkpoint at \(checkpoint.size) leaves carries the cosignatures of \(witnessedBy.count) of the \(witnesses.quorum) witnesses the policy requires, so it could be a view shown to you alone; try again once the witnesses have cosigned it"
                    )
                }
            }
            self.witnessedBy = witnessedBy
            guard answer.ledger.hasSuffix("/\(answer.partition)") else {
                throw Self.fail(answer, "the answer names partition \(answer.partition)")
            }
            guard let key = SHA256Hash(lowercaseHex: answer.subjectKey) else {
                throw Self.fail(answer, "the subject key is not a SHA-256 hash in lowercase hex")
            }
            self.key = key
            proof = try answer.proof.subjectMapProof
        }

        static func fail(_ answer: Components.Schemas.SubjectCompleteness, _ reason: String) -> LedgerClientError {
            LedgerClientError(.unproven, "\(answer.ledger): \(reason)")
        }

        /// Checks that `entries` are the subject's whole history up to the checkpoint: each leaf the bytes of its hash
        /// and about the subject key, each value the one its leaf commits to and, when `subject` is known, naming it.
        /// `inclusion` requires each entry's inclusion proof at its index (bundles carry them).
        func prove(_ entries: [Components.Schemas.Position], subject: String?, inclusion: Bool) throws -> ProvenAnswer {
            func fail(_ reason: String) -> LedgerClientError { Self.fail(answer, reason) }
            let leafHashes = entries.compactMap { SHA256Hash(lowercaseHex: $0.leafHash) }
            guard leafHashes.count == entries.count,
                entries.allSatisfy({ $0.ledger == answer.ledger && UInt64(exactly: $0.index).map { $0 < checkpoint.size } ?? false })
            else { throw fail("the entries listed are not leaves of this ledger below its checkpoint") }
            do {
                try proof.verifyHistory(key: key, leafHashes: leafHashes, root: map.mapRoot)
            } catch {
                throw fail("the entries listed are not the citizen's whole history at the checkpoint: \(error)")
            }
            var leaves: [UInt64: LedgerLeaf] = [:]
            var accesses: [UInt64: DataAccess] = [:]
            var erased: [(index: UInt64, by: UInt64)] = []
            for (entry, leafHash) in zip(entries, leafHashes) {
                let index = UInt64(entry.index)
                guard let bytes = entry.leaf.map({ Array($0.data) }), RFC6962.leafHash(bytes) == leafHash,
                    let leaf = try? LedgerLeaf(decoding: bytes)
                else { throw fail("entry \(index) comes without the leaf bytes that hash to its leaf hash") }
                guard leaf.subject?.bytes == key.bytes, leaf.partition == answer.partition, entry.partition == answer.partition else {
                    throw fail("the leaf of entry \(index) is not about the proven subject key in this partition")
                }
                guard leaves.updateValue(leaf, forKey: index) == nil else { throw fail("entry \(index) is listed twice") }
                if inclusion {
                    let path = (entry.inclusionProof ?? []).compactMap(SHA256Hash.init(lowercaseHex:))
                    guard entry.inclusionProof?.count == path.count,
                        (try? ProofVerifier.verifyInclusion(
                            leafHash: leafHash, index: index, size: checkpoint.size, proof: path, root: checkpoint.root)) != nil
                    else { throw fail("entry \(index) comes without an inclusion proof of its leaf at that index") }
                }
                // A record's value may be gone only by an erasure the citizen's own history records (checked below), but one
                // given must be the one the leaf commits to.
                guard let value = entry.value.map({ Array($0.data) }) else {
                    guard leaf.valueHash != nil else { continue }  // a tombstone: nothing to give
                    guard entry.redacted == true, let by = entry.erasedBy.flatMap(UInt64.init(exactly:)) else {
                        throw fail(
                            "entry \(index) comes without its record, which its leaf commits to, and no erasure of the citizen's removed it"
                        )
                    }
                    erased.append((index, by))
                    continue
                }
                guard SHA256Hash.of(value) == leaf.valueHash else {
                    throw fail("the record given for entry \(index) is not the one its leaf commits to")
                }
                guard let event = try? Event.decode(value), event.id == leaf.eventID else { continue }
                if let subject, event.subject != subject {
                    throw fail("the record of entry \(index) is about another subject than \(subject)")
                }
                if case .accessPerformed(let access) = event.data { accesses[index] = access }
            }
            for record in erased {
                guard let erasure = leaves[record.by], record.by >= record.index,
                    let scope = (try? VerdictCodes(canonicalJSON: erasure.verdict))?.erasure,
                    scope.covers(kafkaTimestamp: leaves[record.index]?.timestamp)
                else {
                    throw fail(
                        "entry \(record.index) is said to be erased by leaf \(record.by), which is no erasure in the citizen's history up to the checkpoint that covers it (after a new erasure, ask again once a checkpoint covers it)"
                    )
                }
            }
            return ProvenAnswer(
                summary: ProvenLedger(ledger: answer.ledger, size: checkpoint.size, entries: entries.count, witnessedBy: witnessedBy),
                leaves: leaves, accesses: accesses)
        }
    }
}

extension CitizenHistory.Access {
    /// A proven access: the leaf's facts (institution, verdict, findings) and, when its record is at hand, what the
    /// record says; nothing but the leaf's facts when its value is gone.
    init(proven leaf: LedgerLeaf, said access: DataAccess?, ledger: String, index: UInt64) throws {
        let codes = try VerdictCodes(canonicalJSON: leaf.verdict)
        self.init(
            ledger: ledger, index: index, occurredAt: access?.occurredAt.description, institution: leaf.producer,
            action: access?.action, purpose: access?.purpose, dataHolder: access?.dataHolder, dataCategories: access?.dataCategories ?? [],
            recordCount: access?.recordCount, dataForm: access?.dataForm, outcome: codes.listedOutcome, findings: codes.findings,
            isProven: true)
    }
}

extension Components.Schemas.MapProof {
    /// The proof as MerkleLog reads it.
    var subjectMapProof: SubjectMapProof {
        get throws {
            func hash(_ hex: String) throws -> SHA256Hash {
                guard let hash = SHA256Hash(lowercaseHex: hex) else {
                    throw LedgerClientError(.malformedAnswer, "\(hex.prefix(64)) is not a SHA-256 hash in lowercase hex")
                }
                return hash
            }
            var terminal = SubjectMapProof.Terminal.empty
            if let leafKey, let leafCount, let leafChainHead {
                terminal = .leaf(
                    key: try hash(leafKey),
                    value: SubjectMapValue(count: try unsigned(leafCount, "a subject's leaf count"), chainHead: try hash(leafChainHead)))
            }
            return SubjectMapProof(siblings: try siblings.map(hash), terminal: terminal)
        }
    }
}

extension SubjectMapProof {
    /// How many leaves the proof says `key` has: its own leaf's count, or none when the path ends elsewhere. Only a
    /// bound on what to fetch: ``verifyHistory(key:leafHashes:root:)`` decides.
    func count(of key: SHA256Hash) -> UInt64 {
        if case .leaf(key, let value) = terminal { value.count } else { 0 }
    }
}

extension SHA256Hash {
    /// A hash as the API writes it: 64 lowercase hex digits, so that each hash has one spelling.
    init?(lowercaseHex hex: String) {
        guard let hash = SHA256Hash(hex: hex), hash.hex == hex else { return nil }
        self = hash
    }
}
