/// One record as it came off the topic, before anything is trusted.
public struct IncomingRecord: Sendable {
    public var value: [UInt8]?
    public var headers: [(name: String, value: [UInt8]?)]
    /// The Kafka timestamp in milliseconds since the epoch, as the record carries it (any 64-bit value the
    /// producer chose), when it has one.
    public var kafkaTimestamp: Int64?

    public init(value: [UInt8]?, headers: [(name: String, value: [UInt8]?)], kafkaTimestamp: Int64?) {
        self.value = value
        self.headers = headers
        self.kafkaTimestamp = kafkaTimestamp
    }
}

/// A record read and signature-checked, not yet applied: see ``RulesV1/prepare(_:)``.
public struct PreparedRecord: Sendable {
    let event: Event?
    let rejection: Rejection?
    let kafkaTimestamp: Int64?
}

/// What the rules made of one record.
public struct Judgement: Sendable {
    /// The decoded event; `nil` when the value could not be read.
    public let event: Event?
    public let subject: SubjectReference?
    public let verdict: Verdict
}

/// The verdict rules, version 1: a deterministic function of the records of one partition, in order.
///
/// Each record is checked in this order: it has a value within ``Event/maximumSize``; it decodes
/// strictly; its signature is by a registered key valid at the event's `time` and owned by its
/// `source`; its event id is new; its producer sequence continues the source's; its `time` is within
/// ``maximumClockSkew`` of the Kafka timestamp. A record that fails the first three is rejected;
/// a duplicate or replay is recorded but not applied; an access is judged against the consents in
/// force at that point of the log (``ConsentState/judge(_:by:of:)``).
public struct RulesV1: Sendable {
    public static let version = "rules/v1"
    /// Five minutes.
    public static let maximumClockSkew: Int64 = 300

    private let registry: InstitutionRegistry
    private let secret: SubjectSecret
    public private(set) var consents = ConsentState()
    private var lastSequence: [String: Int64] = [:]
    private var seenEventIDs: Set<String> = []

    public init(registry: InstitutionRegistry, secret: SubjectSecret) {
        self.registry = registry
        self.secret = secret
    }

    /// Judges the next record of the partition and applies it to the state if it may be.
    public mutating func judge(_ record: IncomingRecord) -> Judgement {
        apply(prepare(record))
    }

    /// The stateless half of judging: reading the value and checking its signature. It depends on
    /// nothing but the record and the registry, so a batch can be prepared on all cores at once
    /// (Ed25519 verification is the dominant cost) and then applied in order with ``apply(_:)``.
    public func prepare(_ record: IncomingRecord) -> PreparedRecord {
        func rejected(_ rejection: Rejection, _ event: Event? = nil) -> PreparedRecord {
            PreparedRecord(event: event, rejection: rejection, kafkaTimestamp: record.kafkaTimestamp)
        }
        guard let value = record.value else { return rejected(.tombstone) }
        guard !value.isEmpty else { return rejected(.emptyValue) }
        guard value.count <= Event.maximumSize else { return rejected(.oversized(bytes: value.count)) }
        let event: Event
        do { event = try Event.decode(value) } catch let error as ConsentModelError {
            return rejected(.malformed(error))
        } catch {
            return rejected(.malformed(ConsentModelError(.malformedJSON, "\(error)")))
        }
        let (keyID, signature) = EventSignature.read(record.headers)
        if let rejection = registry.checkSignature(value: value, keyID: keyID, signature: signature, source: event.source, at: event.time) {
            return rejected(rejection, event)
        }
        return PreparedRecord(event: event, rejection: nil, kafkaTimestamp: record.kafkaTimestamp)
    }

    /// The stateful half: applies a prepared record, in partition order.
    public mutating func apply(_ prepared: PreparedRecord) -> Judgement {
        guard let event = prepared.event, prepared.rejection == nil else {
            return Judgement(
                event: prepared.event, subject: prepared.event.map { SubjectReference(subject: $0.subject, secret: secret) },
                verdict: Verdict(rules: Self.version, rejection: prepared.rejection, findings: [], access: nil))
        }
        return apply(event, kafkaTimestamp: prepared.kafkaTimestamp)
    }

    private mutating func apply(_ event: Event, kafkaTimestamp: Int64?) -> Judgement {
        let subject = SubjectReference(subject: event.subject, secret: secret)
        var findings: [ProducerFinding] = []
        if seenEventIDs.contains(event.id) { findings.append(.duplicateEventId) }
        let last = lastSequence[event.source] ?? 0
        if event.producerSequence <= last {
            findings.append(.sequenceReplay(lastSeen: last))
        } else if event.producerSequence > last + 1 {
            findings.append(.sequenceGap(expected: last + 1))
        }
        if let kafkaTimestamp {
            let skew = Self.skewSeconds(event: event.time, kafkaMilliseconds: kafkaTimestamp)
            if abs(skew) > Self.maximumClockSkew { findings.append(.clockSkew(seconds: skew)) }
        }
        var access: AccessOutcome?
        if !findings.contains(where: \.preventsApplying) {
            seenEventIDs.insert(event.id)
            lastSequence[event.source] = event.producerSequence
            switch event.data {
            case .consentGranted(let grant):
                consents.grant(grant, to: subject)
            case .consentRevoked(let revocation):
                if !consents.revoke(revocation, of: subject) { findings.append(.unknownConsent(revocation.consentId)) }
            case .accessPerformed(let performed):
                if performed.accessor != event.source { findings.append(.sourceIsNotAccessor) }
                access = consents.judge(performed, by: performed.accessor, of: subject)
            }
        }
        return Judgement(
            event: event, subject: subject, verdict: Verdict(rules: Self.version, rejection: nil, findings: findings, access: access))
    }

    /// Whole seconds from the Kafka timestamp to the event's `time`, truncated toward zero. Computed in 128 bits:
    /// the producer chooses both, and their difference in nanoseconds need not fit in 64 (the result always does).
    static func skewSeconds(event time: Timestamp, kafkaMilliseconds: Int64) -> Int64 {
        Int64((Int128(time.nanoseconds) - Int128(kafkaMilliseconds) * 1_000_000) / 1_000_000_000)
    }
}
