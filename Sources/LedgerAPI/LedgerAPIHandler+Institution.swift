import LedgerStore

/// What an institution may ask: only about records that name it as their source.
extension LedgerAPIHandler {
    func listMyReceipts(_ input: Operations.ListMyReceipts.Input) async throws -> Operations.ListMyReceipts.Output {
        var filter = EntryFilter()
        filter.institution = try Caller.institution()
        filter.excludeRejected = true
        let page = try await EntryPage(ledgers: ledgers(), filter: filter, cursor: input.query.cursor, limit: input.query.limit)
        var receipts: [Components.Schemas.Receipt] = []
        for (ledger, entry) in page.items {
            let covered = entry.index < ledger.latestCheckpoint?.size ?? 0
            receipts.append(
                .init(
                    position: .init(ledger, entry), eventId: entry.leaf.eventID, offset: entry.leaf.offset, outcome: try .init(entry),
                    findings: entry.findings, proof: covered ? try await proofBundle(ledger, index: entry.index) : nil))
        }
        return .ok(.init(body: .json(.init(items: receipts, nextCursor: page.nextCursor))))
    }

    func listMyRejected(_ input: Operations.ListMyRejected.Input) async throws -> Operations.ListMyRejected.Output {
        var filter = EntryFilter()
        filter.institution = try Caller.institution()
        filter.outcome = Components.Schemas.Outcome.rejected.rawValue
        let page = try await EntryPage(ledgers: ledgers(), filter: filter, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: try page.items.map { try .init($0.ledger, $0.entry) }, nextCursor: page.nextCursor))))
    }

    func listMyViolations(_ input: Operations.ListMyViolations.Input) async throws -> Operations.ListMyViolations.Output {
        var filter = EntryFilter()
        filter.institution = try Caller.institution()
        filter.violationsOnly = true
        try Problem.whenMalformed(filter.occurring(from: input.query.from, until: input.query.until))
        let page = try await EntryPage(ledgers: ledgers(), filter: filter, cursor: input.query.cursor, limit: input.query.limit)
        return .ok(.init(body: .json(.init(items: try page.items.map { try .init($0.ledger, $0.entry) }, nextCursor: page.nextCursor))))
    }
}
