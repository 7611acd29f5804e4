import ConsentModel
import Foundation
import LedgerStore
import MerkleLog

/// What a citizen may ask: only ever about the subject their token names.
extension LedgerAPIHandler {
    private func myReference() throws -> SubjectReference {
        SubjectReference(subject: try Caller.citizen(), secret: subjectSecret)
    }

    func listMyAccesses(_ input: Operations.ListMyAccesses.Input) async throws -> Operations.ListMyAccesses.Output {
        var filter = EntryFilter()
        filter.subject = try myReference()
        filter.eventType = EventType.accessPerformed.rawValue
        filter.institution = input.query.institution
        filter.purpose = input.query.purpose
        filter.outcome = input.query.verdict?.rawValue
        if let id = input.query.transmissionId, !DataAccess.isTransmissionId(id) {
            throw Problem.badRequest("transmissionId must be a MyData transaction id: 1 to 25 ASCII letters and digits")
        }
        filter.transmissionId = input.query.transmissionId
        filter.transmissionType = input.query.transmissionType?.rawValue
        try Problem.whenMalformed(filter.occurring(from: input.query.from, until: input.query.until))
        let page = try await EntryPage(ledgers: ledgers(), filter: filter, cursor: input.query.cursor, limit: input.query.limit)
        let items = try page.items.map { try Components.Schemas.AccessEntry($0.ledger, $0.entry, names: names) }
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    func listMyConsents(_ input: Operations.ListMyConsents.Input) async throws -> Operations.ListMyConsents.Output {
        let subject = try myReference()
        var filter = EntryFilter()
        filter.subject = subject
        // Applied consent events: grants and revocations, replayed in ledger order.
        filter.outcome = Components.Schemas.Outcome.recorded.rawValue
        let now = Timestamp.now
        var consents: [Components.Schemas.Consent] = []
        for ledger in ledgers() {
            var state = ConsentState()
            // Each consent's applied changes, in ledger order, with the leaf of each.
            var changes: [String: [Components.Schemas.ConsentChange]] = [:]
            var after: UInt64?
            while true {
                let entries = try await ledger.read { [filter, after] in try $0.entries(matching: filter, after: after, limit: 500) }
                for entry in entries {
                    guard let value = entry.value, let event = try? Event.decode(value) else { continue }
                    func record(_ change: Components.Schemas.ConsentChange.ChangePayload, of consent: String, supersededBy: String? = nil) {
                        changes[consent, default: []].append(
                            .init(
                                change: change, by: .init(event.source, names: names), position: .init(ledger, entry),
                                supersededBy: supersededBy))
                    }
                    switch event.data {
                    case .consentGranted(let grant):
                        record(state.consent(grant.consentId, of: subject) == nil ? .granted : .regranted, of: grant.consentId)
                        if let old = grant.supersedes, state.consent(old, of: subject) != nil {
                            record(.superseded, of: old, supersededBy: grant.consentId)
                        }
                        state.grant(grant, by: event.source, to: subject)
                    case .consentRevoked(let revocation):
                        if state.revoke(revocation, of: subject) { record(.revoked, of: revocation.consentId) }
                    case .erasureRequested: state.forget(subject)
                    case .accessPerformed, .registry: break
                    }
                }
                guard let last = entries.last else { break }
                after = last.index
            }
            consents += state.consents(of: subject).map {
                .init($0, changes: changes[$0.grant.consentId] ?? [], ledger: ledger, now: now, names: names)
            }
        }
        return .ok(.init(body: .json(consents)))
    }

    /// The ledger's signed statement of its subject key.
    func getSubjectKeyStatement(_ input: Operations.GetSubjectKeyStatement.Input) async throws
        -> Operations.GetSubjectKeyStatement.Output
    {
        _ = try Caller.authenticated()
        guard let subjectKeyStatement else {
            throw Problem.noSubjectKey
        }
        return .ok(.init(body: .plainText(.init(subjectKeyStatement))))
    }

    /// Evaluates the caller's blinded element. Which identifier it blinds is unknowable here, and the answer reveals
    /// nothing the caller did not bring, so any token may ask: a citizen for their own key, a witness for each citizen's.
    func evaluateSubjectKey(_ input: Operations.EvaluateSubjectKey.Input) async throws -> Operations.EvaluateSubjectKey.Output {
        _ = try Caller.authenticated()
        guard let key = subjectSecret.oprfKey else {
            throw Problem.noSubjectKey
        }
        guard case .json(let request) = input.body else { throw Problem.badRequest("the body must be JSON") }
        let evaluation: SubjectOPRF.Evaluation
        do { evaluation = try key.evaluate(blindedElement: Array(request.blindedElement.data)) } catch let error as ConsentModelError {
            throw Problem.badRequest("blindedElement: \(error.reason)")
        }
        return .ok(
            .init(
                body: .json(
                    .init(
                        evaluatedElement: .init(evaluation.element), proof: .init(evaluation.proof), publicKey: .init(key.publicKey.bytes)))
            ))
    }

    func getMyCompleteness(_ input: Operations.GetMyCompleteness.Input) async throws -> Operations.GetMyCompleteness.Output {
        let (proofs, pending) = try await myCompleteness(entries: .firstPage)
        return .ok(.init(body: .json(.init(ledgers: proofs, pending: pending))))
    }

    func getMyBundle(_ input: Operations.GetMyBundle.Input) async throws -> Operations.GetMyBundle.Output {
        let subject = try Caller.citizen()
        let (proofs, pending) = try await myCompleteness(entries: .all)
        return .ok(
            .init(
                body: .json(
                    .init(
                        format: "consent-ledger/history-bundle/v1", subject: subject, subjectKeyStatement: subjectKeyStatement,
                        ledgers: proofs, pending: pending))))
    }

    /// The caller's completeness answer from every ledger with a checkpoint, and the origins of the others.
    private func myCompleteness(entries: AnswerEntries) async throws -> ([Components.Schemas.SubjectCompleteness], [String]) {
        let key = SHA256Hash(bytes: try myReference().bytes)!
        var proofs: [Components.Schemas.SubjectCompleteness] = []
        // A ledger this ledgerd cannot serve now may hold the citizen's history: it is listed, never left out.
        var pending = unserved()
        for ledger in ledgers() {
            guard ledger.latestCheckpoint != nil else {
                pending.append(ledger.origin)
                continue
            }
            proofs.append(try await subjectCompleteness(ledger, key: key, entries: entries))
        }
        return (proofs, pending)
    }

    func listMyCompletenessEntries(_ input: Operations.ListMyCompletenessEntries.Input) async throws
        -> Operations.ListMyCompletenessEntries.Output
    {
        let key = SHA256Hash(bytes: try myReference().bytes)!
        // A ledger this ledgerd does not hold looks as another citizen's entries would.
        guard let ledger = ledgers().first(where: { $0.partition == input.path.partition }) else { throw Problem.forbidden }
        let limit = try PageLimit.limit(input.query.limit)
        guard let size = UInt64(exactly: input.query.size), size <= ledger.size else {
            throw Problem.badRequest(
                "size \(input.query.size) is beyond the ledger's \(ledger.size) leaves; give the size of the checkpoint the answer proves")
        }
        let after = try input.query.cursor.map { text in
            let cursor = try Problem.whenMalformed(PageCursor(text))
            guard cursor.partition == ledger.partition else {
                throw Problem.badRequest("cursor \(text) is of partition \(cursor.partition), not \(ledger.partition)")
            }
            return cursor.index
        }
        return .ok(.init(body: .json(try await subjectEntries(ledger, key: key, below: size, after: after, limit: limit))))
    }

    func getMyEntryProof(_ input: Operations.GetMyEntryProof.Input) async throws -> Operations.GetMyEntryProof.Output {
        let subject = try myReference()
        // Another's entry, a missing one and a missing ledger all look the same to a citizen.
        guard let ledger = ledgers().first(where: { $0.partition == input.path.partition }), input.path.index >= 0 else {
            throw Problem.forbidden
        }
        let index = UInt64(input.path.index)
        guard try await ledger.read({ try $0.subject(at: index) }).subject == subject else { throw Problem.forbidden }
        return .ok(.init(body: .plainText(.init(try await proofBundle(ledger, index: index)))))
    }
}
