import ConsentFixtures
import ConsentModel
import Crypto
import Foundation
import InstitutionPublisher
import MyDataSimulation
import Testing

@Suite("Simulated MyData traffic", .timeLimit(.minutes(10)))
struct TrafficTests {
    /// Every event of `traffic`, signed by its institution and judged in order by the ledger's rules, as one partition would be.
    func judge(_ count: Int, of traffic: inout MyDataTraffic) throws -> [(SimulatedEvent, Judgement)] {
        let keys = Dictionary(
            uniqueKeysWithValues: traffic.institutions.map { ($0.id, InstitutionKey(institution: $0.id, keyID: "\($0.id)/k")) })
        let registry = try InstitutionRegistry(
            institutions: traffic.institutions.map {
                .init(id: $0.id, name: $0.name, roles: [$0.role], keys: [keys[$0.id]!.registryKey(validFrom: t("2026-01-01T00:00:00Z"))])
            })
        var rules = Rules(registry: registry, secret: Fixtures().secret)
        var sequences: [String: Int64] = [:]
        return try (0..<count).map { step in
            let now = Timestamp(nanoseconds: t("2026-12-01T00:00:00Z").nanoseconds + Int64(step) * 1_000_000)
            let event = traffic.next(now: now)
            let draft = try EventDraft(json: event.json, institution: event.source, now: now)
            sequences[event.source, default: 0] += 1
            let value = draft.value(producerSequence: sequences[event.source]!)
            let key = keys[event.source]!
            let headers = try EventSignature.headers(for: value, keyID: key.keyID, privateKey: key.privateKey)
            return (event, rules.judge(IncomingRecord(value: value, headers: headers, kafkaTimestamp: now.nanoseconds / 1_000_000)))
        }
    }

    @Test("every event is valid and signed; each access gets the verdict the simulation meant, violations at the chosen rate")
    func verdictsMatchIntent() throws {
        var traffic = MyDataTraffic(institutions: 8, subjects: 40, violationRate: 0.2, seed: 7)
        let judged = try judge(2_500, of: &traffic)
        var intents: [SimulatedEvent.Intent: Int] = [:]
        for (event, judgement) in judged {
            intents[event.intent, default: 0] += 1
            #expect(judgement.verdict.rejection == nil && judgement.verdict.findings.isEmpty, "\(judgement.verdict)")
            let code = judgement.verdict.access?.code
            switch event.intent {
            case .grant, .revocation: #expect(code == nil)
            case .coveredAccess: #expect(code == "covered", "\(String(decoding: event.json, as: UTF8.self))")
            case .accessAfterRevocation: #expect(code == "revoked")
            case .accessBeyondScope: #expect(code == "purpose-not-covered")
            case .accessWithoutConsent: #expect(code == "no-consent" || code == "recipient-not-covered", "\(code ?? "none")")
            }
        }
        #expect(Set(intents.keys) == Set(SimulatedEvent.Intent.allCases), "every kind of event occurs: \(intents)")
        let violations =
            intents[.accessAfterRevocation, default: 0] + intents[.accessBeyondScope, default: 0]
            + intents[.accessWithoutConsent, default: 0]
        let share = Double(violations) / Double(violations + intents[.coveredAccess, default: 0])
        #expect(abs(share - 0.2) < 0.04, "violation share \(share)")
        #expect(
            traffic.institutions.contains { $0.id.hasPrefix("hospital") } && traffic.institutions.contains { $0.id.hasPrefix("telecom") })
    }

    @Test("the same seed gives the same events")
    func deterministic() {
        var a = MyDataTraffic(institutions: 5, subjects: 10, violationRate: 0.1, seed: 42)
        var b = MyDataTraffic(institutions: 5, subjects: 10, violationRate: 0.1, seed: 42)
        let now = t("2026-12-01T00:00:00Z")
        for _ in 0..<200 { #expect(a.next(now: now).json == b.next(now: now).json) }
    }
}
