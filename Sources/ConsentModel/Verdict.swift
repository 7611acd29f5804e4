import Foundation

/// Why an event is not trusted at all: it becomes a rejected leaf, and changes no state.
public enum Rejection: Hashable, Sendable {
    /// A Kafka record with no value.
    case tombstone
    case emptyValue
    case oversized(bytes: Int)
    case malformed(ConsentModelError)
    case signatureMissing
    case unknownKey(String)
    case keyNotValid(String, at: Timestamp)
    /// The key belongs to another institution than the event's `source`.
    case sourceNotAllowed(String, owner: String)
    case signatureInvalid(String)

    public var code: String {
        switch self {
        case .tombstone: "tombstone"
        case .emptyValue: "empty-value"
        case .oversized: "oversized"
        case .malformed: "malformed"
        case .signatureMissing: "signature-missing"
        case .unknownKey: "unknown-key"
        case .keyNotValid: "key-not-valid"
        case .sourceNotAllowed: "source-not-allowed"
        case .signatureInvalid: "signature-invalid"
        }
    }

    public var detail: String {
        switch self {
        case .tombstone: "the record has no value"
        case .emptyValue: "the value is empty"
        case .oversized(let bytes): "the value is \(bytes) bytes, over the limit of \(Event.maximumSize)"
        case .malformed(let error): error.description
        case .signatureMissing: "no \(EventSignature.keyHeader) and \(EventSignature.signatureHeader) headers"
        case .unknownKey(let key): "key \(key) is not in the registry"
        case .keyNotValid(let key, let time): "key \(key) was not valid at \(time)"
        case .sourceNotAllowed(let key, let owner): "key \(key) belongs to \(owner), not to the event's source"
        case .signatureInvalid(let key): "the signature by key \(key) does not match the value"
        }
    }
}

/// Something wrong with how a trusted producer published, recorded beside the event.
public enum ProducerFinding: Hashable, Sendable {
    /// An event id seen before: the event is recorded but not applied again.
    case duplicateEventId
    /// A producer sequence at or below the last one seen: a replay, recorded but not applied.
    case sequenceReplay(lastSeen: Int64)
    /// Producer sequence numbers were skipped: events may be missing. Applied.
    case sequenceGap(expected: Int64)
    /// The event's `time` is further than ``RulesV1/maximumClockSkew`` from the Kafka timestamp. Applied.
    case clockSkew(seconds: Int64)
    /// A revocation of a consent the ledger does not know for this subject.
    case unknownConsent(String)
    /// An access reported by someone other than the accessor.
    case sourceIsNotAccessor

    public var code: String {
        switch self {
        case .duplicateEventId: "duplicate-event-id"
        case .sequenceReplay: "sequence-replay"
        case .sequenceGap: "sequence-gap"
        case .clockSkew: "clock-skew"
        case .unknownConsent: "unknown-consent"
        case .sourceIsNotAccessor: "source-is-not-accessor"
        }
    }

    /// The codes of the findings that keep an event from changing state.
    public static let notApplyingCodes: Set<String> = [duplicateEventId.code, sequenceReplay(lastSeen: 0).code]

    /// Whether the event still changes consent state.
    var preventsApplying: Bool {
        switch self {
        case .duplicateEventId, .sequenceReplay: true
        default: false
        }
    }
}

/// How an access stands against the consents in force when the ledger reached it.
public enum AccessOutcome: Hashable, Sendable {
    case covered(consentId: String)
    /// No consent of this subject names the data holder (or the named consent does not exist).
    case noConsent
    case recipientNotCovered(consentId: String)
    case purposeNotCovered(consentId: String)
    case categoryNotCovered(consentId: String, missing: [String])
    case notYetValid(consentId: String, validFrom: Timestamp)
    case expired(consentId: String, validUntil: Timestamp)
    case revoked(consentId: String, effectiveAt: Timestamp)

    public static let coveredCode = "covered"

    public var code: String {
        switch self {
        case .covered: Self.coveredCode
        case .noConsent: "no-consent"
        case .recipientNotCovered: "recipient-not-covered"
        case .purposeNotCovered: "purpose-not-covered"
        case .categoryNotCovered: "category-not-covered"
        case .notYetValid: "not-yet-valid"
        case .expired: "expired"
        case .revoked: "revoked"
        }
    }

    public var isViolation: Bool {
        if case .covered = self { return false }
        return true
    }
}

/// The judgement of one record under a versioned rule set; part of the record's leaf.
public struct Verdict: Hashable, Sendable {
    public let rules: String
    public let rejection: Rejection?
    public let findings: [ProducerFinding]
    /// For an applied `access.performed` event.
    public let access: AccessOutcome?
    /// A deterministic encoding, JSON with sorted keys of integers and strings only: the bytes a leaf
    /// commits to. Encoded once here, since the leaf, its receipt and its replay check all need it.
    public let canonicalJSON: [UInt8]

    public init(rules: String, rejection: Rejection?, findings: [ProducerFinding], access: AccessOutcome?) {
        self.rules = rules
        self.rejection = rejection
        self.findings = findings
        self.access = access
        var object: [String: Any] = ["rules": rules]
        if let rejection { object["rejection"] = ["code": rejection.code, "detail": rejection.detail] }
        if !findings.isEmpty { object["findings"] = findings.map(Self.describe) }
        if let access { object["access"] = Self.describe(access) }
        // Cannot fail: the object holds only strings, integers, arrays and objects of them.
        canonicalJSON = Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// The event changed the ledger's state (consents, producer sequence).
    public var isApplied: Bool { rejection == nil && !findings.contains(where: \.preventsApplying) }

    private static func describe(_ finding: ProducerFinding) -> [String: Any] {
        switch finding {
        case .sequenceReplay(let last): ["code": finding.code, "lastSeen": last]
        case .sequenceGap(let expected): ["code": finding.code, "expected": expected]
        case .clockSkew(let seconds): ["code": finding.code, "seconds": seconds]
        case .unknownConsent(let id): ["code": finding.code, "consentId": id]
        default: ["code": finding.code]
        }
    }

    private static func describe(_ outcome: AccessOutcome) -> [String: Any] {
        switch outcome {
        case .covered(let id), .recipientNotCovered(let id), .purposeNotCovered(let id): ["code": outcome.code, "consentId": id]
        case .noConsent: ["code": outcome.code]
        case .categoryNotCovered(let id, let missing): ["code": outcome.code, "consentId": id, "missing": missing]
        case .notYetValid(let id, let at), .expired(let id, let at), .revoked(let id, let at):
            ["code": outcome.code, "consentId": id, "at": at.description]
        }
    }
}

/// The codes a stored verdict carries, read back from its ``Verdict/canonicalJSON`` (by the ledger's
/// query index and API, which have the leaf but not the ``Verdict``).
public struct VerdictCodes: Sendable, Equatable {
    /// The rejection's code, for a rejected record.
    public let rejection: String?
    public let findings: [String]
    /// The access outcome's code, for an applied access.
    public let access: String?
    /// The consent the access outcome names, if any.
    public let consentId: String?

    public init(canonicalJSON: [UInt8]) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(canonicalJSON)) as? [String: Any] else {
            throw ConsentModelError(.malformedJSON, "a stored verdict is not a JSON object")
        }
        let access = object["access"] as? [String: Any]
        rejection = (object["rejection"] as? [String: Any])?["code"] as? String
        findings = (object["findings"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        self.access = access?["code"] as? String
        consentId = access?["consentId"] as? String
    }
}
