import Crypto

/// A key trusted to sign API tokens: which `kid` names it, the `iss` its tokens carry, and the roles it may mint.
public struct TokenIssuer: Sendable {
    public let keyID: String
    public let publicKey: Curve25519.Signing.PublicKey
    public let issuer: String
    public let roles: Set<APIToken.Role>

    public init(
        keyID: String, publicKey: Curve25519.Signing.PublicKey, issuer: String, roles: Set<APIToken.Role> = Set(APIToken.Role.allCases)
    ) {
        self.keyID = keyID
        self.publicKey = publicKey
        self.issuer = issuer
        self.roles = roles
    }
}
