import Crypto
import Foundation
import JWTKit
import Synchronization

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
///
/// A client sends the same token with every request until it expires, and checking its signature
/// is most of an API request's cost, so verified tokens are remembered (by their exact bytes, until
/// their `exp`).
public struct TokenVerifier: Sendable {
    let keys: JWTKeyCollection
    private let verified = VerifiedTokens()

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
        let jwt = String(parts[1])
        if let caller = verified.caller(for: jwt) { return caller }
        let token: APIToken
        do {
            token = try await keys.verify(jwt, as: APIToken.self)
        } catch {
            throw Problem.unauthorized("the token is not valid: \(error); ask its issuer for a new one")
        }
        let caller: Caller =
            switch token.role {
            case .citizen: .citizen(subject: token.sub.value)
            case .institution: .institution(id: token.sub.value)
            case .regulator: .regulator(name: token.sub.value)
            }
        verified.remember(jwt, as: caller, until: token.exp.value)
        return caller
    }

    /// Signs `token` with `key` under key id `kid`: what an issuer (or `ledgerctl token`, in development) does.
    public static func sign(_ token: APIToken, with key: Curve25519.Signing.PrivateKey, kid: String) async throws -> String {
        let keys = await JWTKeyCollection().add(eddsa: EdDSA.PrivateKey(backing: key), kid: JWKIdentifier(string: kid))
        return try await keys.sign(token, kid: JWKIdentifier(string: kid))
    }
}

/// Tokens whose signature and claims were checked, until they expire; at most `capacity` of them
/// (when full, the expired ones go, and if none had, all of them).
final class VerifiedTokens: Sendable {
    static let capacity = 10_000
    private let tokens = Mutex<[String: (caller: Caller, expires: Date)]>([:])

    func caller(for token: String) -> Caller? {
        tokens.withLock { tokens in
            guard let entry = tokens[token] else { return nil }
            guard entry.expires > Date() else {
                tokens[token] = nil
                return nil
            }
            return entry.caller
        }
    }

    func remember(_ token: String, as caller: Caller, until expires: Date) {
        tokens.withLock { tokens in
            if tokens.count >= Self.capacity {
                let now = Date()
                tokens = tokens.filter { $0.value.expires > now }
                if tokens.count >= Self.capacity { tokens.removeAll() }
            }
            tokens[token] = (caller, expires)
        }
    }
}
