/// `subject.erasure-requested`: the subject's records, all of them or those before an instant, are to be erased from
/// the ledger's store (their leaves stay: docs/privacy.md). Under rules/v2 only: rules/v1 does not read the type.
public struct ErasureRequest: Hashable, Sendable, Decodable {
    /// Which of the subject's records, among those up to the request's own leaf.
    public enum Scope: Hashable, Sendable {
        case all
        /// The records whose Kafka timestamp (which each leaf commits to) is before this instant.
        case before(Timestamp)

        /// Whether a record with Kafka timestamp `milliseconds` (`nil`: none) is in the scope.
        public func covers(kafkaTimestamp milliseconds: Int64?) -> Bool {
            switch self {
            case .all: true
            case .before(let end): milliseconds.flatMap { Timestamp(milliseconds: $0) }.map { $0 < end } ?? false
            }
        }
    }

    /// The data holder's own reference for the request (a case number), never the citizen's identifier.
    public let requestId: String
    /// `subject` (the citizen asked, and the source acts for them) or `authority` (a regulator's order, signed by the
    /// registry authority).
    public let initiatedBy: String
    public let scope: Scope
    public let reason: String?

    public init(from decoder: any Decoder) throws {
        let c = try decoder.strictContainer(allowed: ["requestId", "initiatedBy", "scope", "before", "reason"])
        func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
        requestId = try c.text(key("requestId"), maximumLength: 128)
        initiatedBy = try c.oneOf(key("initiatedBy"), ["subject", "authority"])
        if try c.oneOf(key("scope"), ["all", "before"]) == "before" {
            scope = .before(try c.decode(Timestamp.self, forKey: key("before")))
        } else {
            guard !c.contains(key("before")) else { throw c.invalid(key("before"), "is only for scope \"before\"") }
            scope = .all
        }
        reason = try c.optionalText(key("reason"), maximumLength: 1024)
    }
}

extension Event {
    /// An erasure a regulator ordered: signed by the registry authority, like registry events.
    var isAuthorityOrder: Bool {
        if case .erasureRequested(let request) = data { request.initiatedBy == "authority" } else { false }
    }
}
