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
    /// rules/v2: the key was retired earlier in the partition's log.
    case keyRetired(String)
    /// rules/v2: a registry event not signed with the registry authority's key.
    case notRegistryAuthority(String)
    /// rules/v2: the subject's events belong in partition `expected`.
    case wrongPartition(expected: Int32)

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
        case .keyRetired: "key-not-valid"
        case .notRegistryAuthority: "not-registry-authority"
        case .wrongPartition: "wrong-partition"
        }
    }

    public var detail: String {
        switch self {
        case .tombstone: "the record has no value"
        case .emptyValue: "the value is empty"
        case .oversized(let bytes): "the value is \(bytes) bytes, over the limit of \(Event.maximumSize)"
        case .malformed(let error): error.description
        case .signatureMissing: "no \(EventSignature.keyHeader) and \(EventSignature.signatureHeader) headers"
        case .unknownKey(let key): "key \(EchoedText.capped(key)) is not in the registry"
        case .keyNotValid(let key, let time): "key \(EchoedText.capped(key)) was not valid at \(time)"
        case .sourceNotAllowed(let key, let owner): "key \(EchoedText.capped(key)) belongs to \(owner), not to the event's source"
        case .signatureInvalid(let key): "the signature by key \(EchoedText.capped(key)) does not match the value"
        case .keyRetired(let key): "key \(EchoedText.capped(key)) was retired earlier in this partition's log"
        case .notRegistryAuthority(let key):
            "a registry event must be signed by the registry authority, not by key \(EchoedText.capped(key))"
        case .wrongPartition(let expected): "the subject's events belong in partition \(expected)"
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
    /// The event's `time` is further than ``Rules/maximumClockSkew`` from the Kafka timestamp. Applied.
    case clockSkew(seconds: Int64)
    /// A revocation of a consent the ledger does not know for this subject.
    case unknownConsent(String)
    /// An access reported by someone other than the accessor.
    case sourceIsNotAccessor
    /// rules/v2: the source may not make this change to the consent; `rule` names the rule of docs/events.md it broke.
    /// Not applied.
    case notAuthorized(rule: String)
    /// rules/v2: a scheduled transmission under a consent without a periodic schedule rules/v2 reads.
    case notScheduled
    /// rules/v2: a scheduled transmission at or after its consent's `schedule.until`.
    case scheduleEnded(at: Timestamp)
    /// rules/v2: a scheduled transmission after six months without one: the schedule stopped at `at`, for good.
    case transmissionStopped(at: Timestamp)
    /// rules/v2: a scheduled transmission less than one cycle from the previous one (at `previous`).
    case outsideCycle(previous: Timestamp)
    /// rules/v2: a registry change that contradicts the registry as the log has built it (`reason` says how). Not applied.
    case registryConflict(reason: String)

    public var code: String {
        switch self {
        case .duplicateEventId: "duplicate-event-id"
        case .sequenceReplay: "sequence-replay"
        case .sequenceGap: "sequence-gap"
        case .clockSkew: "clock-skew"
        case .unknownConsent: "unknown-consent"
        case .sourceIsNotAccessor: "source-is-not-accessor"
        case .notAuthorized: "not-authorized"
        case .registryConflict: "registry-conflict"
        case .notScheduled: "not-scheduled"
        case .scheduleEnded: "schedule-ended"
        case .transmissionStopped: "transmission-stopped"
        case .outsideCycle: "outside-cycle"
        }
    }

    /// The codes of the findings that keep an event from changing state.
    public static let notApplyingCodes: Set<String> = [
        duplicateEventId.code, sequenceReplay(lastSeen: 0).code, notAuthorized(rule: "").code, registryConflict(reason: "").code,
    ]

    /// The codes of the findings that leave an event out of its producer's sequence.
    public static let preventsSequencingCodes: Set<String> = [duplicateEventId.code, sequenceReplay(lastSeen: 0).code]

    /// Whether the event is left out of the producer's sequence (and changes nothing): a duplicate or a replay.
    var preventsSequencing: Bool {
        switch self {
        case .duplicateEventId, .sequenceReplay: true
        default: false
        }
    }

    /// Whether the event changes no state (consents, registry).
    var preventsApplying: Bool {
        switch self {
        case .duplicateEventId, .sequenceReplay, .notAuthorized, .registryConflict: true
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
    /// For an applied `subject.erasure-requested` event: which of the subject's records it erases, in the leaf itself,
    /// so that a verifier can tell from the leaves alone which erased records it covers.
    public let erasure: ErasureRequest.Scope?
    /// A deterministic encoding, JSON with sorted keys of integers and strings only: the bytes a leaf
    /// commits to. Encoded once here, since the leaf, its receipt and its replay check all need it.
    public let canonicalJSON: [UInt8]

    public init(
        rules: String, rejection: Rejection?, findings: [ProducerFinding], access: AccessOutcome?, erasure: ErasureRequest.Scope? = nil
    ) {
        self.rules = rules
        self.rejection = rejection
        self.findings = findings
        self.access = access
        self.erasure = erasure
        canonicalJSON =
            VerdictDocument(
                rules: rules, rejection: rejection.map { rules == Rules.v1 ? .init(code: $0.code, detail: $0.detail) : .init($0) },
                findings: findings.isEmpty ? nil : findings.map(VerdictDocument.Part.init), access: access.map(VerdictDocument.Part.init),
                erasure: erasure.map(VerdictDocument.Part.init)
            ).canonicalJSON
    }

    /// The event changed the ledger's state (consents, producer sequence).
    public var isApplied: Bool { rejection == nil && !findings.contains(where: \.preventsApplying) }
}

/// A verdict's JSON: `rules`, then `rejection`, `findings` and `access` where there are any, each part an
/// object of its `code` and the values that code carries.
struct VerdictDocument: Codable {
    struct Part: Codable {
        var code: String
        var detail: String?
        var consentId: String?
        var missing: [String]?
        var at: String?
        var lastSeen: Int64?
        var expected: Int64?
        var seconds: Int64?
        var rule: String?
        var reason: String?
        var keyId: String?
        var owner: String?
        var bytes: Int?
        var partition: Int32?

        init(code: String, detail: String? = nil, consentId: String? = nil) {
            self.code = code
            self.detail = detail
            self.consentId = consentId
        }

        init(_ finding: ProducerFinding) {
            self.init(code: finding.code)
            switch finding {
            case .sequenceReplay(let last): lastSeen = last
            case .sequenceGap(let next): expected = next
            case .clockSkew(let skew): seconds = skew
            case .unknownConsent(let id): consentId = id
            case .notAuthorized(let name): rule = name
            case .registryConflict(let why): reason = why
            case .scheduleEnded(let time), .transmissionStopped(let time), .outsideCycle(let time): at = time.description
            case .duplicateEventId, .sourceIsNotAccessor, .notScheduled: break
            }
        }

        /// rules/v2's rejection: its code and the values that code carries, never free text, so that an independent
        /// implementation derives the same bytes (docs/events.md lists them).
        init(_ rejection: Rejection) {
            self.init(code: rejection.code)
            switch rejection {
            // What makes a value malformed is for people (the rejected topic's header says it); which check a decoder
            // trips first is not part of the verdict.
            case .tombstone, .emptyValue, .signatureMissing, .malformed: break
            case .oversized(let size): bytes = size
            case .unknownKey(let key), .signatureInvalid(let key), .keyRetired(let key), .notRegistryAuthority(let key): keyId = key
            case .keyNotValid(let key, let time):
                keyId = key
                at = time.description
            case .sourceNotAllowed(let key, let holder):
                keyId = key
                owner = holder
            case .wrongPartition(let expected): partition = expected
            }
        }

        /// An erasure's scope: `all`, or `before` with the instant `at`.
        init(_ scope: ErasureRequest.Scope) {
            switch scope {
            case .all: self.init(code: "all")
            case .before(let end):
                self.init(code: "before")
                at = end.description
            }
        }

        init(_ outcome: AccessOutcome) {
            self.init(code: outcome.code)
            switch outcome {
            case .noConsent: break
            case .covered(let id), .recipientNotCovered(let id), .purposeNotCovered(let id): consentId = id
            case .categoryNotCovered(let id, let notCovered):
                consentId = id
                missing = notCovered
            case .notYetValid(let id, let time), .expired(let id, let time), .revoked(let id, let time):
                consentId = id
                at = time.description
            }
        }
    }

    var rules: String
    var rejection: Part?
    var findings: [Part]?
    var access: Part?
    var erasure: Part?

    var canonicalJSON: [UInt8] {
        // Cannot fail: strings, integers, arrays and objects of them.
        try! CanonicalJSON.encode(self)
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
    /// The scope of an applied erasure request.
    public let erasure: ErasureRequest.Scope?

    /// The codes of a verdict at hand, without encoding it and reading it back.
    public init(_ verdict: Verdict) {
        rejection = verdict.rejection?.code
        findings = verdict.findings.map(\.code)
        access = verdict.access?.code
        consentId = verdict.access.flatMap { VerdictDocument.Part($0).consentId }
        erasure = verdict.erasure
    }

    public init(canonicalJSON: [UInt8]) throws {
        guard let document = try? JSONDecoder().decode(VerdictDocument.self, from: Data(canonicalJSON)) else {
            throw ConsentModelError(.malformedJSON, "a stored verdict is not a verdict's JSON")
        }
        rejection = document.rejection?.code
        findings = document.findings?.map(\.code) ?? []
        access = document.access?.code
        consentId = document.access?.consentId
        switch (document.erasure?.code, document.erasure?.at.flatMap(Timestamp.init(rfc3339:))) {
        case ("all", _): erasure = .all
        case ("before", let end?): erasure = .before(end)
        case (nil, _): erasure = nil
        default: throw ConsentModelError(.malformedJSON, "a stored verdict's erasure is neither all nor before an instant")
        }
    }

    /// How an entry is listed (the API's `outcome`): `rejected`, `not-applied` (a duplicate or replay), the access
    /// outcome's code (`covered`, `no-consent`, …), or `recorded` (an applied consent event).
    public var listedOutcome: String {
        if rejection != nil { return "rejected" }
        if let access { return access }
        if findings.contains(where: ProducerFinding.notApplyingCodes.contains) { return "not-applied" }
        return "recorded"
    }

    /// An applied access that no consent in force covered.
    public var isViolation: Bool { access.map { $0 != AccessOutcome.coveredCode } ?? false }
}
