/// What a token must be, beyond its signature.
public struct TokenPolicy: Sendable {
    public static let defaultAudience = "consent-ledger"

    /// The `aud` every token must name. Default `consent-ledger`.
    public var audience = TokenPolicy.defaultAudience
    /// The longest `exp − iat` accepted. Default one hour.
    public var maximumLifetime: Duration = .seconds(3600)
    /// How far `iat` and `nbf` may be ahead of this clock. Default one minute.
    public var leeway: Duration = .seconds(60)

    public init() {}
}
