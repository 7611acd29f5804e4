/// What a replay of any partition starts from: rules/v1's registry file, and the registry authority whose signed
/// rules change moves a partition to rules/v2 (without one, every partition stays under rules/v1).
public struct RegistryTrust: Sendable {
    public let bootstrap: InstitutionRegistry
    public let authority: RegistryAuthority?

    public init(bootstrap: InstitutionRegistry, authority: RegistryAuthority?) {
        self.bootstrap = bootstrap
        self.authority = authority
    }

    /// The keys known before any partition's log adds its own.
    public var signingKeys: SigningKeys {
        var keys = bootstrap.signingKeys
        if let authority { keys.add(authority.keyID, authority.publicKey) }
        return keys
    }
}
