import ConsentFixtures
import ConsentModel
import Testing

@Suite("Producer checks and determinism, rules/v1", .timeLimit(.minutes(10)))
struct RulesTests {
    let fixtures = Fixtures()

    func event(_ id: String, seq: Int64, time: String = "2026-03-01T00:00:00Z", data: [String: Any] = Fixtures.grant("c1")) -> [String: Any]
    {
        Fixtures.envelope(type: "consent.granted", id: id, source: "mydata-op-1", seq: seq, time: time, data: data)
    }

    @Test("a tombstone, an empty value and an oversized value are rejected, not lost")
    func unreadable() {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        #expect(rules.judge(IncomingRecord(value: nil, headers: [], kafkaTimestamp: nil)).verdict.rejection == .tombstone)
        #expect(rules.judge(IncomingRecord(value: [], headers: [], kafkaTimestamp: nil)).verdict.rejection == .emptyValue)
        let big = [UInt8](repeating: 0x20, count: 70_000)
        #expect(rules.judge(IncomingRecord(value: big, headers: [], kafkaTimestamp: nil)).verdict.rejection == .oversized(bytes: 70_000))
        let garbage = rules.judge(IncomingRecord(value: [0xde, 0xad], headers: [], kafkaTimestamp: nil))
        #expect(garbage.verdict.rejection?.code == "malformed")
        #expect(garbage.event == nil && garbage.subject == nil)
    }

    @Test("a duplicate event id and a replayed sequence are recorded but not applied")
    func duplicatesAndReplays() {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        #expect(rules.judge(fixtures.record(event("e1", seq: 1))).verdict.isApplied)
        let duplicate = rules.judge(fixtures.record(event("e1", seq: 2, data: Fixtures.grant("c2")))).verdict
        #expect(duplicate.findings.contains(.duplicateEventId))
        #expect(!duplicate.isApplied)
        let replay = rules.judge(fixtures.record(event("e3", seq: 1, data: Fixtures.grant("c3")))).verdict
        #expect(replay.findings == [.sequenceReplay(lastSeen: 1)])
        #expect(!replay.isApplied)
        #expect(rules.consents.consents(of: SubjectReference(subject: "CI-1", secret: fixtures.secret)).map(\.grant.consentId) == ["c1"])
    }

    @Test("a sequence gap and clock skew are flagged, and the event still applies")
    func gapAndSkew() {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        _ = rules.judge(fixtures.record(event("e1", seq: 1)))
        let gap = rules.judge(fixtures.record(event("e2", seq: 5, data: Fixtures.grant("c2")))).verdict
        #expect(gap.findings == [.sequenceGap(expected: 2)])
        #expect(gap.isApplied)
        var skewed = fixtures.record(event("e3", seq: 6, time: "2026-03-01T00:00:00Z", data: Fixtures.grant("c3")))
        skewed.kafkaTimestamp = ms("2026-03-01T00:10:00Z")
        let skew = rules.judge(skewed).verdict
        #expect(skew.findings == [.clockSkew(seconds: -600)])
        #expect(skew.isApplied)
    }

    @Test("an event time past 2262 is malformed; a Kafka timestamp at either end of 64 bits is a clock skew, measured exactly")
    func instantsOutOfRange() {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        // The first instant 64-bit nanoseconds cannot hold aborted ledgerd once ("arithmetic overflow").
        let late = rules.judge(fixtures.record(event("e1", seq: 1, time: "2262-04-11T23:47:16.9Z"))).verdict
        #expect(late.rejection?.code == "malformed")
        #expect(late.rejection?.detail.hasPrefix("time: ") == true)
        var first = fixtures.record(event("e2", seq: 1))
        first.kafkaTimestamp = .max
        // 2026-03-01T00:00:00Z is 1,772,323,200 s; Int64.max ms is 9,223,372,036,854,775 s and 807 ms.
        #expect(rules.judge(first).verdict.findings == [.clockSkew(seconds: 1_772_323_200 - 9_223_372_036_854_775)])
        var second = fixtures.record(event("e3", seq: 2, data: Fixtures.grant("c3")))
        second.kafkaTimestamp = .min
        #expect(rules.judge(second).verdict.findings == [.clockSkew(seconds: 1_772_323_200 + 9_223_372_036_854_775)])
    }

    @Test("revoking an unknown consent and reporting someone else's access are flagged")
    func oddEvents() {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        let revoke = Fixtures.envelope(
            type: "consent.revoked", id: "r", source: "mydata-op-1", seq: 1, time: "2026-03-01T00:00:00Z",
            data: Fixtures.revoke("nope", at: "2026-03-01T00:00:00Z"))
        #expect(rules.judge(fixtures.record(revoke)).verdict.findings == [.unknownConsent("nope")])
        let access = Fixtures.envelope(
            type: "access.performed", id: "a", source: "bank-a", seq: 1, time: "2026-03-01T00:00:00Z",
            data: Fixtures.access(at: "2026-03-01T00:00:00Z"))
        let verdict = rules.judge(fixtures.record(access)).verdict
        #expect(verdict.findings == [.sourceIsNotAccessor])
        #expect(verdict.access == .noConsent)
    }

    @Test("the same records give byte-identical verdicts, whatever runs them")
    func deterministic() {
        let records = (1...30).map { i in
            fixtures.record(
                i % 3 == 0
                    ? Fixtures.envelope(
                        type: "access.performed", id: "e\(i)", source: "mydata-op-1", seq: Int64(i), time: "2026-04-01T00:00:00Z",
                        data: Fixtures.access(at: "2026-04-0\(i % 9 + 1)T00:00:00Z"))
                    : event("e\(i)", seq: Int64(i), data: Fixtures.grant("c\(i)", categories: ["finance.account.transactions"])))
        }
        func run() -> [[UInt8]] {
            var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
            return records.map { rules.judge($0).verdict.canonicalJSON }
        }
        #expect(run() == run())
        // c1 and c2 started together: the tie goes to the smaller id.
        #expect(String(decoding: run()[2], as: UTF8.self) == #"{"access":{"code":"covered","consentId":"c1"},"rules":"rules/v1"}"#)
    }
}
