import ConsentModel
import Crypto
import Foundation

extension TokenIssuer {
    /// The issuers of a JSON Web Key Set, as an identity provider publishes it: OKP/Ed25519 keys, each with a `kid` and
    /// an `iss` (the issuer its tokens name), and optionally `roles` (the roles it may mint; all without). A key set
    /// that cannot be used is refused, naming the key and what is wrong with it.
    public static func keySet(_ jwks: [UInt8]) throws -> [TokenIssuer] {
        struct KeySet: Decodable {
            struct Key: Decodable {
                let kty: String?
                let crv: String?
                let x: String?
                let kid: String?
                let iss: String?
                let roles: [String]?
            }
            let keys: [Key]
        }
        func unusable(_ reason: String) -> TokenError { TokenError(.unusableKeySet, reason) }
        let set: KeySet
        do { set = try JSONDecoder().decode(KeySet.self, from: Data(jwks)) } catch {
            throw unusable("is not a JSON Web Key Set (an object whose \"keys\" is an array of keys)")
        }
        var issuers: [TokenIssuer] = []
        for (number, key) in set.keys.enumerated() {
            let name = "key \(number + 1)" + (key.kid.map { " (\(EchoedText.capped($0)))" } ?? "")
            guard key.kty == "OKP", key.crv == "Ed25519", let x = key.x, let raw = Data(base64URL: x),
                let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
            else { throw unusable("\(name) is not an Ed25519 public key (kty OKP, crv Ed25519, x)") }
            guard let kid = key.kid, !kid.isEmpty else { throw unusable("\(name) has no kid: tokens name their key by it") }
            guard let iss = key.iss, !iss.isEmpty else { throw unusable("\(name) has no iss: the issuer its tokens must name") }
            var roles = Set(APIToken.Role.allCases)
            if let names = key.roles {
                roles = []
                for role in names {
                    guard let known = APIToken.Role(rawValue: role) else {
                        throw unusable("\(name) lists role \"\(EchoedText.capped(role))\"; roles are citizen, institution and regulator")
                    }
                    roles.insert(known)
                }
                // An empty list would make a key that can mint nothing, which is never what was meant.
                guard !roles.isEmpty else {
                    throw unusable("\(name) lists no roles: list those it may mint, or leave roles out for all three")
                }
            }
            guard issuers.allSatisfy({ $0.keyID != kid }) else { throw unusable("kid \(EchoedText.capped(kid)) is listed twice") }
            issuers.append(TokenIssuer(keyID: kid, publicKey: publicKey, issuer: iss, roles: roles))
        }
        guard !issuers.isEmpty else { throw unusable("lists no keys") }
        return issuers
    }
}

extension Data {
    /// RFC 4648 §5 base64url, padding optional.
    init?(base64URL text: some StringProtocol) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
