import ConsentModel
import Foundation

/// An institution of the simulated MyData ecosystem.
public struct SimulatedInstitution: Sendable, Hashable {
    public let id: String
    public let name: String
    /// `operator` for MyData operators, `dataHolder` for banks, hospitals and telecoms.
    public let role: String
}

/// One event the simulation wants published, with what it is meant to show.
public struct SimulatedEvent: Sendable {
    public enum Intent: String, Sendable, CaseIterable {
        case grant, revocation, coveredAccess
        /// Deliberate violations: an access with no consent, one after its consent was revoked, one beyond its scope.
        case accessWithoutConsent, accessAfterRevocation, accessBeyondScope
    }

    /// The institution that publishes it (an operator).
    public let source: String
    /// The event without `id`, `time`, `producerseq` or the constant envelope: a publisher fills those.
    public let json: [UInt8]
    public let intent: Intent
}

/// Realistic MyData traffic: citizens grant MyData operators consent to receive their data from banks,
/// hospitals and telecoms for purposes and categories; operators then access that data, some consents are
/// revoked, and a chosen share of accesses break the rules on purpose.
///
/// The same seed gives the same sequence of events (times come from the caller).
public struct MyDataTraffic: Sendable {
    struct Sector {
        let prefix: String
        let name: String
        let purposes: [String]
        let categories: [String]
    }

    static let sectors = [
        Sector(
            prefix: "bank", name: "Bank", purposes: ["financial-overview", "credit-scoring"],
            categories: ["finance.account.balance", "finance.account.transactions", "finance.card.payments"]),
        Sector(
            prefix: "hospital", name: "Hospital", purposes: ["health-management", "insurance-claim"],
            categories: ["health.checkup.results", "health.prescriptions"]),
        Sector(
            prefix: "telecom", name: "Telecom", purposes: ["service-provision", "plan-recommendation"],
            categories: ["telecom.usage", "telecom.billing"]),
    ]

    struct Consent {
        let id: String
        let holder: Int
        let purpose: String
        let categories: [String]
        var isRevoked = false
    }

    public let institutions: [SimulatedInstitution]
    private let operators: [String]
    private let holders: [(id: String, sector: Sector)]
    private let subjects: Int
    private let violationRate: Double
    private var random: SplitMix64
    private var consents: [Int: [String: [Consent]]] = [:]  // subject → operator → consents
    /// Every (subject, operator) with a consent, for picking one at random.
    private var pairs: [(subject: Int, op: String)] = []
    private var counter = 0

    /// `institutions` (at least 2) are split into MyData operators (a quarter, at least one) and data holders
    /// spread over finance, health and telecom.
    public init(institutions: Int, subjects: Int, violationRate: Double, seed: UInt64) {
        precondition(institutions >= 2 && subjects >= 1 && (0...1).contains(violationRate))
        let operatorCount = max(1, institutions / 4)
        operators = (1...operatorCount).map { "mydata-op-\($0)" }
        holders = (0..<(institutions - operatorCount)).map { index in
            let sector = Self.sectors[index % Self.sectors.count]
            return ("\(sector.prefix)-\(index / Self.sectors.count + 1)", sector)
        }
        self.institutions =
            operators.map { SimulatedInstitution(id: $0, name: "MyData operator \($0.split(separator: "-").last!)", role: "operator") }
            + holders.map {
                SimulatedInstitution(id: $0.id, name: "\($0.sector.name) \($0.id.split(separator: "-").last!)", role: "dataHolder")
            }
        self.subjects = subjects
        self.violationRate = violationRate
        random = SplitMix64(seed: seed)
    }

    /// The next event, stamped with `now` where the data needs a time.
    ///
    /// About one event in ten is a new consent and one in twenty-five a revocation; the rest are accesses by
    /// operators to data they hold consents for, of which `violationRate` break the rules.
    public mutating func next(now: Timestamp) -> SimulatedEvent {
        let roll = random.unit()
        if pairs.isEmpty || roll < 0.10 {
            let subject = random.below(subjects) + 1
            let op = operators[random.below(operators.count)]
            if consents[subject]?[op] == nil { pairs.append((subject, op)) }
            return grant(subject: subject, by: op, now: now)
        }
        let (subject, op) = pairs[random.below(pairs.count)]
        let held = consents[subject]![op]!
        let active = held.indices.filter { !held[$0].isRevoked }
        if active.isEmpty { return grant(subject: subject, by: op, now: now) }
        if roll < 0.14 { return revoke(held[active[random.below(active.count)]], subject: subject, by: op, now: now) }
        if random.unit() < violationRate { return violation(subject: subject, by: op, now: now) }
        let consent = held[active[random.below(active.count)]]
        return access(
            subject: subject, by: op, consent: consent, holder: consent.holder, purpose: consent.purpose, now: now, .coveredAccess)
    }

    private mutating func grant(subject: Int, by op: String, now: Timestamp) -> SimulatedEvent {
        let holder = random.below(holders.count)
        let sector = holders[holder].sector
        counter += 1
        let categories = Array(sector.categories.shuffled(using: &random).prefix(1 + random.below(sector.categories.count)))
        let consent = Consent(
            id: "\(op)/consent/\(counter)", holder: holder, purpose: sector.purposes[random.below(sector.purposes.count)],
            categories: categories.sorted())
        consents[subject, default: [:]][op, default: []].append(consent)
        let data: [String: Any] = [
            "consentId": consent.id, "dataHolder": holders[holder].id, "recipients": [op], "purposes": [consent.purpose],
            "dataCategories": consent.categories, "legalBasis": "consent",
            // A minute back, so accesses stamped in the same millisecond are covered.
            "validFrom": Timestamp(nanoseconds: now.nanoseconds - 60_000_000_000).description,
            "validUntil": Timestamp(nanoseconds: now.nanoseconds + 365 * 86_400 * 1_000_000_000).description,
            "schedule": ["kind": "periodic", "interval": "P1D"],
            "notice": ["uri": "https://\(op).example/notices/v1", "sha256": String(repeating: "5e", count: 32)],
        ]
        return event(.consentGranted, subject: subject, source: op, data: data, .grant)
    }

    private mutating func revoke(_ consent: Consent, subject: Int, by op: String, now: Timestamp) -> SimulatedEvent {
        if let index = consents[subject]?[op]?.firstIndex(where: { $0.id == consent.id }) {
            consents[subject]![op]![index].isRevoked = true
        }
        let data: [String: Any] = ["consentId": consent.id, "effectiveAt": now.description, "initiatedBy": "subject"]
        return event(.consentRevoked, subject: subject, source: op, data: data, .revocation)
    }

    private mutating func violation(subject: Int, by op: String, now: Timestamp) -> SimulatedEvent {
        let held = consents[subject, default: [:]][op, default: []]
        switch random.below(3) {
        case 0:
            // Holders this operator never had the subject's consent for, revoked or not.
            let covered = Set(held.map(\.holder))
            if let holder = holders.indices.filter({ !covered.contains($0) }).randomElement(using: &random) {
                return access(
                    subject: subject, by: op, consent: nil, holder: holder, purpose: holders[holder].sector.purposes[0], now: now,
                    .accessWithoutConsent)
            }
        case 1:
            if let revoked = held.filter(\.isRevoked).randomElement(using: &random) {
                return access(
                    subject: subject, by: op, consent: revoked, holder: revoked.holder, purpose: revoked.purpose, now: now,
                    .accessAfterRevocation)
            }
        default:
            break
        }
        let consent = held.filter { !$0.isRevoked }.randomElement(using: &random) ?? held[0]
        return access(
            subject: subject, by: op, consent: consent, holder: consent.holder, purpose: "marketing", now: now, .accessBeyondScope)
    }

    private mutating func access(
        subject: Int, by op: String, consent: Consent?, holder: Int, purpose: String, now: Timestamp, _ intent: SimulatedEvent.Intent
    ) -> SimulatedEvent {
        counter += 1
        let categories =
            consent.map { Array($0.categories.prefix(1 + random.below($0.categories.count))) } ?? [holders[holder].sector.categories[0]]
        var data: [String: Any] = [
            "accessId": "\(op)/access/\(counter)", "accessor": op, "dataHolder": holders[holder].id,
            "actor": "system:collector-\(1 + random.below(4))",
            "action": "transmit", "purpose": purpose, "dataCategories": categories, "recordCount": 1 + random.below(200),
            "dataForm": "identified",
            "occurredAt": now.description,
        ]
        if let consent { data["consentId"] = consent.id }
        return event(.accessPerformed, subject: subject, source: op, data: data, intent)
    }

    private func event(_ type: EventType, subject: Int, source: String, data: [String: Any], _ intent: SimulatedEvent.Intent)
        -> SimulatedEvent
    {
        let object: [String: Any] = ["type": type.rawValue, "subject": Self.subject(subject), "source": source, "data": data]
        // Cannot fail: strings, integers, arrays and dictionaries of them.
        let json = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return SimulatedEvent(source: source, json: Array(json), intent: intent)
    }

    /// A citizen's identifier in the simulation, shaped like Korea's CI placeholders in the docs.
    public static func subject(_ number: Int) -> String {
        "CI-KR-" + String(repeating: "0", count: max(0, 13 - String(number).count)) + String(number)
    }
}

/// SplitMix64: a small seedable generator, so a simulation can be replayed from its seed. Not for secrets.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next(upperBound: UInt64(bound))) }
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
