import Foundation
import JWTKit

/// The claims of an API token: a JWT signed with EdDSA (Ed25519) by a trusted issuer key.
///
/// Every claim but `nbf` is required; they are decoded as optional so that a missing one is refused in plain words
/// (``TokenVerifier``) rather than with a decoder's.
public struct APIToken: JWTPayload {
    public enum Role: String, Codable, Sendable, CaseIterable {
        case citizen, institution, regulator
    }

    /// The subject's raw identifier (citizen), the institution id (institution) or a name (regulator).
    public var sub: SubjectClaim?
    public var role: Role?
    public var iss: IssuerClaim?
    public var aud: AudienceClaim?
    public var iat: IssuedAtClaim?
    public var nbf: NotBeforeClaim?
    public var exp: ExpirationClaim?

    /// A token issued at `issuedAt` (default now), valid for `lifetime`.
    public init(
        role: Role, subject: String, issuer: String, audience: String = TokenPolicy.defaultAudience, issuedAt: Date = Date(),
        lifetime: TimeInterval
    ) {
        self.role = role
        self.sub = SubjectClaim(value: subject)
        self.iss = IssuerClaim(value: issuer)
        self.aud = AudienceClaim(value: [audience])
        self.iat = IssuedAtClaim(value: issuedAt)
        self.nbf = NotBeforeClaim(value: issuedAt)
        self.exp = ExpirationClaim(value: issuedAt.addingTimeInterval(lifetime))
    }

    /// Claims are checked by ``TokenVerifier``, which knows the policy; the signature is all jwt-kit checks.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
