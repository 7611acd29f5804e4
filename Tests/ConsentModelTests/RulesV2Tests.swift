import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import Testing

@Suite("Consent authority and the registry in the log, rules/v2", .timeLimit(.minutes(10)))
struct RulesV2Tests {
    let fixtures = Fixtures()
    let subject = "CI-1"
    var reference: SubjectReference { SubjectReference(subject: subject, secret: fixtures.secret) }

    /// An institution's next event about the test subject, numbered per source.
    struct Publisher {
        let fixtures: Fixtures
        var sequences: [String: Int64] = [:]

        mutating func record(
            _ type: String, by source: String, _ data: [String: Any], subject: String = "CI-1", time: String = "2026-04-01T00:00:00Z",
            keyID: String? = nil
        ) -> IncomingRecord {
            let seq = sequences[source, default: 0] + 1
            sequences[source] = seq
            return fixtures.record(
                Fixtures.envelope(type: type, id: "\(source)-\(seq)", source: source, seq: seq, time: time, subject: subject, data: data),
                keyID: keyID)
        }
    }

    @Test("a partition moves to rules/v2 only at a rules change its registry authority signed")
    func rulesChange() {
        var rules = Rules(
            trust: RegistryTrust(bootstrap: fixtures.registry, authority: fixtures.authority), partition: 0, secret: fixtures.secret)
        let change = RegistryChange.rulesChanged(rules: Rules.v2, partitionCount: 1)
        // Signed by another key: rules/v1 reads it as it always read an unknown type.
        let value = change.eventValue(id: "r-1", source: "registry-authority", time: t("2026-02-01T00:00:00Z"), producerSequence: 1)
        let forged = try! EventSignature.headers(for: value, keyID: "registry-authority/1", privateKey: Curve25519.Signing.PrivateKey())
        let refused = rules.judge(IncomingRecord(value: value, headers: forged.map { ($0.name, $0.value) }, kafkaTimestamp: nil))
        #expect(refused.verdict.rules == Rules.v1)
        #expect(refused.verdict.rejection?.code == "malformed")
        #expect(refused.verdict.rejection?.detail.contains("is not an event type; types are consent.granted") == true)
        #expect(rules.version == .v1)

        let moved = rules.judge(fixtures.registryRecord(change, seq: 1))
        #expect(moved.verdict.rules == Rules.v2 && moved.verdict.isApplied && moved.subject == nil)
        #expect(rules.version == .v2(partitionCount: 1))
        #expect(String(decoding: moved.verdict.canonicalJSON, as: UTF8.self) == #"{"rules":"rules/v2"}"#)
    }

    @Test("without a registry authority a partition stays under rules/v1, with the verdicts it always had")
    func noAuthority() {
        var withAuthority = Rules(
            trust: RegistryTrust(bootstrap: fixtures.registry, authority: fixtures.authority), partition: 0, secret: fixtures.secret)
        var without = Rules(registry: fixtures.registry, secret: fixtures.secret)
        var publisher = Publisher(fixtures: fixtures)
        let records = [
            publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1")),
            publisher.record("access.performed", by: "mydata-op-1", Fixtures.access(at: "2026-04-02T00:00:00Z")),
            fixtures.registryRecord(.rulesChanged(rules: Rules.v2, partitionCount: 1), seq: 1),
        ]
        for record in records.prefix(2) {
            #expect(withAuthority.judge(record).verdict.canonicalJSON == without.judge(record).verdict.canonicalJSON)
        }
        #expect(without.judge(records[2]).verdict.rejection?.code == "malformed")
        #expect(without.version == .v1)
    }

    @Test("a recipient cannot grant itself a consent over another holder's data: not applied, and its access has no consent")
    func forgedGrant() {
        var rules = fixtures.rulesV2()
        var publisher = Publisher(fixtures: fixtures)
        let forged = rules.judge(publisher.record("consent.granted", by: "bank-b", Fixtures.grant("c1", recipients: ["bank-b"])))
        #expect(forged.verdict.findings == [.notAuthorized(rule: "grant-by-holder-or-operator")])
        #expect(!forged.verdict.isApplied)
        #expect(VerdictCodes(forged.verdict).listedOutcome == "not-applied")
        let access = rules.judge(
            publisher.record("access.performed", by: "bank-b", Fixtures.access(at: "2026-04-02T00:00:00Z", accessor: "bank-b")))
        #expect(access.verdict.access == .noConsent)
        // The unauthorized grant still numbered bank-b's events: its next one continues the sequence.
        #expect(access.verdict.findings.isEmpty)
    }

    @Test("the data holder grants, and an operator that the consent names as recipient grants on the citizen's request")
    func authorizedGrants() {
        var rules = fixtures.rulesV2()
        var publisher = Publisher(fixtures: fixtures)
        #expect(rules.judge(publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1"))).verdict.isApplied)
        #expect(rules.judge(publisher.record("consent.granted", by: "mydata-op-1", Fixtures.grant("c2"))).verdict.isApplied)
        #expect(rules.consents.consents(of: reference).map(\.grantor) == ["bank-a", "mydata-op-1"])
        let access = rules.judge(publisher.record("access.performed", by: "mydata-op-1", Fixtures.access(at: "2026-04-02T00:00:00Z")))
        #expect(access.verdict.access == .covered(consentId: "c1"))
    }

    @Test("a grant naming an unregistered holder or recipient is not applied")
    func unregisteredParties() {
        var rules = fixtures.rulesV2()
        var publisher = Publisher(fixtures: fixtures)
        let stranger = rules.judge(publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1", recipients: ["nobody"])))
        #expect(stranger.verdict.findings == [.notAuthorized(rule: "recipients-registered")])
        let holderOnly = rules.judge(publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c2", recipients: ["bank-a"])))
        #expect(holderOnly.verdict.findings == [.notAuthorized(rule: "recipients-registered")])
        #expect(rules.consents.consents(of: reference).isEmpty)
    }

    @Test("a competitor's revocation is not applied; the consent's parties may revoke")
    func competitorsRevocation() {
        var rules = fixtures.rulesV2()
        var publisher = Publisher(fixtures: fixtures)
        _ = rules.judge(publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1")))
        let competitor = rules.judge(publisher.record("consent.revoked", by: "bank-b", Fixtures.revoke("c1", at: "2026-04-01T00:00:00Z")))
        #expect(competitor.verdict.findings == [.notAuthorized(rule: "revoke-by-party")])
        let access = rules.judge(publisher.record("access.performed", by: "mydata-op-1", Fixtures.access(at: "2026-04-02T00:00:00Z")))
        #expect(access.verdict.access == .covered(consentId: "c1"))
        // The operator the consent names is a party: its revocation (on the citizen's withdrawal) applies.
        let withdrawn = rules.judge(
            publisher.record("consent.revoked", by: "mydata-op-1", Fixtures.revoke("c1", at: "2026-04-03T00:00:00Z")))
        #expect(withdrawn.verdict.isApplied)
        let after = rules.judge(publisher.record("access.performed", by: "mydata-op-1", Fixtures.access(at: "2026-04-04T00:00:00Z")))
        #expect(after.verdict.access == .revoked(consentId: "c1", effectiveAt: t("2026-04-03T00:00:00Z")))
    }

    @Test("a stranger can neither re-grant a revoked consent nor supersede it")
    func strangerRegrant() {
        var rules = fixtures.rulesV2()
        var publisher = Publisher(fixtures: fixtures)
        _ = rules.judge(publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1")))
        _ = rules.judge(publisher.record("consent.revoked", by: "bank-a", Fixtures.revoke("c1", at: "2026-04-01T00:00:00Z")))
        // bank-b holds data of its own; re-using c1's id with bank-b as holder would clear the revocation under rules/v1.
        let regrant = rules.judge(publisher.record("consent.granted", by: "bank-b", Fixtures.grant("c1", holder: "bank-b")))
        #expect(regrant.verdict.findings == [.notAuthorized(rule: "regrant-by-party")])
        let supersede = rules.judge(
            publisher.record("consent.granted", by: "bank-b", Fixtures.grant("c2", holder: "bank-b", supersedes: "c1")))
        #expect(supersede.verdict.findings == [.notAuthorized(rule: "supersede-by-party")])
        let record = rules.consents.consent("c1", of: reference)
        #expect(record?.revokedAt == t("2026-04-01T00:00:00Z") && record?.supersededAt == nil && record?.grantor == "bank-a")
        #expect(rules.consents.consent("c2", of: reference) == nil)
    }

    @Test("a signed event copied into another partition is rejected there, and the genuine events there still apply")
    func wrongPartition() {
        let count: Int32 = 4
        let home = SubjectPartition.of(subject: subject, partitionCount: count)
        let elsewhere = (home + 1) % count
        // A subject of the other partition, for that partition's genuine events.
        let local = (0..<1000).map { "CI-\($0)" }.first { SubjectPartition.of(subject: $0, partitionCount: count) == elsewhere }!
        // bank-a's sixth event in the subject's own partition, copied into the other one, where bank-a has sent nothing yet.
        var publisher = Publisher(fixtures: fixtures)
        for _ in 0..<5 { _ = publisher.record("consent.granted", by: "bank-a", Fixtures.grant("unused")) }
        let copied = publisher.record("consent.revoked", by: "bank-a", Fixtures.revoke("c9", at: "2026-04-01T00:00:00Z"))

        var there = fixtures.rulesV2(partition: elsewhere, partitionCount: count)
        var localPublisher = Publisher(fixtures: fixtures)
        let copy = there.judge(copied)
        #expect(copy.verdict.rejection == .wrongPartition(expected: home))
        #expect(copy.subject == nil)
        #expect(
            String(decoding: copy.verdict.canonicalJSON, as: UTF8.self)
                == #"{"rejection":{"code":"wrong-partition","partition":\#(home)},"rules":"rules/v2"}"#)
        let genuine = there.judge(localPublisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1"), subject: local))
        #expect(genuine.verdict.isApplied && genuine.verdict.findings.isEmpty)
    }

    @Test("a key retired in the log signs nothing after its retirement, whatever time the event claims")
    func retiredKey() {
        var rules = fixtures.rulesV2()
        var publisher = Publisher(fixtures: fixtures)
        #expect(rules.judge(publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1"))).verdict.isApplied)
        let retire = rules.judge(fixtures.registryRecord(.keyRetired(keyID: "bank-a/2026"), seq: 10))
        #expect(retire.verdict.isApplied && retire.verdict.findings.isEmpty)  // the fixture's registry took numbers 1 to 9
        let backdated = rules.judge(
            publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c2"), time: "2020-01-01T00:00:00Z"))
        #expect(backdated.verdict.rejection == .keyRetired("bank-a/2026"))
        #expect(backdated.verdict.rejection?.code == "key-not-valid")
        // Retiring again, or a key for an institution never registered, contradicts the registry: recorded, not applied.
        let again = rules.judge(fixtures.registryRecord(.keyRetired(keyID: "bank-a/2026"), seq: 11))
        #expect(again.verdict.findings == [.registryConflict(reason: "key-retired")])
        let orphan = rules.judge(
            fixtures.registryRecord(.keyAdded(institution: "nobody", keyID: "nobody/1", publicKey: Array(repeating: 1, count: 32)), seq: 12)
        )
        #expect(orphan.verdict.rejection == nil)
        #expect(orphan.verdict.findings == [.registryConflict(reason: "unknown-institution")])
    }

    @Test("verdicts under rules/v2 do not depend on the registry file: removing a key from it changes none")
    func bootstrapIndependence() {
        var publisher = Publisher(fixtures: fixtures)
        let records = [
            publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1")),
            publisher.record("access.performed", by: "mydata-op-1", Fixtures.access(at: "2026-04-02T00:00:00Z")),
            publisher.record("consent.revoked", by: "bank-a", Fixtures.revoke("c1", at: "2026-04-03T00:00:00Z")),
        ]
        var full = fixtures.rulesV2()
        var empty = fixtures.rulesV2(bootstrap: try! InstitutionRegistry(institutions: []))
        for record in records { #expect(full.judge(record).verdict.canonicalJSON == empty.judge(record).verdict.canonicalJSON) }
    }

    @Test("an identifier with a look-alike character (KELVIN SIGN for K) is malformed, and a rejected record names no subject")
    func lookAlikes() {
        var rules = fixtures.rulesV2()
        var publisher = Publisher(fixtures: fixtures)
        let kelvin = rules.judge(
            publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c1", recipients: ["mydata-op-1\u{212A}"])))
        #expect(kelvin.verdict.rejection?.code == "malformed")
        #expect(kelvin.verdict.rejection?.detail.hasPrefix("data.recipients[0]:") == true)
        #expect(kelvin.subject == nil && kelvin.event == nil)
        #expect(String(decoding: kelvin.verdict.canonicalJSON, as: UTF8.self) == #"{"rejection":{"code":"malformed"},"rules":"rules/v2"}"#)
        let unsigned = rules.judge(
            IncomingRecord(
                value: publisher.record("consent.granted", by: "bank-a", Fixtures.grant("c2")).value, headers: [], kafkaTimestamp: nil))
        #expect(unsigned.verdict.rejection == .signatureMissing && unsigned.subject == nil)
    }

    @Test("registry events are refused from anyone but the authority")
    func registryFromInstitution() {
        var rules = fixtures.rulesV2()
        let change = RegistryChange.rolesChanged(institution: "bank-b", roles: [.operator])
        let value = change.eventValue(id: "x-1", source: "bank-b", time: t("2026-04-01T00:00:00Z"), producerSequence: 1)
        let headers = try! EventSignature.headers(for: value, keyID: "bank-b/2026", privateKey: fixtures.keys["bank-b/2026"]!)
        let judgement = rules.judge(IncomingRecord(value: value, headers: headers.map { ($0.name, $0.value) }, kafkaTimestamp: nil))
        #expect(judgement.verdict.rejection == .notRegistryAuthority("bank-b/2026"))
        #expect(rules.registry.roles(of: "bank-b") == [.dataHolder, .recipient])
    }
}

@Suite("MyData transmissions: fields, scheduled transmissions, rules/v1 unchanged", .timeLimit(.minutes(10)))
struct TransmissionTests {
    let fixtures = Fixtures()

    func scheduledGrant(
        _ id: String, interval: String = "P1W", until: String? = "2026-12-01T00:00:00Z", from: String = "2026-03-01T00:00:00Z"
    )
        -> [String: Any]
    {
        var grant = Fixtures.grant(id, from: from, until: "2027-03-01T00:00:00Z")
        var schedule: [String: Any] = ["kind": "periodic", "interval": interval]
        if let until { schedule["until"] = until }
        grant["schedule"] = schedule
        return grant
    }

    func access(at time: String, type: String? = "scheduled", consent: String? = nil) -> [String: Any] {
        var data = Fixtures.access(at: time, consentId: consent)
        data["accessId"] = "a-\(time)"
        data["transmissionId"] = "1234567890M" + String(repeating: "0", count: 14)
        if let type { data["transmissionType"] = type }
        return data
    }

    @Test("rules/v1 refuses the transmission members in the words it always used, and lists only its own members")
    func rulesV1Unchanged() {
        var rules = Rules(registry: fixtures.registry, secret: fixtures.secret)
        let event = Fixtures.envelope(
            type: "access.performed", id: "e1", source: "mydata-op-1", seq: 1, time: "2026-04-01T00:00:00Z",
            data: access(at: "2026-04-01T00:00:00Z"))
        let verdict = rules.judge(fixtures.record(event)).verdict
        #expect(verdict.rejection?.code == "malformed")
        #expect(verdict.rejection?.detail.hasPrefix("data.transmissionId: is not a field of this object; allowed: accessId,") == true)
        var colour = Fixtures.access(at: "2026-04-01T00:00:00Z")
        colour["colour"] = "red"
        let other = rules.judge(
            fixtures.record(
                Fixtures.envelope(
                    type: "access.performed", id: "e2", source: "mydata-op-1", seq: 1, time: "2026-04-01T00:00:00Z", data: colour))
        ).verdict
        #expect(other.rejection?.detail.contains("transmission") == false, "\(other.rejection?.detail ?? "")")
    }

    @Test("a scheduled transmission runs once per cycle until its end, and stops for good after six months without a run")
    func scheduledTransmissions() {
        var rules = fixtures.rulesV2()
        var seq: Int64 = 0
        func judge(_ type: String, _ data: [String: Any], time: String = "2026-03-01T00:00:00Z") -> Verdict {
            seq += 1
            return rules.judge(
                fixtures.record(Fixtures.envelope(type: type, id: "e\(seq)", source: "mydata-op-1", seq: seq, time: time, data: data))
            ).verdict
        }
        #expect(judge("consent.granted", scheduledGrant("c1")).isApplied)
        #expect(judge("access.performed", access(at: "2026-04-01T00:00:00Z")).findings.isEmpty)
        #expect(
            judge("access.performed", access(at: "2026-04-04T00:00:00Z")).findings == [.outsideCycle(previous: t("2026-04-01T00:00:00Z"))])
        #expect(judge("access.performed", access(at: "2026-04-03T00:00:00Z", type: "user-refresh")).findings.isEmpty)
        #expect(judge("access.performed", access(at: "2026-04-11T00:00:00Z")).findings.isEmpty)
        // Six months (183 days) after the last run, 2026-04-11: stopped on 2026-10-11, for every later run.
        let stopped = t("2026-10-11T00:00:00Z")
        let late = judge("access.performed", access(at: "2026-10-20T00:00:00Z"))
        #expect(late.findings == [.transmissionStopped(at: stopped)] && late.access == .covered(consentId: "c1"))
        #expect(judge("access.performed", access(at: "2026-10-28T00:00:00Z")).findings == [.transmissionStopped(at: stopped)])

        #expect(judge("consent.granted", scheduledGrant("c2", from: "2026-11-01T00:00:00Z")).isApplied)
        #expect(judge("access.performed", access(at: "2026-11-02T00:00:00Z", consent: "c2")).findings.isEmpty)
        #expect(
            judge("access.performed", access(at: "2026-12-01T00:00:00Z", consent: "c2")).findings
                == [.scheduleEnded(at: t("2026-12-01T00:00:00Z"))])
        #expect(judge("consent.granted", Fixtures.grant("c3")).isApplied)
        #expect(judge("access.performed", access(at: "2026-04-02T00:00:00Z", consent: "c3")).findings == [.notScheduled])
    }

    @Test("rules/v2 refuses a consent valid over five years, and a cycle it cannot read")
    func grantLimits() {
        var rules = fixtures.rulesV2()
        var long = Fixtures.grant("c1", from: "2026-03-01T00:00:00Z", until: "2031-03-03T00:00:00Z")
        var judgement = rules.judge(
            fixtures.record(
                Fixtures.envelope(type: "consent.granted", id: "e1", source: "bank-a", seq: 1, time: "2026-03-01T00:00:00Z", data: long)))
        #expect(judgement.verdict.rejection?.detail.hasPrefix("data.validUntil: a consent is valid for at most five years") == true)
        long = Fixtures.grant("c1", from: "2026-03-01T00:00:00Z", until: "2031-03-02T00:00:00Z")  // 1,827 days
        judgement = rules.judge(
            fixtures.record(
                Fixtures.envelope(type: "consent.granted", id: "e2", source: "bank-a", seq: 1, time: "2026-03-01T00:00:00Z", data: long)))
        #expect(judgement.verdict.isApplied)
        judgement = rules.judge(
            fixtures.record(
                Fixtures.envelope(
                    type: "consent.granted", id: "e3", source: "bank-a", seq: 2, time: "2026-03-01T00:00:00Z",
                    data: scheduledGrant("c2", interval: "P1Y"))))
        #expect(judgement.verdict.rejection?.detail.hasPrefix("data.schedule.interval: a cycle is P<n>D, P<n>W or P<n>M") == true)
    }
}
