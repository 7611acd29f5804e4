/// The consents of every subject, as the log has built them up to some point.
public struct ConsentState: Sendable {
    /// One consent as granted, with what has happened to it since.
    public struct Record: Hashable, Sendable {
        public let grant: ConsentGrant
        /// The institution whose event granted it (the event's `source`).
        public let grantor: String
        public var revokedAt: Timestamp?
        /// When a later consent took its place (that consent's `validFrom`).
        public var supersededAt: Timestamp?
        /// rules/v2: the latest `occurredAt` of a scheduled MyData transmission under this consent.
        public var lastScheduledRun: Timestamp?
        /// rules/v2: when its scheduled transmission stopped, six months after its last run (or its start).
        public var transmissionStoppedAt: Timestamp?

        /// When the consent stopped covering, whichever came first.
        var endsAt: Timestamp { [grant.validUntil, revokedAt, supersededAt].compactMap { $0 }.min()! }
    }

    private var consents: [SubjectReference: [String: Record]] = [:]

    public init() {}

    public func consents(of subject: SubjectReference) -> [Record] {
        (consents[subject] ?? [:]).values.sorted { $0.grant.consentId < $1.grant.consentId }
    }

    public func consent(_ id: String, of subject: SubjectReference) -> Record? {
        consents[subject]?[id]
    }

    /// Forgets every consent of `subject`, as an erasure of the subject's records does: what they granted can no longer
    /// be read, so nothing after it rests on them.
    public mutating func forget(_ subject: SubjectReference) {
        consents[subject] = nil
    }

    /// Records a grant. Granting an existing consent id again replaces its terms (a re-grant) and
    /// clears an earlier revocation; `supersedes` ends the named consent at this one's `validFrom`.
    public mutating func grant(_ grant: ConsentGrant, by grantor: String, to subject: SubjectReference) {
        consents[subject, default: [:]][grant.consentId] = Record(grant: grant, grantor: grantor)
        if let old = grant.supersedes, consents[subject]?[old] != nil {
            consents[subject]?[old]?.supersededAt = grant.validFrom
        }
    }

    /// rules/v2's judgement of a scheduled MyData transmission at `time` under `consentId`, which covered it: the finding
    /// it gets, if any; a run is recorded unless the schedule had ended or stopped (docs/events.md, "Scheduled
    /// transmissions").
    mutating func runSchedule(_ consentId: String, of subject: SubjectReference, at time: Timestamp) -> ProducerFinding? {
        guard var record = consents[subject]?[consentId] else { return nil }
        guard let schedule = record.grant.schedule, let cycle = schedule.cycle else { return .notScheduled }
        if let until = schedule.until, until <= time { return .scheduleEnded(at: until) }
        if let stopped = record.transmissionStoppedAt { return .transmissionStopped(at: stopped) }
        defer { consents[subject]?[consentId] = record }
        let stops = (record.lastScheduledRun ?? record.grant.validFrom).adding(seconds: ConsentGrant.Schedule.stopsAfterSeconds)
        if stops < time {
            record.transmissionStoppedAt = stops
            return .transmissionStopped(at: stops)
        }
        let previous = record.lastScheduledRun
        record.lastScheduledRun = max(previous ?? time, time)
        guard let previous, time.secondsApart(from: previous) < cycle.minimumGapSeconds else { return nil }
        return .outsideCycle(previous: previous)
    }

    /// Records a revocation; `false` if the subject has no such consent. The earliest effective time wins.
    public mutating func revoke(_ revocation: ConsentRevocation, of subject: SubjectReference) -> Bool {
        guard var record = consents[subject]?[revocation.consentId] else { return false }
        record.revokedAt = min(record.revokedAt ?? revocation.effectiveAt, revocation.effectiveAt)
        consents[subject]?[revocation.consentId] = record
        return true
    }

    /// Judges an access by `accessor` against this subject's consents.
    ///
    /// Candidates narrow step by step (data holder, recipient, purpose, categories, time) and the
    /// first step that leaves none names the outcome, against the candidate that got furthest. A
    /// consent covers from `validFrom` (inclusive) until `validUntil`, its revocation's `effectiveAt`
    /// or its successor's `validFrom` (each exclusive). If the access names a consent, only that one counts.
    public func judge(_ access: DataAccess, by accessor: String, of subject: SubjectReference) -> AccessOutcome {
        var candidates = consents(of: subject).filter { $0.grant.dataHolder == access.dataHolder }
        if let named = access.consentId { candidates = candidates.filter { $0.grant.consentId == named } }
        guard let anyHolder = candidates.first else { return .noConsent }

        let forRecipient = candidates.filter { $0.grant.recipients.contains(accessor) }
        guard let anyRecipient = forRecipient.first else { return .recipientNotCovered(consentId: anyHolder.grant.consentId) }

        let forPurpose = forRecipient.filter { $0.grant.purposes.contains(access.purpose) }
        guard let anyPurpose = forPurpose.first else { return .purposeNotCovered(consentId: anyRecipient.grant.consentId) }

        let forCategories = forPurpose.filter { Set(access.dataCategories).isSubset(of: $0.grant.dataCategories) }
        guard !forCategories.isEmpty else {
            let missing = access.dataCategories.filter { !anyPurpose.grant.dataCategories.contains($0) }
            return .categoryNotCovered(consentId: anyPurpose.grant.consentId, missing: missing)
        }

        let t = access.occurredAt
        // Of several consents in force, the most recently started one covers; ties go to the smallest id.
        let inForce = forCategories.filter { $0.grant.validFrom <= t && t < $0.endsAt }
        if let active = inForce.min(by: { ($1.grant.validFrom, $0.grant.consentId) < ($0.grant.validFrom, $1.grant.consentId) }) {
            return .covered(consentId: active.grant.consentId)
        }
        // Nothing was in force: say why, for the consent whose reason is most telling.
        if let revoked = forCategories.first(where: { $0.revokedAt.map { $0 <= t } ?? false }), let at = revoked.revokedAt {
            return .revoked(consentId: revoked.grant.consentId, effectiveAt: at)
        }
        if let ended = forCategories.filter({ $0.endsAt <= t }).max(by: { $0.endsAt < $1.endsAt }) {
            return .expired(consentId: ended.grant.consentId, validUntil: ended.endsAt)
        }
        let next = forCategories.min { $0.grant.validFrom < $1.grant.validFrom }!
        return .notYetValid(consentId: next.grant.consentId, validFrom: next.grant.validFrom)
    }
}
