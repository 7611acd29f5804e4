import Crypto
import Foundation
import JWTKit

/// The claims of an API token: a JWT signed with EdDSA (Ed25519) by a configured issuer key.
public struct APIToken: JWTPayload {
    public enum Role: String, Codable, Sendable, CaseIterable {
        case citizen, institution, regulator
    }

    /// The subject's raw identifier (citizen), the institution id (institution) or a name (regulator).
    public var sub: SubjectClaim
    public var role: Role
    public var exp: ExpirationClaim
    public var iss: IssuerClaim

    public init(role: Role, subject: String, issuer: String, expires: Date) {
        self.role = role
        self.sub = SubjectClaim(value: subject)
        self.iss = IssuerClaim(value: issuer)
        self.exp = ExpirationClaim(value: expires)
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        guard !sub.value.isEmpty else { throw JWTError.claimVerificationFailure(failedClaim: sub, reason: "is empty") }
    }
}

/// Verifies bearer tokens against the issuer keys it was given, and mints them with a private one.
public struct TokenVerifier: Sendable {
    let keys: JWTKeyCollection

    /// Trusts `publicKeys`, each under its key id (the JWT header's `kid`).
    public init(publicKeys: [String: Curve25519.Signing.PublicKey]) async {
        let keys = JWTKeyCollection()
        for (kid, key) in publicKeys.sorted(by: { $0.key < $1.key }) {
            await keys.add(eddsa: EdDSA.PublicKey(backing: key), kid: JWKIdentifier(string: kid))
        }
        self.keys = keys
    }

    /// Trusts the keys of a JSON Web Key Set (OKP / Ed25519 keys with a `kid`), as an identity provider publishes them.
    public init(jwks: String) async throws {
        keys = try await JWTKeyCollection().add(jwksJSON: jwks)
    }

    func caller(authorization: String?) async throws -> Caller {
        guard let authorization else { throw Problem.unauthorized("send an Authorization: Bearer <token> header") }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw Problem.unauthorized("the Authorization header must be: Bearer <token>")
        }
        let token: APIToken
        do {
            token = try await keys.verify(String(parts[1]), as: APIToken.self)
        } catch {
            throw Problem.unauthorized("the token is not valid: \(error); ask its issuer for a new one")
        }
        switch token.role {
        case .citizen: return .citizen(subject: token.sub.value)
        case .institution: return .institution(id: token.sub.value)
        case .regulator: return .regulator(name: token.sub.value)
        }
    }

    /// Signs `token` with `key` under key id `kid`: what an issuer (or `ledgerctl token`, in development) does.
    public static func sign(_ token: APIToken, with key: Curve25519.Signing.PrivateKey, kid: String) async throws -> String {
        let keys = await JWTKeyCollection().add(eddsa: EdDSA.PrivateKey(backing: key), kid: JWKIdentifier(string: kid))
        return try await keys.sign(token, kid: JWKIdentifier(string: kid))
    }
}
