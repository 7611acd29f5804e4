import Crypto
import Foundation

/// The `data` of a registry event: one change to who may publish, signed by the registry authority and published into
/// every partition, so that each partition's ledger learns of it at a point of its own log (see docs/events.md).
public enum RegistryChange: Hashable, Sendable {
    case institutionRegistered(institution: String, name: String, roles: [InstitutionRole])
    case keyAdded(institution: String, keyID: String, publicKey: [UInt8])
    case keyRetired(keyID: String)
    case rolesChanged(institution: String, roles: [InstitutionRole])
    /// From this record on, the partition is judged by `rules`, and a subject belongs to it when Kafka's default
    /// partitioner puts the subject in this partition of a topic of `partitionCount` partitions.
    case rulesChanged(rules: String, partitionCount: Int32)

    public var type: EventType {
        switch self {
        case .institutionRegistered: .institutionRegistered
        case .keyAdded: .keyAdded
        case .keyRetired: .keyRetired
        case .rolesChanged: .rolesChanged
        case .rulesChanged: .rulesChanged
        }
    }

    /// The most partitions a rules change may name: Kafka's own limit is far lower in practice.
    public static let maximumPartitionCount: Int32 = 100_000
    /// The longest institution name, in characters.
    static let maximumNameLength = 256

    static func decode(_ type: EventType, from c: KeyedDecodingContainer<AnyKey>, member: AnyKey) throws -> RegistryChange {
        func key(_ name: String) -> AnyKey { AnyKey(stringValue: name) }
        func data(_ allowed: Set<String>) throws -> KeyedDecodingContainer<AnyKey> {
            try c.strictNestedContainer(forKey: member, allowed: allowed)
        }
        switch type {
        case .institutionRegistered:
            let d = try data(["institution", "name", "roles"])
            return .institutionRegistered(
                institution: try d.identifier(key("institution")), name: try d.text(key("name"), maximumLength: maximumNameLength),
                roles: try d.roles(key("roles")))
        case .keyAdded:
            let d = try data(["institution", "keyId", "publicKey"])
            let encoded = try d.decode(String.self, forKey: key("publicKey"))
            // Canonical base64 only (the schema's pattern): one spelling per key, unused trailing bits zero.
            guard let raw = Data(base64Encoded: encoded), raw.count == 32, raw.base64EncodedString() == encoded,
                (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil
            else { throw d.invalid(key("publicKey"), "must be canonical base64 of a 32-byte Ed25519 public key") }
            return .keyAdded(
                institution: try d.identifier(key("institution")), keyID: try d.identifier(key("keyId")), publicKey: Array(raw))
        case .keyRetired:
            let d = try data(["keyId"])
            return .keyRetired(keyID: try d.identifier(key("keyId")))
        case .rolesChanged:
            let d = try data(["institution", "roles"])
            return .rolesChanged(institution: try d.identifier(key("institution")), roles: try d.roles(key("roles")))
        case .rulesChanged:
            let d = try data(["rules", "partitionCount"])
            let rules = try d.oneOf(key("rules"), [Rules.v2])
            let count = try d.decode(Int32.self, forKey: key("partitionCount"))
            guard (1...maximumPartitionCount).contains(count) else {
                throw d.invalid(key("partitionCount"), "must be from 1 to \(maximumPartitionCount), not \(count)")
            }
            return .rulesChanged(rules: rules, partitionCount: count)
        case .consentGranted, .consentRevoked, .accessPerformed, .erasureRequested:
            preconditionFailure("\(type.rawValue) is not a registry event type")
        }
    }
}

/// What an institution may do, as docs/events.md defines each role for rules/v2.
public enum InstitutionRole: String, CaseIterable, Hashable, Sendable, Codable, Comparable {
    /// Holds data about subjects: may grant consents over its own data and report accesses to it.
    case dataHolder
    /// May receive data under a consent that names it.
    case recipient
    /// A MyData operator: may grant a consent on a citizen's transmission request when the consent names it as a
    /// recipient, and may then re-grant, revoke or supersede that consent.
    case `operator`

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension KeyedDecodingContainer where Key == AnyKey {
    /// A non-empty list of distinct roles.
    func roles(_ key: Key) throws -> [InstitutionRole] {
        let names = try decode([String].self, forKey: key)
        guard !names.isEmpty, Set(names).count == names.count else { throw invalid(key, "must list one or more roles, each once") }
        return try names.map { name in
            guard let role = InstitutionRole(rawValue: name) else {
                throw invalid(
                    key,
                    "\"\(EchoedText.capped(name))\" is not a role; roles are \(InstitutionRole.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            return role
        }
    }
}
