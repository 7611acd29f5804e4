import ConsentModel

/// Institutions' display names, as the API shows them beside their ids: from the registry each partition's log holds
/// (rules/v2), else from the registry file (rules/v1). A name is for people only; every check uses ids.
public struct InstitutionNames: Sendable {
    private let lookup: @Sendable (String) -> String?

    public init(_ lookup: @escaping @Sendable (String) -> String?) {
        self.lookup = lookup
    }

    /// The names a registry file gives.
    public init(registry: InstitutionRegistry) {
        self.init { registry.institution($0)?.name }
    }

    public func name(of institution: String) -> String? { lookup(institution) }
}
