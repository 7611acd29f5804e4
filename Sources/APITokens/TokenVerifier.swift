import ConsentModel
import Crypto
import Foundation
import JWTKit

/// Verifies API tokens against the issuer keys it was given, and mints them with a private one.
///
/// A token is accepted only if its header's `kid` names a trusted key, that key signed it, its `iss` is the one that
/// key's entry names, its role is one that key may mint, its `aud` names this API, and it is within its lifetime
/// (`nbf`/`iat` at most ``TokenPolicy/leeway`` ahead, `exp` not passed, `exp − iat` at most
/// ``TokenPolicy/maximumLifetime``). Every refusal says in plain words which of these failed.
///
/// A client sends the same token with every request until it expires, and checking its signature is most of an
/// API request's cost, so verified tokens are remembered (by their exact bytes, until their `exp`).
public struct TokenVerifier: Sendable {
    private let issuers: [String: (issuer: TokenIssuer, keys: JWTKeyCollection)]
    public let policy: TokenPolicy
    private let verified = VerifiedTokens()

    public init(issuers: [TokenIssuer], policy: TokenPolicy = TokenPolicy()) async {
        var byKeyID: [String: (TokenIssuer, JWTKeyCollection)] = [:]
        for issuer in issuers {
            let keys = JWTKeyCollection()
            await keys.add(eddsa: EdDSA.PublicKey(backing: issuer.publicKey), kid: JWKIdentifier(string: issuer.keyID))
            byKeyID[issuer.keyID] = (issuer, keys)
        }
        self.issuers = byKeyID
        self.policy = policy
    }

    /// Trusts the keys of a JSON Web Key Set (``TokenIssuer/keySet(_:)``).
    public init(jwks: String, policy: TokenPolicy = TokenPolicy()) async throws {
        await self.init(issuers: try TokenIssuer.keySet(Array(jwks.utf8)), policy: policy)
    }

    /// Who `jwt` is for, once every check holds (or it was verified before and has not expired); otherwise a
    /// ``TokenError/Code/refused`` that says which check failed.
    public func verify(_ jwt: String, now: Date = Date()) async throws -> VerifiedToken {
        if let token = verified.token(for: jwt, now: now) { return token }
        let token = try await check(jwt, now: now)
        verified.remember(jwt, as: token, now: now)
        return token
    }

    private func check(_ jwt: String, now: Date) async throws -> VerifiedToken {
        let kid = try Self.keyID(of: jwt)
        guard let trusted = issuers[kid] else {
            throw TokenError.refused("the token's key \(EchoedText.capped(kid)) is not one this ledgerd trusts")
        }
        let token: APIToken
        do {
            token = try await trusted.keys.verify(jwt, as: APIToken.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw TokenError.refused("the token's signature does not verify under key \(EchoedText.capped(kid))")
        } catch {
            throw TokenError.refused("the token's claims cannot be read as a ledger API token's (sub, role, iss, aud, iat, exp)")
        }
        return try policy.accept(token, signedBy: trusted.issuer, now: now)
    }

    /// The `kid` of a JWT's header: which key it says signed it.
    public static func keyID(of jwt: String) throws -> String {
        let sections = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard sections.count == 3, let headerBytes = Data(base64URL: sections[0]),
            let header = try? JSONDecoder().decode(Header.self, from: headerBytes)
        else { throw TokenError.refused("the token is not a JWT (three base64url parts, the first a JSON header)") }
        guard let kid = header.kid else { throw TokenError.refused("the token names no key (its header has no kid)") }
        return kid
    }

    private struct Header: Decodable {
        let kid: String?
    }

    /// Signs `token` with `key` under key id `kid`: what an issuer (or `ledgerctl token`, in development) does.
    public static func sign(_ token: APIToken, with key: Curve25519.Signing.PrivateKey, kid: String) async throws -> String {
        let keys = await JWTKeyCollection().add(eddsa: EdDSA.PrivateKey(backing: key), kid: JWKIdentifier(string: kid))
        return try await keys.sign(token, kid: JWKIdentifier(string: kid))
    }
}
