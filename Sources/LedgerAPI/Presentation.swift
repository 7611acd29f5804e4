import ConsentModel
import Foundation
import LedgerStore
import MerkleLog

/// How ledger facts are shown in the API's JSON.
extension Components.Schemas.Position {
    /// Where `entry` is, with its leaf's and its record's bytes if `withBytes`.
    init(_ ledger: PartitionLedger, _ entry: IndexedEntry, withBytes: Bool = false) {
        self.init(
            ledger: ledger.origin, partition: ledger.partition, index: Int64(entry.index), leafHash: entry.leafHash.hex,
            leaf: withBytes ? .init(entry.leaf.encoded) : nil, value: withBytes ? entry.value.map { .init($0) } : nil,
            redacted: withBytes && entry.redacted ? true : nil, erasedBy: withBytes ? entry.erasedBy.map { Int64($0) } : nil)
    }
}

extension Components.Schemas.Outcome {
    init(_ entry: IndexedEntry) throws {
        guard let outcome = Self(rawValue: entry.outcome) else {
            throw LedgerStoreError(.corrupt, "entry \(entry.index) has outcome \(entry.outcome), which this API does not know")
        }
        self = outcome
    }
}

extension Components.Schemas.Institution {
    init(_ id: String, names: InstitutionNames) {
        self.init(id: id, name: names.name(of: id))
    }
}

extension Components.Schemas.Entry {
    init(_ ledger: PartitionLedger, _ entry: IndexedEntry) throws {
        self.init(
            position: .init(ledger, entry), offset: entry.leaf.offset, eventId: entry.leaf.eventID.isEmpty ? nil : entry.leaf.eventID,
            eventType: entry.leaf.eventType, institution: entry.institution, occurredAt: entry.occurredAt.map(instant(nanoseconds:)),
            outcome: try .init(entry), findings: entry.findings, verdict: String(decoding: entry.leaf.verdict, as: UTF8.self),
            valueSha256: entry.leaf.valueHash?.hex)
    }
}

extension Components.Schemas.AccessEntry {
    /// What a citizen sees of an access, read from the ledger's own bytes, not from the query index that found it (a
    /// derived table, which only `ledgerctl verify --data-dir` holds to them): institution, verdict and findings from the
    /// leaf; the rest from the record the leaf commits to, when it is there and is that record. Only the time of a
    /// record no longer at hand comes from the index.
    init(_ ledger: PartitionLedger, _ entry: IndexedEntry, names: InstitutionNames) throws {
        let codes = try VerdictCodes(canonicalJSON: entry.leaf.verdict)
        guard let outcome = Components.Schemas.Outcome(rawValue: codes.listedOutcome) else {
            throw LedgerStoreError(
                .corrupt, "the verdict of leaf \(entry.index) has outcome \(codes.listedOutcome), which this API does not know")
        }
        var access: DataAccess?
        if let value = entry.value, SHA256Hash.of(value) == entry.leaf.valueHash,
            case .accessPerformed(let performed) = try? Event.decode(value).data
        {
            access = performed
        }
        self.init(
            position: .init(ledger, entry), institution: .init(entry.leaf.producer, names: names),
            occurredAt: access?.occurredAt.description ?? entry.occurredAt.map(instant(nanoseconds:)), action: access?.action,
            purpose: access?.purpose, dataCategories: access?.dataCategories, recordCount: access?.recordCount,
            dataForm: access?.dataForm, dataHolder: access?.dataHolder, transmissionId: access?.transmissionId,
            transmissionType: access?.transmissionType.flatMap(Components.Schemas.TransmissionType.init(rawValue:)),
            outcome: outcome, consentId: codes.consentId, findings: codes.findings, redacted: entry.redacted,
            erasure: entry.erasingLeaf.flatMap { leaf in
                entry.erasedBy.map { index in
                    .init(
                        index: Int64(index), institution: .init(leaf.producer, names: names),
                        at: leaf.timestamp.flatMap { Timestamp(milliseconds: $0)?.description })
                }
            })
    }
}

extension Components.Schemas.MapProof {
    init(_ proof: SubjectMapProof) {
        switch proof.terminal {
        case .empty:
            self.init(siblings: proof.siblings.map(\.hex))
        case .leaf(let key, let value):
            self.init(
                siblings: proof.siblings.map(\.hex), leafKey: key.hex, leafCount: Int64(value.count), leafChainHead: value.chainHead.hex)
        }
    }
}

extension Components.Schemas.Consent {
    init(
        _ record: ConsentState.Record, changes: [Components.Schemas.ConsentChange], ledger: PartitionLedger, now: Timestamp,
        names: InstitutionNames
    ) {
        let grant = record.grant
        let status: StatusPayload
        if let revoked = record.revokedAt, revoked <= now {
            status = .revoked
        } else if let superseded = record.supersededAt, superseded <= now {
            status = .superseded
        } else if grant.validUntil <= now {
            status = .expired
        } else if now < grant.validFrom {
            status = .pending
        } else {
            status = .active
        }
        self.init(
            consentId: grant.consentId, dataHolder: grant.dataHolder, recipients: grant.recipients, purposes: grant.purposes,
            dataCategories: grant.dataCategories, legalBasis: grant.legalBasis, validFrom: grant.validFrom.description,
            validUntil: grant.validUntil.description, revokedAt: record.revokedAt?.description,
            supersededAt: record.supersededAt?.description, status: status, grantedBy: .init(record.grantor, names: names),
            changes: changes, ledger: ledger.origin)
    }
}
