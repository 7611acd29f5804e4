import ConsentModel
import Foundation

extension TokenPolicy {
    /// Who a token is for, if its claims meet this policy and the entry of the key that signed it (whose signature
    /// the caller has checked); otherwise a ``TokenError/Code/refused`` that says which claim did not.
    public func accept(_ token: APIToken, signedBy trusted: TokenIssuer, now: Date) throws -> VerifiedToken {
        func echo(_ text: String) -> String { EchoedText.capped(text) }
        let kid = echo(trusted.keyID)
        guard let subject = token.sub?.value, !subject.isEmpty else { throw TokenError.refused("the token has no sub (whom it is for)") }
        guard let role = token.role else { throw TokenError.refused("the token has no role (citizen, institution or regulator)") }
        guard let issuer = token.iss?.value else { throw TokenError.refused("the token has no iss") }
        guard issuer == trusted.issuer else {
            throw TokenError.refused("the token's issuer \(echo(issuer)) is not the one key \(kid) is trusted for (\(trusted.issuer))")
        }
        guard trusted.roles.contains(role) else { throw TokenError.refused("key \(kid) may not issue \(role.rawValue) tokens") }
        guard let audience = token.aud?.value else { throw TokenError.refused("the token has no aud; this API's is \(self.audience)") }
        guard audience.contains(self.audience) else {
            throw TokenError.refused("the token is for \(echo(audience.joined(separator: ", "))), not for this API (\(self.audience))")
        }
        guard let issuedAt = token.iat?.value else { throw TokenError.refused("the token has no iat (when it was issued)") }
        guard let expires = token.exp?.value else { throw TokenError.refused("the token has no exp (when it expires)") }
        // Times no calendar holds are numbers all the same: these differences are Doubles, which do not trap.
        let leeway = Double(self.leeway.components.seconds)
        guard issuedAt.timeIntervalSince(now) <= leeway, (token.nbf?.value.timeIntervalSince(now) ?? 0) <= leeway else {
            throw TokenError.refused("the token is not valid yet")
        }
        guard expires > now else { throw TokenError.refused("the token expired at \(expires)") }
        let lifetime = expires.timeIntervalSince(issuedAt)
        let maximum = maximumLifetime.components.seconds
        guard lifetime <= Double(maximum) else {
            throw TokenError.refused(
                "the token is valid for \(String(format: "%.0f", lifetime)) s, longer than the \(maximum) s this API accepts")
        }
        return VerifiedToken(role: role, subject: subject, expires: expires)
    }
}
