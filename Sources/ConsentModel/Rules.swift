/// What the rules made of one record.
public struct Judgement: Sendable {
    /// The decoded event; `nil` when the value could not be read.
    public let event: Event?
    /// The subject the record is attributed to: that of an applied or not-applied event, and under rules/v1 also of a
    /// rejected one that could be read. rules/v2 attributes no rejected record to anyone, since anyone can produce one.
    public let subject: SubjectReference?
    /// How `subject` was derived: the scheme of the rules' subject secret.
    public let subjectScheme: SubjectScheme
    public let verdict: Verdict
}

/// The verdict rules: a deterministic function of the records of one partition, in order. A partition starts under
/// rules/v1 and moves to rules/v2 at the first `registry.rules-changed` record its registry authority signed; the
/// consents, producer sequences and event ids seen so far carry over. docs/events.md states both rule sets.
///
/// rules/v1 checks each record in this order: it has a value within ``Event/maximumSize``; it decodes strictly; its
/// signature is by a key of the registry file valid at the event's `time` and owned by its `source`; its event id is
/// new; its producer sequence continues the source's; its `time` is within ``maximumClockSkew`` of the Kafka timestamp.
/// A record that fails the first three is rejected; a duplicate or replay is recorded but not applied; an access is
/// judged against the consents in force at that point of the log (``ConsentState/judge(_:by:of:)``).
///
/// rules/v2 adds: identifiers are ASCII (``Identifier``); keys, institutions and roles come from registry events in the
/// log (``LogRegistry``), signed by the registry authority; a subject's record must be in the subject's partition
/// (``SubjectPartition``); and only the parties of a consent may grant, re-grant, supersede or revoke it.
public struct Rules: Sendable {
    public static let v1 = "rules/v1"
    public static let v2 = "rules/v2"
    /// Five minutes.
    public static let maximumClockSkew: Int64 = 300

    public enum Version: Sendable, Equatable {
        case v1
        /// With the partition count the last rules change named.
        case v2(partitionCount: Int32)
    }

    public private(set) var version = Version.v1
    private let bootstrap: InstitutionRegistry
    private let authority: RegistryAuthority?
    private let partition: Int32
    private let secret: SubjectSecret
    public private(set) var registry = LogRegistry()
    public private(set) var consents = ConsentState()
    private var lastSequence: [String: Int64] = [:]
    private var seenEventIDs: Set<String> = []

    /// The rules of `partition`'s ledger, from its start.
    public init(trust: RegistryTrust, partition: Int32, secret: SubjectSecret) {
        self.bootstrap = trust.bootstrap
        self.authority = trust.authority
        self.partition = partition
        self.secret = secret
    }

    /// The keys to check a batch's signatures against ahead of ``apply(_:)``: the registry file's, the authority's and
    /// those this partition's log has added.
    public var signingKeys: SigningKeys {
        var keys = registry.signingKeys
        keys.merge(RegistryTrust(bootstrap: bootstrap, authority: authority).signingKeys)
        return keys
    }

    /// Judges the next record of the partition and applies it to the state if it may be.
    public mutating func judge(_ record: IncomingRecord) -> Judgement {
        apply(PreparedRecord(record, keys: signingKeys))
    }

    /// Judges a prepared record, the next of the partition, and applies it to the state if it may be.
    public mutating func apply(_ record: PreparedRecord) -> Judgement {
        if version == .v1, let count = rulesChange(record) { version = .v2(partitionCount: count) }
        switch version {
        case .v1: return applyV1(record)
        case .v2(let partitionCount): return applyV2(record, partitionCount: partitionCount)
        }
    }

    /// The partition count of a rules change to rules/v2 that this partition's authority signed.
    private func rulesChange(_ record: PreparedRecord) -> Int32? {
        guard let authority, case .event(let event) = record.reading, case .registry(.rulesChanged(_, let count)) = event.data,
            authority.checkSignature(record, source: event.source) == nil
        else { return nil }
        return count
    }

    private mutating func applyV1(_ record: PreparedRecord) -> Judgement {
        func rejected(_ rejection: Rejection, _ event: Event?) -> Judgement {
            Judgement(
                event: event, subject: event?.subject.map { SubjectReference(subject: $0, secret: secret) }, subjectScheme: secret.scheme,
                verdict: Verdict(rules: Self.v1, rejection: rejection, findings: [], access: nil))
        }
        // rules/v1 reads neither registry events nor the members added since: it says what it always said of them, and
        // of any malformed value, in its own words (the members it lists as allowed, say).
        func rulesV1Reading() throws(ConsentModelError) -> Event {
            do { return try Event.decode(record.value, schema: .rulesV1) } catch let error as ConsentModelError {
                throw error
            } catch {
                throw ConsentModelError(.malformedJSON, "\(error)")
            }
        }
        let event: Event
        do {
            switch record.reading {
            case .rejected(.malformed): event = try rulesV1Reading()
            case .rejected(let rejection): return rejected(rejection, nil)
            case .event(let read): event = record.isBeyondRulesV1 ? try rulesV1Reading() : read
            }
        } catch {
            return rejected(.malformed(error), nil)
        }
        if let rejection = bootstrap.checkSignature(record, source: event.source, at: event.time) { return rejected(rejection, event) }
        return applyEvent(event, kafkaTimestamp: record.kafkaTimestamp, rules: Self.v1)
    }

    private mutating func applyV2(_ record: PreparedRecord, partitionCount: Int32) -> Judgement {
        func rejected(_ rejection: Rejection, _ event: Event?) -> Judgement {
            Judgement(
                event: event, subject: nil, subjectScheme: secret.scheme,
                verdict: Verdict(rules: Self.v2, rejection: rejection, findings: [], access: nil))
        }
        let event: Event
        switch record.reading {
        case .rejected(let rejection): return rejected(rejection, nil)
        case .event(let read): event = read
        }
        if let error = Identifier.firstInvalid(in: event) ?? event.grant?.rulesV2Problem { return rejected(.malformed(error), nil) }
        // Under rules/v2 there is an authority: only its signed rules change moves a partition there. It signs registry
        // events, and erasures a regulator orders.
        let signatureProblem =
            event.type.isRegistry || event.isAuthorityOrder
            ? authority!.checkSignature(record, source: event.source) : registry.checkSignature(record, source: event.source)
        if let signatureProblem { return rejected(signatureProblem, event) }
        if let subject = event.subject {
            let expected = SubjectPartition.of(subject: subject, partitionCount: partitionCount)
            guard expected == partition else { return rejected(.wrongPartition(expected: expected), event) }
        }
        return applyEvent(event, kafkaTimestamp: record.kafkaTimestamp, rules: Self.v2)
    }

    /// The checks and changes both rule sets make of a trusted event: its id, its producer sequence, its time, then
    /// what it does.
    private mutating func applyEvent(_ event: Event, kafkaTimestamp: Int64?, rules: String) -> Judgement {
        let subject = event.subject.map { SubjectReference(subject: $0, secret: secret) }
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
        var erasure: ErasureRequest.Scope?
        if !findings.contains(where: \.preventsSequencing) {
            seenEventIDs.insert(event.id)
            lastSequence[event.source] = event.producerSequence
            switch (event.data, subject) {
            case (.registry(let change), _):
                findings += applyRegistry(change)
            case (.consentGranted(let grant), let subject?):
                if rules == Self.v2, let rule = unauthorizedGrant(grant, by: event.source, of: subject) {
                    findings.append(.notAuthorized(rule: rule))
                } else {
                    consents.grant(grant, by: event.source, to: subject)
                }
            case (.consentRevoked(let revocation), let subject?):
                if let consent = consents.consent(revocation.consentId, of: subject) {
                    if rules == Self.v2, !isParty(event.source, of: consent) {
                        findings.append(.notAuthorized(rule: "revoke-by-party"))
                    } else {
                        _ = consents.revoke(revocation, of: subject)
                    }
                } else {
                    findings.append(.unknownConsent(revocation.consentId))
                }
            case (.accessPerformed(let performed), let subject?):
                if performed.accessor != event.source { findings.append(.sourceIsNotAccessor) }
                let outcome = consents.judge(performed, by: performed.accessor, of: subject)
                if rules == Self.v2, performed.transmissionType == "scheduled", case .covered(let consent) = outcome,
                    let finding = consents.runSchedule(consent, of: subject, at: performed.occurredAt)
                {
                    findings.append(finding)
                }
                access = outcome
            case (.erasureRequested(let request), let subject?):
                // The authority's signature was checked; a citizen's request comes through a party of one of their consents.
                if !event.isAuthorityOrder, !consents.consents(of: subject).contains(where: { isParty(event.source, of: $0) }) {
                    findings.append(.notAuthorized(rule: "erasure-by-party"))
                } else {
                    consents.forget(subject)
                    erasure = request.scope
                }
            case (.consentGranted, nil), (.consentRevoked, nil), (.accessPerformed, nil), (.erasureRequested, nil):
                preconditionFailure("decoding gives every subject event a subject")
            }
        }
        return Judgement(
            event: event, subject: subject, subjectScheme: secret.scheme,
            verdict: Verdict(rules: rules, rejection: nil, findings: findings, access: access, erasure: erasure))
    }

    /// Takes, without judging it again, a record whose leaf stands as written: one erased, or one of a subject whose
    /// earlier records were (the rules' state for the subject cannot be rebuilt). What the record did to the state that
    /// is not the subject's, its event id and producer sequence, is taken from its leaf; a leaf that ordered the erasure
    /// forgets the subject's consents, as judging it did.
    public mutating func accept(
        eventID: String, producer: String, producerSequence: Int64, subject: SubjectReference, verdict: VerdictCodes
    ) {
        guard verdict.rejection == nil, !verdict.findings.contains(where: ProducerFinding.preventsSequencingCodes.contains) else { return }
        seenEventIDs.insert(eventID)
        lastSequence[producer] = producerSequence
        if verdict.erasure != nil { consents.forget(subject) }
    }

    private mutating func applyRegistry(_ change: RegistryChange) -> [ProducerFinding] {
        if case .rulesChanged(_, let count) = change { version = .v2(partitionCount: count) }
        return registry.apply(change).map { [.registryConflict(reason: $0)] } ?? []
    }

    /// The rule of docs/events.md that a grant by `source` breaks, or `nil` when it may be applied.
    private func unauthorizedGrant(_ grant: ConsentGrant, by source: String, of subject: SubjectReference) -> String? {
        let roles = registry.roles(of: source)
        let isHolder = source == grant.dataHolder && roles.contains(.dataHolder)
        let isOperatorRecipient = roles.contains(.operator) && grant.recipients.contains(source)
        guard isHolder || isOperatorRecipient else { return "grant-by-holder-or-operator" }
        guard registry.roles(of: grant.dataHolder).contains(.dataHolder) else { return "holder-registered" }
        guard grant.recipients.allSatisfy({ !registry.roles(of: $0).isDisjoint(with: [.recipient, .operator]) }) else {
            return "recipients-registered"
        }
        if let existing = consents.consent(grant.consentId, of: subject), !isParty(source, of: existing) { return "regrant-by-party" }
        if let old = grant.supersedes, let existing = consents.consent(old, of: subject), !isParty(source, of: existing) {
            return "supersede-by-party"
        }
        return nil
    }

    /// A consent's parties: its grantor, its data holder, and the operators among its recipients.
    private func isParty(_ institution: String, of consent: ConsentState.Record) -> Bool {
        institution == consent.grantor || institution == consent.grant.dataHolder
            || (consent.grant.recipients.contains(institution) && registry.roles(of: institution).contains(.operator))
    }

    /// Whole seconds from the Kafka timestamp to the event's `time`, truncated toward zero. Computed in 128 bits:
    /// the producer chooses both, and their difference in nanoseconds need not fit in 64 (the result always does).
    static func skewSeconds(event time: Timestamp, kafkaMilliseconds: Int64) -> Int64 {
        Int64((Int128(time.nanoseconds) - Int128(kafkaMilliseconds) * 1_000_000) / 1_000_000_000)
    }
}
