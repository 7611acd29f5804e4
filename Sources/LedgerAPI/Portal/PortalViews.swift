import Foundation
import Hummingbird

/// The body of each view, read through the API's handler as the citizen's token (``Caller/current``) allows.
struct PortalViews {
    let handler: LedgerAPIHandler
    let keys: PortalKeys
    let language: PortalLanguage

    /// An access outcome that no consent in force covered.
    static let violations: Set<Components.Schemas.Outcome> = [
        .noConsent, .recipientNotCovered, .purposeNotCovered, .categoryNotCovered, .notYetValid, .expired, .revoked,
    ]

    func render(_ view: PortalView, query: Parameters) async throws -> String {
        switch view {
        case .accesses: try await accesses(query)
        case .consents: try await consents()
        case .institutions: try await institutions()
        case .proof: try await proof()
        }
    }

    private func accesses(_ query: Parameters) async throws -> String {
        let t = language
        let verdict = try query.given("verdict").map { text in
            guard let verdict = Components.Schemas.Outcome(rawValue: text) else { throw Problem.badRequest("verdict: \(text) is not one") }
            return verdict
        }
        let institution = query.given("institution")
        // Days as the date fields give them, from the first instant of `from` to the last of `until`, in UTC.
        let from = query.given("from")
        let until = query.given("until")
        let input = Operations.ListMyAccesses.Input(
            query: .init(
                institution: institution, verdict: verdict, from: from.map { "\($0)T00:00:00Z" },
                until: until.map { "\($0)T23:59:59.999999999Z" }, cursor: query.get("cursor"), limit: 50))
        guard case .ok(let ok) = try await handler.listMyAccesses(input), case .json(let page) = ok.body else { return "" }
        let options = ([nil] + Components.Schemas.Outcome.allCases).map { outcome -> String in
            let value = outcome?.rawValue ?? ""
            let selected = outcome == verdict ? " selected" : ""
            return "<option value=\"\(value)\"\(selected)>\((outcome.map { t($0.phrase) } ?? t(.allVerdicts)).escaped)</option>"
        }.joined()
        let filters = """
            <form class="filters" method="get" action="/accesses">
            <label>\(t(.verdict).escaped)<select name="verdict">\(options)</select></label>
            <label>\(t(.institution).escaped)<input name="institution" value="\((institution ?? "").escaped)" maxlength="128"></label>
            <label>\(t(.from).escaped)<input type="date" name="from" value="\((from ?? "").escaped)"></label>
            <label>\(t(.until).escaped)<input type="date" name="until" value="\((until ?? "").escaped)"></label>
            <button type="submit">\(t(.filter).escaped)</button>
            </form>
            """
        let violations = page.items.filter { Self.violations.contains($0.outcome) }
        let others = page.items.filter { !Self.violations.contains($0.outcome) }
        var body = "<h2>\(t(.accesses).escaped)</h2>\(filters)"
        if page.items.isEmpty { body += "<p>\(t(.noAccesses).escaped)</p>" }
        if !violations.isEmpty {
            body += """
                <section class="violations" aria-labelledby="violations"><h3 id="violations">\(t(.violationsHeading).escaped)</h3>
                <p>\(t(.violationsExplained).escaped)</p>\(accessTable(violations, id: "violation-list"))</section>
                """
        }
        if !others.isEmpty {
            body +=
                "<section aria-labelledby=\"others\"><h3 id=\"others\">\(t(.otherAccessesHeading).escaped)</h3>\(accessTable(others, id: "access-list"))</section>"
        }
        if let next = page.nextCursor {
            var components = URLComponents()
            components.path = PortalView.accesses.path
            components.queryItems = [
                ("verdict", verdict?.rawValue), ("institution", institution), ("from", from), ("until", until), ("cursor", next),
            ].compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
            body += "<p><a rel=\"next\" href=\"\((components.string ?? "").escaped)\">\(t(.next).escaped)</a></p>"
        }
        return body
    }

    private func accessTable(_ items: [Components.Schemas.AccessEntry], id: String) -> String {
        let t = language
        let columns: [Phrase] = [.when, .verdict, .institution, .data, .records, .form, .purpose, .dataHolder, .consent, .findings]
        let rows = items.map { item -> String in
            let verdictClass = Self.violations.contains(item.outcome) ? " class=\"violation\"" : ""
            let cells = [
                instant(item.occurredAt), t(item.outcome.phrase), item.institution.name ?? item.institution.id,
                item.erasure.map(erased) ?? (item.dataCategories ?? []).joined(separator: ", "), item.recordCount.map(String.init) ?? "",
                item.dataForm.map { DataForm(rawValue: $0).map { t($0.phrase) } ?? $0 } ?? "", item.purpose ?? "", item.dataHolder ?? "",
                item.consentId ?? "", item.findings.joined(separator: ", "),
            ]
            return "<tr data-verdict=\"\(item.outcome.rawValue)\">"
                + zip(columns, cells).map { column, cell in
                    "<td data-label=\"\(t(column).escaped)\"\(column == .verdict ? verdictClass : "")>\(cell.escaped)</td>"
                }.joined() + "</tr>"
        }
        return table(id, columns: columns, rows: rows)
    }

    /// What an erased access says in place of its data: who asked for the erasure, and when.
    private func erased(_ erasure: Components.Schemas.AccessEntry.ErasurePayload) -> String {
        language(.erasedAtRequest).replacingOccurrences(of: "{institution}", with: erasure.institution.name ?? erasure.institution.id)
            .replacingOccurrences(of: "{when}", with: instant(erasure.at)).replacingOccurrences(of: "{leaf}", with: String(erasure.index))
    }

    /// A table of `rows` (each a `<tr>`) under headings of `columns`, scrolling sideways when it is wider than the page.
    private func table(_ id: String, columns: [Phrase], rows: [String]) -> String {
        let headings = columns.map { "<th scope=\"col\">\(language($0).escaped)</th>" }.joined()
        return "<div class=\"scroll\"><table id=\"\(id)\"><thead><tr>\(headings)</tr></thead><tbody>\(rows.joined())</tbody></table></div>"
    }

    private func consents() async throws -> String {
        let t = language
        guard case .ok(let ok) = try await handler.listMyConsents(.init()), case .json(let consents) = ok.body else { return "" }
        guard !consents.isEmpty else { return "<h2>\(t(.consents).escaped)</h2><p>\(t(.noConsents).escaped)</p>" }
        let columns: [Phrase] = [.status, .consent, .grantedBy, .dataHolder, .recipients, .purposes, .categories, .validFrom, .validUntil]
        let rows = consents.map { consent -> String in
            let cells = [
                t(consent.status.phrase), consent.consentId, consent.grantedBy.name ?? consent.grantedBy.id, consent.dataHolder,
                consent.recipients.joined(separator: ", "),
                consent.purposes.joined(separator: ", "), consent.dataCategories.joined(separator: ", "), instant(consent.validFrom),
                instant(consent.validUntil),
            ]
            return "<tr data-consent=\"\(consent.consentId.escaped)\" data-status=\"\(consent.status.rawValue)\">"
                + zip(columns, cells).map { "<td data-label=\"\(t($0).escaped)\">\($1.escaped)</td>" }.joined()
                + "<td data-label=\"\(t(.history).escaped)\">\(history(of: consent))</td></tr>"
        }
        return """
            <h2>\(t(.consents).escaped)</h2>
            \(table("consent-list", columns: columns + [.history], rows: rows))
            """
    }

    /// Every applied change of a consent, in ledger order, with who made it and the leaf that records it; folded.
    private func history(of consent: Components.Schemas.Consent) -> String {
        let t = language
        let items = consent.changes.map { change -> String in
            let what = t(change.change.phrase) + (change.supersededBy.map { " (\(t(.replacedBy)) \($0))" } ?? "")
            let by = change.by.name ?? change.by.id
            let leaf = "\(t(.leafAt)) \(change.position.ledger) #\(change.position.index)"
            return "<li data-change=\"\(change.change.rawValue)\">\(what.escaped) — \(by.escaped) <small>(\(leaf.escaped))</small></li>"
        }
        return "<details><summary>\(consent.changes.count)</summary><ol>\(items.joined())</ol></details>"
    }

    /// Every institution that accessed the citizen's data, with how often: read from every page of their accesses.
    private func institutions() async throws -> String {
        let t = language
        var counts: [String: (name: String, count: Int)] = [:]
        var cursor: String?
        repeat {
            let input = Operations.ListMyAccesses.Input(query: .init(cursor: cursor, limit: 100))
            guard case .ok(let ok) = try await handler.listMyAccesses(input), case .json(let page) = ok.body else { break }
            for item in page.items where Self.violations.contains(item.outcome) || item.outcome == .covered {
                counts[item.institution.id, default: (item.institution.name ?? item.institution.id, 0)].count += 1
            }
            cursor = page.nextCursor
        } while cursor != nil
        guard !counts.isEmpty else { return "<h2>\(t(.institutions).escaped)</h2><p>\(t(.noInstitutions).escaped)</p>" }
        let rows = counts.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.map { id, entry -> String in
            "<tr data-institution=\"\(id.escaped)\"><td data-label=\"\(t(.institution).escaped)\">\(entry.name.escaped)</td>"
                + "<td data-label=\"\(t(.accessCount).escaped)\">\(entry.count)</td></tr>"
        }
        return """
            <h2>\(t(.institutions).escaped)</h2>
            \(table("institution-list", columns: [.institution, .accessCount], rows: rows))
            """
    }

    /// Each ledger's completeness as of its newest checkpoint, and the bundle that proves it, to download and check.
    private func proof() async throws -> String {
        let t = language
        guard case .ok(let ok) = try await handler.getMyCompleteness(.init()), case .json(let completeness) = ok.body else { return "" }
        let columns: [Phrase] = [.ledger, .checkpointSize, .myEntries, .cosignedBy]
        let rows = completeness.ledgers.map { answer -> String in
            let size = answer.checkpoint.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
            let witnesses = answer.cosignatures.map(\.witness).joined(separator: ", ")
            // The proof's path ends at the citizen's own leaf, or (in absence) at nothing or another subject's leaf.
            let mine = answer.proof.leafKey == answer.subjectKey ? answer.proof.leafCount ?? 0 : 0
            let cells = [answer.ledger, size, String(mine), witnesses.isEmpty ? t(.notCosigned) : witnesses]
            return "<tr data-ledger=\"\(answer.ledger.escaped)\">"
                + zip(columns, cells).map { "<td data-label=\"\(t($0).escaped)\">\($1.escaped)</td>" }.joined() + "</tr>"
        }
        let pending =
            completeness.pending.isEmpty
            ? ""
            : "<h3>\(t(.pendingLedgers).escaped)</h3><ul>\(completeness.pending.map { "<li>\($0.escaped)</li>" }.joined())</ul>"
        return """
            <h2>\(t(.proof).escaped)</h2>
            <p>\(t(.proofExplained).escaped)</p>
            <p><a id="bundle" href="/bundle" download>\(t(.downloadBundle).escaped)</a></p>
            \(table("ledger-list", columns: columns, rows: rows))
            <p id="witnesses">\(t(.ledgerWitnesses).escaped): \(keys.witnesses.isEmpty ? t(.noWitnesses).escaped : "\(keys.witnesses.count) (\(keys.witnesses.map(\.name).joined(separator: ", ").escaped))")</p>
            \(pending)
            \(browserCheck())
            """
    }

    /// Where the proof view's script (``PortalScripts/proof``) says what it checked in the browser, with the keys and words it
    /// needs; without script, a note of what to do instead.
    private func browserCheck() -> String {
        let t = language
        let attributes: [(String, String)] = [
            ("ledger-key", keys.ledgerKeyBase64), ("policy", keys.policy(subjectKey: handler.subjectSecret.oprfKey?.publicKey.bytes)),
            ("checking", t(.browserChecking)), ("verified", t(.browserVerified)), ("refused", t(.browserRefused)),
            ("mismatch", t(.browserMismatch)), ("none", t(.notCosigned)),
        ]
        return """
            <section id="browser-check" aria-labelledby="browser-check-heading" hidden \(attributes.map { "data-\($0)=\"\($1.escaped)\"" }.joined(separator: " "))>
            <h3 id="browser-check-heading">\(t(.browserCheck).escaped)</h3>
            <p id="browser-check-result" role="status"></p>
            </section>
            <noscript><p>\(t(.browserNoScript).escaped)</p></noscript>
            <script src="/checks.js"></script>
            <script src="/proof.js"></script>
            """
    }

    /// An instant as the API gives it (RFC 3339 in UTC, with the fraction the event gave, which orders two accesses in
    /// one second), as the reader's language writes a date: `2026년 4월 1일 09:30:00.25 UTC`, `1 Apr 2026, 09:30:00.25 UTC`.
    func instant(_ text: String?) -> String {
        guard let text else { return "" }
        let parts = text.split(separator: "T")
        let date = parts.first?.split(separator: "-").compactMap { Int($0) } ?? []
        guard parts.count == 2, date.count == 3, (1...12).contains(date[1]), text.hasSuffix("Z") else { return text }
        let time = parts[1].dropLast()
        switch language {
        case .korean: return "\(date[0])년 \(date[1])월 \(date[2])일 \(time) UTC"
        case .english:
            let month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][date[1] - 1]
            return "\(date[2]) \(month) \(date[0]), \(time) UTC"
        }
    }
}

extension Components.Schemas.Outcome {
    var phrase: Phrase {
        switch self {
        case .covered: .verdictCovered
        case .noConsent: .verdictNoConsent
        case .recipientNotCovered: .verdictRecipient
        case .purposeNotCovered: .verdictPurpose
        case .categoryNotCovered: .verdictCategory
        case .notYetValid: .verdictNotYetValid
        case .expired: .verdictExpired
        case .revoked: .verdictRevoked
        case .rejected: .verdictRejected
        case .notApplied: .verdictNotApplied
        case .recorded: .verdictRecorded
        }
    }
}

extension Components.Schemas.ConsentChange.ChangePayload {
    var phrase: Phrase {
        switch self {
        case .granted: .changeGranted
        case .regranted: .changeRegranted
        case .revoked: .changeRevoked
        case .superseded: .changeSuperseded
        }
    }
}

extension Components.Schemas.Consent.StatusPayload {
    var phrase: Phrase {
        switch self {
        case .active: .statusActive
        case .pending: .statusPending
        case .expired: .statusExpired
        case .revoked: .statusRevoked
        case .superseded: .statusSuperseded
        }
    }
}

extension Parameters {
    /// A parameter given with a value: a form's empty field is none.
    func given(_ name: String) -> String? {
        guard let value = get(name), !value.isEmpty else { return nil }
        return value
    }
}

/// An access's `dataForm`, as the page names it.
enum DataForm: String {
    case identified, pseudonymised, anonymised

    var phrase: Phrase {
        switch self {
        case .identified: .formIdentified
        case .pseudonymised: .formPseudonymised
        case .anonymised: .formAnonymised
        }
    }
}
