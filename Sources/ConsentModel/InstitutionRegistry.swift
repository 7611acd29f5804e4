import Crypto
import Foundation

/// Who may publish: each institution's id, name, roles and signing keys with their validity windows.
/// Loaded from a JSON file (see docs/events.md); a key id names exactly one key of one institution.
public struct InstitutionRegistry: Sendable, Decodable {
    public struct Institution: Sendable, Codable, Hashable {
        public let id: String
        public let name: String
        /// Any of `dataHolder`, `recipient`, `operator`.
        public let roles: [String]
        public let keys: [Key]

        public init(id: String, name: String, roles: [String], keys: [Key]) {
            self.id = id
            self.name = name
            self.roles = roles
            self.keys = keys
        }
    }

    public struct Key: Sendable, Codable, Hashable {
        public let id: String
        /// Base64 of the 32-byte Ed25519 public key.
        public let publicKey: String
        public let validFrom: Timestamp
        /// The first instant the key may no longer sign; absent while the key is current.
        public let validUntil: Timestamp?

        public init(id: String, publicKey: String, validFrom: Timestamp, validUntil: Timestamp?) {
            self.id = id
            self.publicKey = publicKey
            self.validFrom = validFrom
            self.validUntil = validUntil
        }
    }

    public let institutions: [Institution]
    private let keysByID: [String: (institution: String, key: Key, publicKey: Curve25519.Signing.PublicKey)]

    private enum CodingKeys: String, CodingKey { case institutions }

    public init(from decoder: any Decoder) throws {
        self = try InstitutionRegistry(
            institutions: decoder.container(keyedBy: CodingKeys.self).decode([Institution].self, forKey: .institutions))
    }

    public init(institutions: [Institution]) throws {
        var keys: [String: (String, Key, Curve25519.Signing.PublicKey)] = [:]
        var ids = Set<String>()
        for institution in institutions {
            guard ids.insert(institution.id).inserted else {
                throw ConsentModelError(.invalidRegistry, "institution \(institution.id) is listed twice")
            }
            // Each institution and key must also be expressible as the registry events that publish it (rules/v2).
            guard Identifier.isValid(institution.id) else {
                throw ConsentModelError(.invalidRegistry, "institution \"\(EchoedText.capped(institution.id))\" \(Identifier.rule)")
            }
            if let problem = institution.name.textProblem(maximumLength: RegistryChange.maximumNameLength) {
                throw ConsentModelError(.invalidRegistry, "institution \(institution.id): name \(problem)")
            }
            guard !institution.roles.isEmpty, Set(institution.roles).count == institution.roles.count else {
                throw ConsentModelError(.invalidRegistry, "institution \(institution.id): roles must list one or more roles, each once")
            }
            if let role = institution.roles.first(where: { InstitutionRole(rawValue: $0) == nil }) {
                throw ConsentModelError(
                    .invalidRegistry,
                    "institution \(institution.id): unknown role \"\(EchoedText.capped(role))\" (dataHolder, recipient, operator)")
            }
            for key in institution.keys {
                guard Identifier.isValid(key.id) else {
                    throw ConsentModelError(
                        .invalidRegistry, "key \"\(EchoedText.capped(key.id))\" of \(institution.id) \(Identifier.rule)")
                }
                guard keys[key.id] == nil else { throw ConsentModelError(.invalidRegistry, "key id \(key.id) is used twice") }
                guard let raw = Data(base64Encoded: key.publicKey),
                    let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
                else {
                    throw ConsentModelError(
                        .invalidRegistry, "key \(key.id) of \(institution.id): publicKey is not base64 of a 32-byte Ed25519 key")
                }
                keys[key.id] = (institution.id, key, publicKey)
            }
        }
        self.institutions = institutions
        self.keysByID = keys
    }

    /// Reads a registry file, saying what is wrong with it.
    public static func load(from data: Data) throws -> InstitutionRegistry {
        do {
            return try JSONDecoder().decode(InstitutionRegistry.self, from: data)
        } catch let error as DecodingError {
            let problem = error.consentModelError
            throw ConsentModelError(.invalidRegistry, at: problem.path, problem.reason)
        }
    }

    public func institution(_ id: String) -> Institution? {
        institutions.first { $0.id == id }
    }

    /// rules/v1's signature check: the key exists, was valid at `time` (the event's own), belongs to `source`, and
    /// signed exactly the record's value. Returns what is wrong, or `nil` if nothing is.
    func checkSignature(_ record: PreparedRecord, source: String, at time: Timestamp) -> Rejection? {
        guard let keyID = record.keyID, record.signature != nil else { return .signatureMissing }
        guard let entry = keysByID[keyID] else { return .unknownKey(keyID) }
        guard entry.key.validFrom <= time, entry.key.validUntil.map({ time < $0 }) ?? true else {
            return .keyNotValid(keyID, at: time)
        }
        guard entry.institution == source else { return .sourceNotAllowed(keyID, owner: entry.institution) }
        guard record.isSigned(by: entry.publicKey) else { return .signatureInvalid(keyID) }
        return nil
    }

    /// Every key the file lists, for checking signatures ahead of the rules.
    public var signingKeys: SigningKeys {
        var keys = SigningKeys()
        for (id, entry) in keysByID { keys.add(id, entry.publicKey) }
        return keys
    }
}

extension InstitutionRegistry {
    /// The registry events that register this file's institutions, roles and keys in a partition's log under
    /// rules/v2, in the file's order; a key whose `validUntil` is not after `now` is added and then retired.
    public func changes(now: Timestamp) -> [RegistryChange] {
        institutions.flatMap { institution -> [RegistryChange] in
            // Cannot fail: loading checked the roles and the keys.
            let roles = institution.roles.map { InstitutionRole(rawValue: $0)! }
            var changes: [RegistryChange] = [.institutionRegistered(institution: institution.id, name: institution.name, roles: roles)]
            for key in institution.keys {
                changes.append(.keyAdded(institution: institution.id, keyID: key.id, publicKey: Array(Data(base64Encoded: key.publicKey)!)))
                if let until = key.validUntil, until <= now { changes.append(.keyRetired(keyID: key.id)) }
            }
            return changes
        }
    }
}
