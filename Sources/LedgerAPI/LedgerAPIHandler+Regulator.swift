import Foundation
import LedgerStore
import MerkleLog

/// What a regulator may ask: anything, about every ledger this process holds.
extension LedgerAPIHandler {
    func listLedgers(_ input: Operations.ListLedgers.Input) async throws -> Operations.ListLedgers.Output {
        try Caller.regulator()
        let summaries = ledgers().map { ledger in
            let snapshot = ledger.snapshot
            let checkpoint = ledger.latestCheckpoint
            return Components.Schemas.LedgerSummary(
                ledger: ledger.origin, topic: ledger.topic, partition: ledger.partition, size: Int64(snapshot.size),
                root: snapshot.root.hex,
                checkpoint: checkpoint?.note, mapCheckpoint: checkpoint?.mapNote)
        }
        return .ok(.init(body: .json(summaries)))
    }

    func listCheckpoints(_ input: Operations.ListCheckpoints.Input) async throws -> Operations.ListCheckpoints.Output {
        try Caller.regulator()
        let ledger = try ledger(input.path.partition)
        let limit = try PageLimit.limit(input.query.limit)
        let after = try input.query.cursor.map { try Problem.whenMalformed(PageCursor.checkpointSize($0)) }
        let (checkpoints, cosigned) = try await ledger.read { reader in
            let checkpoints = try reader.checkpoints(after: after, limit: limit)
            guard let first = checkpoints.first, let last = checkpoints.last else { return (checkpoints, [UInt64: [String: String]]()) }
            return (checkpoints, try reader.cosignedCheckpoints(sizes: first.size...last.size))
        }
        let items = checkpoints.map { checkpoint in
            Components.Schemas.CheckpointPage.ItemsPayloadPayload(
                size: Int64(checkpoint.size), checkpoint: checkpoint.note, mapCheckpoint: checkpoint.mapNote,
                cosignatures: .init(cosigned[checkpoint.size] ?? [:]))
        }
        let next = checkpoints.count == limit ? checkpoints.last.map { String($0.size) } : nil
        return .ok(.init(body: .json(.init(items: items, nextCursor: next))))
    }

    func listLeaves(_ input: Operations.ListLeaves.Input) async throws -> Operations.ListLeaves.Output {
        try Caller.regulator()
        let ledger = try ledger(input.path.partition)
        let (start, end, size) = (input.query.start, input.query.end, Int64(ledger.size))
        guard start >= 0, start < end else { throw Problem.badRequest("start (\(start)) must be at least 0 and below end (\(end))") }
        guard end - start <= Int64(PageLimit.maximumLimit) else {
            throw Problem.badRequest("at most \(PageLimit.maximumLimit) leaves per request; ask for start..<\(start + 100)")
        }
        guard end <= size else { throw Problem.badRequest("end (\(end)) is beyond the ledger's \(size) leaves") }
        let leaves = try await ledger.read { try $0.storedLeaves(UInt64(start)..<UInt64(end)) }.map { stored in
            Components.Schemas.Leaf(
                index: Int64(stored.index), leaf: .init(stored.leaf), leafHash: stored.leafHash.hex, chainHash: stored.chainHash.hex,
                value: stored.value.map { .init($0) },
                headers: stored.headers.map { .init(name: $0.name, value: $0.value.map { .init($0) }) },
                redacted: stored.redacted, erasedBy: stored.erasedBy.map { Int64($0) })
        }
        return .ok(.init(body: .json(leaves)))
    }

    func getInclusionProof(_ input: Operations.GetInclusionProof.Input) async throws -> Operations.GetInclusionProof.Output {
        try Caller.regulator()
        let ledger = try ledger(input.path.partition)
        let treeSize: UInt64
        if let requested = input.query.treeSize {
            guard requested >= 1, UInt64(requested) <= ledger.size else {
                throw Problem.badRequest("treeSize \(requested) is not between 1 and the ledger's \(ledger.size) leaves")
            }
            treeSize = UInt64(requested)
        } else {
            treeSize = try latestCheckpoint(of: ledger).size
        }
        let index: UInt64
        switch (input.query.index, input.query.leafHash) {
        case (let requested?, nil):
            guard requested >= 0, UInt64(requested) < treeSize else {
                throw Problem.badRequest("index \(requested) is not below the tree size \(treeSize)")
            }
            index = UInt64(requested)
        case (nil, let hex?):
            let hash = try hash(hex, parameter: "leafHash")
            guard let found = try await ledger.read({ try $0.index(ofLeafHash: hash) }), found < treeSize else {
                throw Problem.notFound("no leaf with hash \(hex) in the first \(treeSize) leaves of \(ledger.origin)")
            }
            index = found
        default:
            throw Problem.badRequest("give exactly one of index and leafHash")
        }
        let (hash, proof) = try await ledger.read { reader in
            (try reader.hash(of: NodeID(level: 0, index: index)), try reader.inclusionProof(index: index, size: treeSize))
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        ledger: ledger.origin, index: Int64(index), treeSize: Int64(treeSize), leafHash: hash.hex, hashes: proof.map(\.hex))
                )))
    }

    func getConsistencyProof(_ input: Operations.GetConsistencyProof.Input) async throws -> Operations.GetConsistencyProof.Output {
        try Caller.regulator()
        let ledger = try ledger(input.path.partition)
        let (from, to) = (input.query.from, input.query.to)
        guard from >= 1, from <= to, UInt64(to) <= ledger.size else {
            throw Problem.badRequest("need 1 ≤ from (\(from)) ≤ to (\(to)) ≤ the ledger's \(ledger.size) leaves")
        }
        let proof = try await ledger.read { try $0.consistencyProof(from: UInt64(from), to: UInt64(to)) }
        return .ok(.init(body: .json(.init(ledger: ledger.origin, from: from, to: to, hashes: proof.map(\.hex)))))
    }

    func getSubjectProof(_ input: Operations.GetSubjectProof.Input) async throws -> Operations.GetSubjectProof.Output {
        try Caller.regulator()
        let ledger = try ledger(input.path.partition)
        let key = try hash(input.path.subjectKey, parameter: "subjectKey (a subject reference)")
        return .ok(.init(body: .json(try await subjectCompleteness(ledger, key: key, entries: .none))))
    }

    func listViolations(_ input: Operations.ListViolations.Input) async throws -> Operations.ListViolations.Output {
        try Caller.regulator()
        var filter = EntryFilter()
        filter.violationsOnly = true
        filter.institution = input.query.institution
        filter.outcome = input.query.verdict?.rawValue
        try Problem.whenMalformed(filter.occurring(from: input.query.from, until: input.query.until))
        let page = try await EntryPage(ledgers: ledgers(), filter: filter, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: try page.items.map { try .init($0.ledger, $0.entry) }, nextCursor: page.nextCursor))))
    }

    func getInstitutionReport(_ input: Operations.GetInstitutionReport.Input) async throws -> Operations.GetInstitutionReport.Output {
        try Caller.regulator()
        let id = input.path.institution
        var total = InstitutionTally()
        for ledger in ledgers() {
            let tally = try await ledger.read { try $0.tally(institution: id) }
            total.outcomes.merge(tally.outcomes) { $0.merging($1, uniquingKeysWith: +) }
            total.findings.merge(tally.findings, uniquingKeysWith: +)
            total.rejections.merge(tally.rejections, uniquingKeysWith: +)
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        institution: .init(id, names: names),
                        outcomes: .init(
                            additionalProperties: total.outcomes.mapValues {
                                Components.Schemas.InstitutionReport.OutcomesPayload.AdditionalPropertiesPayload(additionalProperties: $0)
                            }),
                        findings: .init(additionalProperties: total.findings), rejections: .init(additionalProperties: total.rejections)))))
    }
}
