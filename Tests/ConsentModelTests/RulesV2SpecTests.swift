import ConsentFixtures
import ConsentModel
import Testing

/// rules/v2 re-derived from docs/events.md alone: each record below has the verdict bytes that the spec's sections
/// ("Order of checks", "Effects", "Which consent an access verdict names", "The verdict's bytes") give it, worked out
/// by hand from the text, not by running the code. The partitions come from an independent murmur2 (Python, the
/// formula in the spec): CI-1 is in partition 0 of 2, CI-2 in partition 1.
@Suite("rules/v2 as docs/events.md specifies it", .timeLimit(.minutes(10)))
struct RulesV2SpecTests {
    let fixtures = Fixtures()

    func event(
        _ type: String, _ source: String, _ seq: Int64, _ data: [String: Any], id: String? = nil, subject: String = "CI-1",
        time: String = "2026-04-01T00:00:00Z", keyID: String? = nil
    ) -> IncomingRecord {
        fixtures.record(
            Fixtures.envelope(
                type: type, id: id ?? "\(source)-\(seq)", source: source, seq: seq, time: time, subject: subject, data: data), keyID: keyID)
    }

    @Test("a scripted partition: every verdict is the one the spec gives, byte for byte")
    func scripted() {
        let v2 = #"{"rules":"rules/v2"}"#
        var unsigned = event("consent.granted", "bank-a", 2, Fixtures.grant("c9"))
        unsigned.headers = []
        let script: [(IncomingRecord, String)] =
            fixtures.registryRecords(partitionCount: 2).map { ($0, v2) } + [
                // The holder grants; a recipient cannot grant over another holder's data.
                (event("consent.granted", "bank-a", 1, Fixtures.grant("c1")), v2),
                (
                    event("consent.granted", "bank-b", 1, Fixtures.grant("c0", recipients: ["bank-b"])),
                    #"{"findings":[{"code":"not-authorized","rule":"grant-by-holder-or-operator"}],"rules":"rules/v2"}"#
                ),
                (
                    event("access.performed", "mydata-op-1", 1, Fixtures.access(at: "2026-04-02T00:00:00Z")),
                    #"{"access":{"code":"covered","consentId":"c1"},"rules":"rules/v2"}"#
                ),
                // c0 was never applied: bank-b's access fails at step 2 against c1, the first consent of step 1.
                (
                    event("access.performed", "bank-b", 2, Fixtures.access(at: "2026-04-02T00:00:00Z", accessor: "bank-b")),
                    #"{"access":{"code":"recipient-not-covered","consentId":"c1"},"rules":"rules/v2"}"#
                ),
                (
                    event("consent.revoked", "bank-b", 3, Fixtures.revoke("c1", at: "2026-04-01T00:00:00Z")),
                    #"{"findings":[{"code":"not-authorized","rule":"revoke-by-party"}],"rules":"rules/v2"}"#
                ),
                // An operator the consent names as recipient grants on the citizen's request.
                (
                    event(
                        "consent.granted", "mydata-op-1", 2,
                        Fixtures.grant("c2", purposes: ["credit-scoring"], from: "2026-04-01T00:00:00Z")), v2
                ),
                (
                    event("access.performed", "mydata-op-1", 3, Fixtures.access(at: "2026-04-05T00:00:00Z", purpose: "marketing")),
                    #"{"access":{"code":"purpose-not-covered","consentId":"c1"},"rules":"rules/v2"}"#
                ),
                (
                    event(
                        "access.performed", "mydata-op-1", 4,
                        Fixtures.access(at: "2026-04-05T00:00:00Z", categories: ["finance.account.transactions", "health.checkup.results"])),
                    #"{"access":{"code":"category-not-covered","consentId":"c1","missing":["health.checkup.results"]},"rules":"rules/v2"}"#
                ),
                (event("consent.revoked", "mydata-op-1", 5, Fixtures.revoke("c1", at: "2026-04-10T00:00:00Z")), v2),
                (
                    event("access.performed", "mydata-op-1", 6, Fixtures.access(at: "2026-04-11T00:00:00Z")),
                    #"{"access":{"at":"2026-04-10T00:00:00Z","code":"revoked","consentId":"c1"},"rules":"rules/v2"}"#
                ),
                (
                    event("consent.granted", "mydata-op-1", 6, Fixtures.grant("c3"), id: "replayed"),
                    #"{"findings":[{"code":"sequence-replay","lastSeen":6}],"rules":"rules/v2"}"#
                ),
                (
                    event("consent.granted", "mydata-op-1", 9, Fixtures.grant("c3"), id: "mydata-op-1-1"),
                    #"{"findings":[{"code":"duplicate-event-id"},{"code":"sequence-gap","expected":7}],"rules":"rules/v2"}"#
                ),
                // Neither of the last two was numbered: 7 follows 6. Before c1 started: not yet valid.
                (
                    event("access.performed", "mydata-op-1", 7, Fixtures.access(at: "2026-02-01T00:00:00Z")),
                    #"{"access":{"at":"2026-03-01T00:00:00Z","code":"not-yet-valid","consentId":"c1"},"rules":"rules/v2"}"#
                ),
                // CI-2 belongs in partition 1; the copy takes no number from bank-a, whose next genuine event is its 2.
                (
                    event("consent.granted", "bank-a", 2, Fixtures.grant("c8"), subject: "CI-2"),
                    #"{"rejection":{"code":"wrong-partition","partition":1},"rules":"rules/v2"}"#
                ),
                (event("consent.granted", "bank-a", 2, Fixtures.grant("c4")), v2),
                (unsigned, #"{"rejection":{"code":"signature-missing"},"rules":"rules/v2"}"#),
                (
                    event("consent.granted", "bank-a", 3, Fixtures.grant("c5"), keyID: "bank-a/2025"),
                    #"{"rejection":{"code":"unknown-key","keyId":"bank-a/2025"},"rules":"rules/v2"}"#
                ),
                (
                    event("consent.granted", "bank-b", 4, Fixtures.grant("c6", holder: "bank-b"), keyID: "insurer-i/2026"),
                    #"{"rejection":{"code":"source-not-allowed","keyId":"insurer-i/2026","owner":"insurer-i"},"rules":"rules/v2"}"#
                ),
                (fixtures.registryRecord(.keyRetired(keyID: "bank-a/2026"), seq: 10), v2),
                (
                    event("consent.granted", "bank-a", 3, Fixtures.grant("c7"), time: "2025-06-01T00:00:00Z"),
                    #"{"rejection":{"code":"key-not-valid","keyId":"bank-a/2026"},"rules":"rules/v2"}"#
                ),
                (
                    fixtures.registryRecord(
                        .keyAdded(institution: "nobody", keyID: "nobody/1", publicKey: Array(repeating: 7, count: 32)), seq: 11),
                    #"{"findings":[{"code":"registry-conflict","reason":"unknown-institution"}],"rules":"rules/v2"}"#
                ),
            ]
        expect(script)
    }

    @Test("scheduled transmissions: the worked example of \"Scheduled transmissions (rules/v2)\"")
    func scheduledExample() {
        let v2 = #"{"rules":"rules/v2"}"#
        var grant = Fixtures.grant("c1", from: "2026-01-01T00:00:00Z", until: "2027-01-01T00:00:00Z")
        grant["schedule"] = ["kind": "periodic", "interval": "P1W"]
        func run(_ seq: Int64, on day: String) -> IncomingRecord {
            var access = Fixtures.access(at: day + "T00:00:00Z")
            access["transmissionType"] = "scheduled"
            return event("access.performed", "mydata-op-1", seq, access, time: day + "T00:00:00Z")
        }
        let covered = #""access":{"code":"covered","consentId":"c1"}"#
        expect(
            fixtures.registryRecords(partitionCount: 2).map { ($0, v2) } + [
                (event("consent.granted", "bank-a", 1, grant, time: "2026-01-01T00:00:00Z"), v2),
                (run(1, on: "2026-01-02"), "{\(covered),\"rules\":\"rules/v2\"}"),
                (
                    run(2, on: "2026-01-05"),
                    #"{\#(covered),"findings":[{"at":"2026-01-02T00:00:00Z","code":"outside-cycle"}],"rules":"rules/v2"}"#
                ),
                (run(3, on: "2026-01-12"), "{\(covered),\"rules\":\"rules/v2\"}"),
                (
                    run(4, on: "2026-07-20"),
                    #"{\#(covered),"findings":[{"at":"2026-07-14T00:00:00Z","code":"transmission-stopped"}],"rules":"rules/v2"}"#
                ),
                (
                    run(5, on: "2026-07-27"),
                    #"{\#(covered),"findings":[{"at":"2026-07-14T00:00:00Z","code":"transmission-stopped"}],"rules":"rules/v2"}"#
                ),
            ])
    }

    /// Judges `script` in one partition (0 of 2) from the fixtures' bootstrap registry, each against its expected bytes.
    func expect(_ script: [(IncomingRecord, String)], sourceLocation: SourceLocation = #_sourceLocation) {
        var rules = Rules(
            trust: RegistryTrust(bootstrap: fixtures.registry, authority: fixtures.authority), partition: 0, secret: fixtures.secret)
        for (index, (record, expected)) in script.enumerated() {
            let verdict = String(decoding: rules.judge(record).verdict.canonicalJSON, as: UTF8.self)
            #expect(verdict == expected, "record \(index)", sourceLocation: sourceLocation)
        }
    }
}
