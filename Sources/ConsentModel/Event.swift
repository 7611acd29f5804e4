import Foundation

/// What an institution publishes: a CloudEvents 1.0 event in structured JSON mode.
///
/// The `subject` is the data subject's raw identifier (such as Korea's CI); the ledger never stores
/// it, only its ``SubjectReference``.
public struct Event: Hashable, Sendable {
    /// The largest event value the ledger reads. Larger values are rejected unread.
    public static let maximumSize = 64 * 1024
    /// The most entries a list of codes or institutions may have: enough for any real consent or access, and a
    /// bound on what a verdict that lists some of them (`missing`) can hold.
    public static let maximumListLength = 64

    public let id: String
    /// The publishing institution's id, as in the registry.
    public let source: String
    public let time: Timestamp
    /// The data subject's raw identifier; `nil` only for registry events, which are about no subject.
    public let subject: String?
    /// Per-producer counter: 1 for a producer's first event, then one more for each.
    public let producerSequence: Int64
    public let data: EventData

    public var type: EventType { data.type }

    var grant: ConsentGrant? {
        if case .consentGranted(let grant) = data { grant } else { nil }
    }
}

public enum EventType: String, CaseIterable, Sendable {
    case consentGranted = "consent.granted"
    case consentRevoked = "consent.revoked"
    case accessPerformed = "access.performed"
    case erasureRequested = "subject.erasure-requested"
    case institutionRegistered = "registry.institution-registered"
    case keyAdded = "registry.key-added"
    case keyRetired = "registry.key-retired"
    case rolesChanged = "registry.roles-changed"
    case rulesChanged = "registry.rules-changed"

    /// The types rules/v1 reads; it rejects the others (registry events, erasure requests) as unknown types.
    public static let subjectTypes: [EventType] = [.consentGranted, .consentRevoked, .accessPerformed]

    /// The `dataschema` each type must name.
    public var schema: String { "urn:consent-ledger:schema:\(rawValue):v1" }

    /// Registry events come from the registry authority, go to every partition and name no subject.
    public var isRegistry: Bool { rawValue.hasPrefix("registry.") }
}

public enum EventData: Hashable, Sendable {
    case consentGranted(ConsentGrant)
    case consentRevoked(ConsentRevocation)
    case accessPerformed(DataAccess)
    case erasureRequested(ErasureRequest)
    case registry(RegistryChange)

    public var type: EventType {
        switch self {
        case .consentGranted: .consentGranted
        case .consentRevoked: .consentRevoked
        case .accessPerformed: .accessPerformed
        case .erasureRequested: .erasureRequested
        case .registry(let change): change.type
        }
    }
}

/// `consent.granted`: a subject allows recipients to receive categories of data from a holder, for purposes.
public struct ConsentGrant: Hashable, Sendable, Decodable {
    public let consentId: String
    /// The institution that holds the data (the controller).
    public let dataHolder: String
    /// Institutions allowed to receive the data.
    public let recipients: [String]
    /// Purpose codes (DPV style), such as `service-provision` or `credit-scoring`.
    public let purposes: [String]
    /// Data category codes, such as `finance.account.transactions`.
    public let dataCategories: [String]
    public let legalBasis: String
    public let validFrom: Timestamp
    /// The first instant the consent no longer covers.
    public let validUntil: Timestamp
    /// How long received data may be kept, as an ISO 8601 duration such as `P3Y`.
    public let retention: String?
    public let schedule: Schedule?
    public let notice: Notice
    /// A consent this one replaces from its `validFrom` on.
    public let supersedes: String?

    public struct Schedule: Hashable, Sendable, Decodable {
        /// `one-off` or `periodic`.
        public let kind: String
        /// For periodic access (a MyData scheduled transmission's cycle), an ISO 8601 duration such as `P1M`.
        public let interval: String?
        /// The end of a scheduled transmission: no scheduled access at or after it.
        public let until: Timestamp?

        /// A scheduled transmission not run for this long (183 days, about six months) is stopped (MyData 2.0).
        public static let stopsAfterSeconds: Int64 = 183 * 86_400

        /// How often a periodic schedule may run, as rules/v2 reads `interval`: `P`, then n as 1 to 3 ASCII digits (1 to
        /// 999), then `D`, `W` or `M`: at most once every n days, 7n days or 28n days (a month's shortest length).
        public struct Cycle: Hashable, Sendable {
            public let minimumGapSeconds: Int64
        }

        /// The cycle of a periodic schedule whose interval rules/v2 reads; `nil` for a one-off schedule or another interval.
        public var cycle: Cycle? {
            guard kind == "periodic", let interval else { return nil }
            let bytes = Array(interval.utf8)
            let digits = bytes.dropFirst().dropLast()
            guard bytes.first == UInt8(ascii: "P"), (1...3).contains(digits.count),
                digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            let n = digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
            let days: Int64? =
                switch bytes.last {
                case UInt8(ascii: "D"): n
                case UInt8(ascii: "W"): 7 * n
                case UInt8(ascii: "M"): 28 * n
                default: nil
                }
            guard n >= 1, let days else { return nil }
            return Cycle(minimumGapSeconds: days * 86_400)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(
                allowed: decoder.schema == .rulesV1 ? ["kind", "interval"] : ["kind", "interval", "until"])
            kind = try c.oneOf(AnyKey(stringValue: "kind"), ["one-off", "periodic"])
            interval = try c.optionalText(AnyKey(stringValue: "interval"), maximumLength: 32)
            if kind == "periodic", interval == nil {
                throw c.invalid(AnyKey(stringValue: "interval"), "is required for a periodic schedule")
            }
            until = try c.optional(Timestamp.self, AnyKey(stringValue: "until"))
        }
    }

    /// The privacy notice the subject was shown: where, and the SHA-256 of its bytes.
    public struct Notice: Hashable, Sendable, Decodable {
        public let uri: String
        public let sha256: String

        public init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(allowed: ["uri", "sha256"])
            uri = try c.text(AnyKey(stringValue: "uri"), maximumLength: 2048)
            sha256 = try c.text(AnyKey(stringValue: "sha256"), maximumLength: 64)
            guard sha256.utf8.count == 64, sha256.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw c.invalid(AnyKey(stringValue: "sha256"), "must be 64 lowercase hex digits")
            }
        }
    }

    /// The longest a consent may be valid under rules/v2: five years (the financial MyData rule), as 1,827 days.
    public static let maximumValidityDays: Int64 = 1_827

    /// What rules/v2 refuses in a grant the schema allows, as `malformed`: a validity over five years, a periodic schedule
    /// whose interval it cannot read as a cycle, an end of schedule on a one-off one.
    var rulesV2Problem: ConsentModelError? {
        if validUntil.secondsApart(from: validFrom) > Self.maximumValidityDays * 86_400 {
            return ConsentModelError(
                .invalidValue, at: "data.validUntil", "a consent is valid for at most five years (1,827 days) under rules/v2")
        }
        if let schedule, schedule.kind == "periodic", schedule.cycle == nil {
            return ConsentModelError(
                .invalidValue, at: "data.schedule.interval", "a cycle is P<n>D, P<n>W or P<n>M with n from 1 to 999 under rules/v2")
        }
        if let schedule, schedule.kind != "periodic", schedule.until != nil {
            return ConsentModelError(.invalidValue, at: "data.schedule.until", "only a periodic schedule ends under rules/v2")
        }
        return nil
    }

    public static let legalBases = ["consent", "contract", "legal-obligation", "vital-interest", "public-task", "legitimate-interest"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(allowed: [
            "consentId", "dataHolder", "recipients", "purposes", "dataCategories", "legalBasis", "validFrom", "validUntil",
            "retention", "schedule", "notice", "supersedes",
        ])
        func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
        consentId = try c.text(key("consentId"), maximumLength: 128)
        dataHolder = try c.text(key("dataHolder"), maximumLength: 128)
        recipients = try c.texts(key("recipients"), maximumLength: 128)
        purposes = try c.codes(key("purposes"))
        dataCategories = try c.codes(key("dataCategories"))
        legalBasis = try c.oneOf(key("legalBasis"), Self.legalBases)
        validFrom = try c.decode(Timestamp.self, forKey: key("validFrom"))
        validUntil = try c.decode(Timestamp.self, forKey: key("validUntil"))
        guard validFrom < validUntil else { throw c.invalid(key("validUntil"), "must be later than validFrom") }
        retention = try c.optionalText(key("retention"), maximumLength: 32)
        schedule = try c.optional(Schedule.self, key("schedule"))
        notice = try c.decode(Notice.self, forKey: key("notice"))
        supersedes = try c.optionalText(key("supersedes"), maximumLength: 128)
    }
}

/// `consent.revoked`: a consent stops covering anything from `effectiveAt` on.
public struct ConsentRevocation: Hashable, Sendable, Decodable {
    public let consentId: String
    /// May precede the time the ledger learns of it: accesses after this instant are not covered.
    public let effectiveAt: Timestamp
    /// `subject`, `controller` or `authority`.
    public let initiatedBy: String
    public let reason: String?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(allowed: ["consentId", "effectiveAt", "initiatedBy", "reason"])
        consentId = try c.text(AnyKey(stringValue: "consentId"), maximumLength: 128)
        effectiveAt = try c.decode(Timestamp.self, forKey: AnyKey(stringValue: "effectiveAt"))
        initiatedBy = try c.oneOf(AnyKey(stringValue: "initiatedBy"), ["subject", "controller", "authority"])
        reason = try c.optionalText(AnyKey(stringValue: "reason"), maximumLength: 1024)
    }
}

/// `access.performed`: an institution touched a subject's data.
public struct DataAccess: Hashable, Sendable, Decodable {
    public let accessId: String
    /// The institution that received or used the data; must be the event's `source`.
    public let accessor: String
    public let dataHolder: String
    /// A pseudonymous staff member or system, never a name.
    public let actor: String
    public let action: String
    public let purpose: String
    public let dataCategories: [String]
    public let recordCount: Int64
    /// `identified`, `pseudonymised` or `anonymised`.
    public let dataForm: String
    /// The consent the accessor relied on, if it names one.
    public let consentId: String?
    public let occurredAt: Timestamp
    /// The financial MyData standard API's transaction id (`x-api-tran-id`): up to 25 ASCII letters and digits.
    public let transmissionId: String?
    /// How the MyData transmission was started: one of ``transmissionTypes``.
    public let transmissionType: String?

    public static let actions = ["read", "transmit", "download", "analyze", "update", "delete"]
    /// A scheduled transmission (정기적 전송), or one the citizen started: on consenting, by refreshing, by searching.
    public static let transmissionTypes = ["scheduled", "user-consent", "user-refresh", "user-search"]
    static let rulesV1Fields: Set<String> = [
        "accessId", "accessor", "dataHolder", "actor", "action", "purpose", "dataCategories", "recordCount", "dataForm", "consentId",
        "occurredAt",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(
            allowed: decoder.schema == .rulesV1 ? Self.rulesV1Fields : Self.rulesV1Fields.union(["transmissionId", "transmissionType"]))
        func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
        accessId = try c.text(key("accessId"), maximumLength: 128)
        accessor = try c.text(key("accessor"), maximumLength: 128)
        dataHolder = try c.text(key("dataHolder"), maximumLength: 128)
        actor = try c.text(key("actor"), maximumLength: 128)
        action = try c.oneOf(key("action"), Self.actions)
        purpose = try c.code(key("purpose"))
        dataCategories = try c.codes(key("dataCategories"))
        recordCount = try c.decode(Int64.self, forKey: key("recordCount"))
        guard recordCount >= 0 else { throw c.invalid(key("recordCount"), "must not be negative") }
        dataForm = try c.oneOf(key("dataForm"), ["identified", "pseudonymised", "anonymised"])
        consentId = try c.optionalText(key("consentId"), maximumLength: 128)
        occurredAt = try c.decode(Timestamp.self, forKey: key("occurredAt"))
        transmissionId = try c.optional(String.self, key("transmissionId"))
        if let id = transmissionId, !Self.isTransmissionId(id) {
            throw c.invalid(
                key("transmissionId"), "\"\(EchoedText.capped(id))\" is not a MyData transaction id: 1 to 25 ASCII letters and digits")
        }
        transmissionType = c.contains(key("transmissionType")) ? try c.oneOf(key("transmissionType"), Self.transmissionTypes) : nil
    }

    /// 1 to 25 ASCII letters and digits.
    public static func isTransmissionId(_ text: String) -> Bool {
        (1...25).contains(text.utf8.count)
            && text.utf8.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
    }
}
