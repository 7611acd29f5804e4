import Crypto

/// rules/v2's registry: the institutions, roles and keys that a partition's own log has registered, up to the record
/// being judged. A key signs the records after its `key-added` event and before its `key-retired` event, whatever time
/// they claim; nothing is ever removed, so no later change can alter a verdict already written.
public struct LogRegistry: Sendable {
    public struct Institution: Sendable, Hashable {
        public let name: String
        public fileprivate(set) var roles: Set<InstitutionRole>
    }

    struct Key: Sendable {
        let institution: String
        let publicKey: Curve25519.Signing.PublicKey
        var retired = false
    }

    public private(set) var institutions: [String: Institution] = [:]
    private var keys: [String: Key] = [:]

    public init() {}

    /// How many keys the log has added, retired ones included.
    public var keyCount: Int { keys.count }

    public func roles(of institution: String) -> Set<InstitutionRole> {
        institutions[institution]?.roles ?? []
    }

    /// Applies a change, or says why it contradicts the registry (the `reason` of a `registry-conflict` finding).
    mutating func apply(_ change: RegistryChange) -> String? {
        switch change {
        case .institutionRegistered(let id, let name, let roles):
            guard institutions[id] == nil else { return "institution-registered" }
            institutions[id] = Institution(name: name, roles: Set(roles))
        case .keyAdded(let institution, let keyID, let raw):
            guard institutions[institution] != nil else { return "unknown-institution" }
            guard keys[keyID] == nil else { return "key-id-used" }
            // Cannot fail: decoding checked that these are the bytes of an Ed25519 public key.
            keys[keyID] = Key(institution: institution, publicKey: try! .init(rawRepresentation: raw))
        case .keyRetired(let keyID):
            guard let key = keys[keyID] else { return "unknown-key" }
            guard !key.retired else { return "key-retired" }
            keys[keyID]?.retired = true
        case .rolesChanged(let institution, let roles):
            guard institutions[institution] != nil else { return "unknown-institution" }
            institutions[institution]?.roles = Set(roles)
        case .rulesChanged:
            break  // the rules' own business
        }
        return nil
    }

    /// What is wrong with an institution's event's signature, or `nil`: its key is registered and not retired at this
    /// point of the log, belongs to `source`, and signed exactly the record's value.
    func checkSignature(_ record: PreparedRecord, source: String) -> Rejection? {
        guard let keyID = record.keyID, record.signature != nil else { return .signatureMissing }
        guard let key = keys[keyID] else { return .unknownKey(keyID) }
        guard !key.retired else { return .keyRetired(keyID) }
        guard key.institution == source else { return .sourceNotAllowed(keyID, owner: key.institution) }
        guard record.isSigned(by: key.publicKey) else { return .signatureInvalid(keyID) }
        return nil
    }

    var signingKeys: SigningKeys {
        var all = SigningKeys()
        for (id, key) in keys where !key.retired { all.add(id, key.publicKey) }
        return all
    }
}
