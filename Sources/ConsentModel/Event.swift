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
}

public enum EventType: String, CaseIterable, Sendable {
    case consentGranted = "consent.granted"
    case consentRevoked = "consent.revoked"
    case accessPerformed = "access.performed"
    case institutionRegistered = "registry.institution-registered"
    case keyAdded = "registry.key-added"
    case keyRetired = "registry.key-retired"
    case rolesChanged = "registry.roles-changed"
    case rulesChanged = "registry.rules-changed"

    /// The types rules/v1 reads; the others are registry events, which rules/v1 rejects as unknown types.
    public static let subjectTypes: [EventType] = [.consentGranted, .consentRevoked, .accessPerformed]

    /// The `dataschema` each type must name.
    public var schema: String { "urn:consent-ledger:schema:\(rawValue):v1" }

    /// Registry events come from the registry authority, go to every partition and name no subject.
    public var isRegistry: Bool { !Self.subjectTypes.contains(self) }
}

public enum EventData: Hashable, Sendable {
    case consentGranted(ConsentGrant)
    case consentRevoked(ConsentRevocation)
    case accessPerformed(DataAccess)
    case registry(RegistryChange)

    public var type: EventType {
        switch self {
        case .consentGranted: .consentGranted
        case .consentRevoked: .consentRevoked
        case .accessPerformed: .accessPerformed
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
        /// For periodic access, an ISO 8601 duration such as `P1M`.
        public let interval: String?

        public init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(allowed: ["kind", "interval"])
            kind = try c.oneOf(AnyKey(stringValue: "kind"), ["one-off", "periodic"])
            interval = try c.optionalText(AnyKey(stringValue: "interval"), maximumLength: 32)
            if kind == "periodic", interval == nil {
                throw c.invalid(AnyKey(stringValue: "interval"), "is required for a periodic schedule")
            }
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

    public static let actions = ["read", "transmit", "download", "analyze", "update", "delete"]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(allowed: [
            "accessId", "accessor", "dataHolder", "actor", "action", "purpose", "dataCategories", "recordCount", "dataForm", "consentId",
            "occurredAt",
        ])
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
    }
}
