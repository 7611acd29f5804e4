import APITokens
import Crypto
import Foundation
import Testing

/// ledgerd's API tokens as a client meets them: a live ledgerd trusting a key set of two issuers.
@Suite("API tokens against a live ledgerd", .serialized, .timeLimit(.minutes(10)))
struct TokenCheckTests {
    let citizensIdP = Curve25519.Signing.PrivateKey()
    let regulatorsIdP = Curve25519.Signing.PrivateKey()

    func jwk(_ key: Curve25519.Signing.PrivateKey, kid: String, iss: String, roles: [String]?) -> String {
        let x = Data(key.publicKey.rawRepresentation).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let roles = roles.map { #","roles":[\#($0.map { "\"\($0)\"" }.joined(separator: ","))]"# } ?? ""
        return #"{"kty":"OKP","crv":"Ed25519","x":"\#(x)","kid":"\#(kid)","iss":"\#(iss)"\#(roles)}"#
    }

    @Test(
        "unknown kid, no aud, a lifetime over the cap, and a role its key may not mint are each refused with a 401 that says so; good tokens pass"
    )
    func tokens() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        let keys = work.appendingPathComponent("issuers.jwks.json")
        try Data(
            #"{"keys":[\#(jwk(citizensIdP, kid: "idp-2026", iss: "https://id.example", roles: ["citizen"])),\#(jwk(regulatorsIdP, kid: "fsc-2026", iss: "https://fsc.example", roles: nil))]}"#
                .utf8
        ).write(to: keys)
        let ledgerd = try ChildProcess(
            ledgerd,
            [
                "--data-dir", work.appendingPathComponent("data").path, "--topics", packageRoot.appendingPathComponent("topics").path,
                "--http", "127.0.0.1:0", "--token-keys", keys.path, "--log-level", "warning",
            ])
        defer { ledgerd.process.terminate() }
        let http = try ledgerd.waitForLine(startingWith: "http=")

        func token(
            _ role: APIToken.Role, kid: String = "idp-2026", key: Curve25519.Signing.PrivateKey? = nil, lifetime: TimeInterval = 600,
            _ change: (inout APIToken) -> Void = { _ in }
        ) async throws -> String {
            var token = APIToken(
                role: role, subject: role == .citizen ? "CI-KR-0000000000001" : "auditor",
                issuer: kid == "fsc-2026" ? "https://fsc.example" : "https://id.example", lifetime: lifetime)
            change(&token)
            return try await TokenVerifier.sign(token, with: key ?? (kid == "fsc-2026" ? regulatorsIdP : citizensIdP), kid: kid)
        }
        let cases: [(what: String, path: String, token: String, status: Int32, detail: String)] = [
            ("a citizen's token from the citizens' issuer", "/v1/me/accesses", try await token(.citizen), 200, #""items":"#),
            ("a regulator's token from the regulators' issuer", "/v1/ledgers", try await token(.regulator, kid: "fsc-2026"), 200, "["),
            (
                "signed by a trusted key, naming an unknown one", "/v1/me/accesses",
                try await token(.citizen, kid: "idp-2027", key: citizensIdP),
                401, "the token's key idp-2027 is not one this ledgerd trusts"
            ),
            ("no aud", "/v1/me/accesses", try await token(.citizen) { $0.aud = nil }, 401, "the token has no aud"),
            (
                "valid for two hours", "/v1/me/accesses",
                try await token(.citizen, lifetime: 7_200), 401,
                "the token is valid for 7200 s, longer than the 3600 s this API accepts"
            ),
            (
                "a regulator's token from the citizens' issuer", "/v1/ledgers", try await token(.regulator), 401,
                "key idp-2026 may not issue regulator tokens"
            ),
        ]
        for test in cases {
            let response = try get("http://\(http)\(test.path)", token: test.token)
            #expect(response.status == test.status, "\(test.what): \(response.body)")
            #expect(response.body.contains(test.detail), "\(test.what): \(response.body)")
        }
    }
}
