import ConsentFixtures
import ConsentModel
import Testing

@Suite("Access verdicts, rules/v1", .timeLimit(.minutes(10)))
struct VerdictTests {
    let fixtures = Fixtures()

    /// Runs events through fresh rules, each signed by its source and numbered per source, and
    /// returns the verdict of the last.
    func lastVerdict(_ events: [(type: String, source: String, time: String, data: [String: Any])]) -> Verdict {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        var sequence: [String: Int64] = [:]
        var verdict: Verdict!
        for (index, event) in events.enumerated() {
            sequence[event.source, default: 0] += 1
            let envelope = Fixtures.envelope(
                type: event.type, id: "e\(index)", source: event.source, seq: sequence[event.source]!, time: event.time, data: event.data)
            verdict = rules.judge(fixtures.record(envelope)).verdict
        }
        return verdict
    }

    static let grantTime = "2026-03-01T00:00:00Z"

    static func granted(_ data: [String: Any] = Fixtures.grant("c1")) -> (type: String, source: String, time: String, data: [String: Any]) {
        ("consent.granted", "mydata-op-1", grantTime, data)
    }

    static func accessed(_ data: [String: Any]) -> (type: String, source: String, time: String, data: [String: Any]) {
        ("access.performed", data["accessor"] as! String, data["occurredAt"] as! String, data)
    }

    static func revoked(_ id: String, at: String, reported: String) -> (type: String, source: String, time: String, data: [String: Any]) {
        ("consent.revoked", "mydata-op-1", reported, Fixtures.revoke(id, at: at))
    }

    typealias Step = (type: String, source: String, time: String, data: [String: Any])

    static var cases: [(String, [Step], AccessOutcome)] {
        [
            (
                "covered in the middle of the window", [granted(), accessed(Fixtures.access(at: "2026-05-01T00:00:00Z"))],
                .covered(consentId: "c1")
            ),
            (
                "covered exactly at validFrom", [granted(), accessed(Fixtures.access(at: "2026-03-01T00:00:00Z"))],
                .covered(consentId: "c1")
            ),
            (
                "expired exactly at validUntil", [granted(), accessed(Fixtures.access(at: "2026-09-01T00:00:00Z"))],
                .expired(consentId: "c1", validUntil: t("2026-09-01T00:00:00Z"))
            ),
            (
                "not yet valid a nanosecond before validFrom",
                [granted(), accessed(Fixtures.access(at: "2026-02-28T23:59:59.999999999Z"))],
                .notYetValid(consentId: "c1", validFrom: t("2026-03-01T00:00:00Z"))
            ),
            ("no consent at all", [accessed(Fixtures.access(at: "2026-05-01T00:00:00Z"))], .noConsent),
            (
                "no consent for this data holder", [granted(), accessed(Fixtures.access(at: "2026-05-01T00:00:00Z", holder: "insurer-i"))],
                .noConsent
            ),
            (
                "recipient not covered", [granted(), accessed(Fixtures.access(at: "2026-05-01T00:00:00Z", accessor: "insurer-i"))],
                .recipientNotCovered(consentId: "c1")
            ),
            (
                "purpose not covered", [granted(), accessed(Fixtures.access(at: "2026-05-01T00:00:00Z", purpose: "marketing"))],
                .purposeNotCovered(consentId: "c1")
            ),
            (
                "a subset of the categories is covered",
                [granted(), accessed(Fixtures.access(at: "2026-05-01T00:00:00Z", categories: ["finance.account.balance"]))],
                .covered(consentId: "c1")
            ),
            (
                "a superset of the categories is not",
                [
                    granted(),
                    accessed(Fixtures.access(at: "2026-05-01T00:00:00Z", categories: ["finance.account.balance", "finance.loan.history"])),
                ],
                .categoryNotCovered(consentId: "c1", missing: ["finance.loan.history"])
            ),
            (
                "revoked: revocation effective at the same instant as the access",
                [
                    granted(), revoked("c1", at: "2026-05-01T00:00:00Z", reported: "2026-05-01T00:00:00Z"),
                    accessed(Fixtures.access(at: "2026-05-01T00:00:00Z")),
                ],
                .revoked(consentId: "c1", effectiveAt: t("2026-05-01T00:00:00Z"))
            ),
            (
                "covered a nanosecond before the revocation takes effect",
                [
                    granted(), revoked("c1", at: "2026-05-01T00:00:00Z", reported: "2026-05-01T00:00:00Z"),
                    accessed(Fixtures.access(at: "2026-04-30T23:59:59.999999999Z")),
                ],
                .covered(consentId: "c1")
            ),
            (
                "a revocation arriving later with an earlier effective time still covers accesses after that time",
                [
                    granted(), revoked("c1", at: "2026-04-01T00:00:00Z", reported: "2026-05-02T00:00:00Z"),
                    accessed(Fixtures.access(at: "2026-04-15T00:00:00Z")),
                ],
                .revoked(consentId: "c1", effectiveAt: t("2026-04-01T00:00:00Z"))
            ),
            (
                "re-granting after a revocation covers again",
                [
                    granted(), revoked("c1", at: "2026-04-01T00:00:00Z", reported: "2026-04-01T00:00:00Z"),
                    granted(Fixtures.grant("c2", from: "2026-04-10T00:00:00Z")), accessed(Fixtures.access(at: "2026-04-15T00:00:00Z")),
                ],
                .covered(consentId: "c2")
            ),
            (
                "a superseded consent stops covering where its successor starts",
                [
                    granted(), granted(Fixtures.grant("c2", purposes: ["credit-scoring"], from: "2026-04-01T00:00:00Z", supersedes: "c1")),
                    accessed(Fixtures.access(at: "2026-04-15T00:00:00Z", consentId: "c1")),
                ],
                .expired(consentId: "c1", validUntil: t("2026-04-01T00:00:00Z"))
            ),
            (
                "a named consent that does not exist is no consent, even if another would cover",
                [granted(), accessed(Fixtures.access(at: "2026-05-01T00:00:00Z", consentId: "c9"))], .noConsent
            ),
        ]
    }

    @Test("each verdict, edges included")
    func verdicts() {
        for (name, events, expected) in Self.cases {
            let verdict = lastVerdict(events)
            #expect(verdict.access == expected, "\(name)")
            #expect(verdict.findings.isEmpty, "\(name): \(verdict.findings)")
        }
    }

    @Test("an access judged before a revocation it predates keeps its verdict: the log is append-only")
    func revocationAfterAccess() {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        func judge(_ type: String, _ seq: Int64, _ time: String, _ data: [String: Any]) -> Verdict {
            rules.judge(
                fixtures.record(Fixtures.envelope(type: type, id: "e\(seq)", source: "mydata-op-1", seq: seq, time: time, data: data))
            ).verdict
        }
        _ = judge("consent.granted", 1, "2026-03-01T00:00:00Z", Fixtures.grant("c1"))
        let before = judge("access.performed", 2, "2026-05-01T00:00:00Z", Fixtures.access(at: "2026-05-01T00:00:00Z"))
        _ = judge("consent.revoked", 3, "2026-05-03T00:00:00Z", Fixtures.revoke("c1", at: "2026-04-01T00:00:00Z"))
        let after = judge("access.performed", 4, "2026-05-04T00:00:00Z", Fixtures.access(at: "2026-05-01T00:00:01Z"))
        #expect(before.access == .covered(consentId: "c1"))
        #expect(after.access == .revoked(consentId: "c1", effectiveAt: t("2026-04-01T00:00:00Z")))
    }
}

@Suite("Canonical verdict bytes", .timeLimit(.minutes(10)))
struct CanonicalVerdictTests {
    /// The bytes a leaf commits to, exactly as docs/ledger-format.md describes them: an independent verifier
    /// compares its own encoding with these, so any change here would split every existing ledger.
    @Test("keys in byte order, no whitespace, absent parts left out, strings escaped only where JSON requires")
    func exactBytes() throws {
        let awkward = ConsentModelError(.invalidValue, at: "data.purposes[0]", "\"a/b\"\\ tab\t nl\n \u{1}\u{1f}\u{7f} 한국 😀")
        let rejected = Verdict(rules: "rules/v1", rejection: .malformed(awkward), findings: [], access: nil)
        #expect(
            String(decoding: rejected.canonicalJSON, as: UTF8.self)
                == #"{"rejection":{"code":"malformed","detail":"data.purposes[0]: \"a/b\"\\ tab\t nl\n \u0001\u001f"#
                + "\u{7f} 한국 😀\"},\"rules\":\"rules/v1\"}")
        let findings: [ProducerFinding] = [
            .sequenceGap(expected: 7), .sequenceReplay(lastSeen: 12), .clockSkew(seconds: -400), .unknownConsent("c9"),
            .duplicateEventId, .sourceIsNotAccessor,
        ]
        let judged = Verdict(
            rules: "rules/v1", rejection: nil, findings: findings, access: .categoryNotCovered(consentId: "c1", missing: ["a.b", "c"]))
        #expect(
            String(decoding: judged.canonicalJSON, as: UTF8.self)
                == #"{"access":{"code":"category-not-covered","consentId":"c1","missing":["a.b","c"]},"findings":[{"code":"sequence-gap","expected":7},"#
                + #"{"code":"sequence-replay","lastSeen":12},{"code":"clock-skew","seconds":-400},{"code":"unknown-consent","consentId":"c9"},"#
                + #"{"code":"duplicate-event-id"},{"code":"source-is-not-accessor"}],"rules":"rules/v1"}"#)
        let revoked = Verdict(
            rules: "rules/v1", rejection: nil, findings: [],
            access: .revoked(consentId: "c1", effectiveAt: Timestamp(nanoseconds: 1_777_593_600_000_000_001)))
        #expect(
            String(decoding: revoked.canonicalJSON, as: UTF8.self)
                == #"{"access":{"at":"2026-05-01T00:00:00.000000001Z","code":"revoked","consentId":"c1"},"rules":"rules/v1"}"#)
    }

    @Test("the codes read back from stored bytes are the verdict's own")
    func codesReadBack() throws {
        let verdict = Verdict(
            rules: "rules/v1", rejection: nil, findings: [.sequenceGap(expected: 3), .clockSkew(seconds: 9)],
            access: .purposeNotCovered(consentId: "c4"))
        let codes = try VerdictCodes(canonicalJSON: verdict.canonicalJSON)
        #expect(codes.rejection == nil && codes.findings == ["sequence-gap", "clock-skew"])
        #expect(codes.access == "purpose-not-covered" && codes.consentId == "c4")
        let rejected = try VerdictCodes(
            canonicalJSON: Verdict(rules: "rules/v1", rejection: .tombstone, findings: [], access: nil).canonicalJSON)
        #expect(rejected.rejection == "tombstone" && rejected.findings.isEmpty && rejected.access == nil && rejected.consentId == nil)
        #expect(VerdictCodes(verdict) == codes)
        let revoked = Verdict(
            rules: "rules/v1", rejection: nil, findings: [], access: .revoked(consentId: "c2", effectiveAt: Timestamp(nanoseconds: 0)))
        #expect(VerdictCodes(revoked) == (try VerdictCodes(canonicalJSON: revoked.canonicalJSON)))
        #expect(VerdictCodes(revoked).consentId == "c2")
        #expect(throws: ConsentModelError.self) { try VerdictCodes(canonicalJSON: Array("[1]".utf8)) }
    }
}
