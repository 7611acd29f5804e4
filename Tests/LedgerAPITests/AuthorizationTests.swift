import APITokens
import ConsentModel
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerAPI
import Testing

@Suite("Who may ask what", .timeLimit(.minutes(10)))
struct AuthorizationTests {
    typealias Status = HTTPResponse.Status

    /// Every route of openapi.yaml, with an example request (a GET unless it says POST, which sends a blinded subject
    /// key) and the status each caller gets. A route added to the document without rows here fails `everyRouteHasRows`.
    static let table: [(route: String, example: String, expect: [TestCaller: Status])] = {
        let citizens: [TestCaller: Status] = [
            .none: .unauthorized, .citizenA: .ok, .citizenB: .ok, .institutionX: .forbidden, .institutionY: .forbidden,
            .regulator: .forbidden,
        ]
        let institutions: [TestCaller: Status] = [
            .none: .unauthorized, .citizenA: .forbidden, .citizenB: .forbidden, .institutionX: .ok, .institutionY: .ok,
            .regulator: .forbidden,
        ]
        let regulators: [TestCaller: Status] = [
            .none: .unauthorized, .citizenA: .forbidden, .citizenB: .forbidden, .institutionX: .forbidden, .institutionY: .forbidden,
            .regulator: .ok,
        ]
        let subjectKey = String(repeating: "ab", count: 32)
        return [
            ("/v1/me/accesses", "/v1/me/accesses", citizens),
            ("/v1/me/consents", "/v1/me/consents", citizens),
            ("/v1/me/completeness", "/v1/me/completeness", citizens),
            ("/v1/me/bundle", "/v1/me/bundle", citizens),
            (
                "/v1/subject-key", "/v1/subject-key",
                [.none: .unauthorized, .citizenA: .ok, .citizenB: .ok, .institutionX: .ok, .institutionY: .ok, .regulator: .ok]
            ),
            (
                "/v1/subject-key", "POST /v1/subject-key",
                [.none: .unauthorized, .citizenA: .ok, .citizenB: .ok, .institutionX: .ok, .institutionY: .ok, .regulator: .ok]
            ),
            ("/v1/me/completeness/{partition}/entries", "/v1/me/completeness/0/entries?size=1", citizens),
            // Citizen A's covered access: only A may have its proof; B is told no more than a stranger.
            (
                "/v1/me/entries/{partition}/{index}/proof", "/v1/me/entries/0/1/proof",
                [
                    .none: .unauthorized, .citizenA: .ok, .citizenB: .forbidden, .institutionX: .forbidden, .institutionY: .forbidden,
                    .regulator: .forbidden,
                ]
            ),
            ("/v1/institution/receipts", "/v1/institution/receipts", institutions),
            ("/v1/institution/rejected", "/v1/institution/rejected", institutions),
            ("/v1/institution/violations", "/v1/institution/violations", institutions),
            ("/v1/ledgers", "/v1/ledgers", regulators),
            ("/v1/ledgers/{partition}/checkpoints", "/v1/ledgers/0/checkpoints", regulators),
            ("/v1/ledgers/{partition}/leaves", "/v1/ledgers/0/leaves?start=0&end=3", regulators),
            ("/v1/ledgers/{partition}/proofs/inclusion", "/v1/ledgers/0/proofs/inclusion?index=1", regulators),
            ("/v1/ledgers/{partition}/proofs/consistency", "/v1/ledgers/0/proofs/consistency?from=2&to=6", regulators),
            ("/v1/ledgers/{partition}/subjects/{subjectKey}/proof", "/v1/ledgers/1/subjects/\(subjectKey)/proof", regulators),
            ("/v1/violations", "/v1/violations", regulators),
            ("/v1/institutions/{institution}/report", "/v1/institutions/mydata-op-1/report", regulators),
        ]
    }()

    static let documentedRoutes: Set<String> = {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/openapi.yaml")
        let text = (try? String(contentsOf: document, encoding: .utf8)) ?? ""
        return Set(
            text.split(separator: "\n").compactMap { line in
                line.hasPrefix("  /") && line.hasSuffix(":") ? String(line.dropFirst(2).dropLast()) : nil
            })
    }()

    @Test("every route of the OpenAPI document has its authorization rows, and only those")
    func everyRouteHasRows() {
        #expect(Self.documentedRoutes.count >= 15)
        #expect(Set(Self.table.map(\.route)) == Self.documentedRoutes)
        #expect(Self.table.allSatisfy { Set($0.expect.keys) == Set(TestCaller.allCases) })
    }

    @Test("each caller gets the expected status on each route, with a problem document when refused")
    func statuses() async throws {
        let key = SubjectOPRF.Key()
        let fixture = try await APIFixture(subjectSecret: SubjectSecret(voprf: key))
        let blinded = try SubjectOPRF.Request(subject: "CI-A", publicKey: key.publicKey).blindedElement
        try await fixture.application.test(.router) { client in
            for (_, example, expect) in Self.table {
                for caller in TestCaller.allCases {
                    let response =
                        example.hasPrefix("POST ")
                        ? try await client.post(
                            String(example.dropFirst(5)), json: #"{"blindedElement":"\#(Data(blinded).base64EncodedString())"}"#,
                            as: caller,
                            fixture: fixture)
                        : try await client.get(example, as: caller, fixture: fixture)
                    #expect(response.status == expect[caller], "\(caller) GET \(example): \(String(buffer: response.body))")
                    if response.status != .ok {
                        #expect(response.type == "application/problem+json", "\(caller) GET \(example)")
                    }
                }
            }
        }
    }

    @Test("a refused citizen learns nothing: another's entry, a missing entry and a missing ledger look the same")
    func noProbing() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let others = try await client.get("/v1/me/entries/1/0/proof", as: .citizenA, fixture: fixture)
            let missing = try await client.get("/v1/me/entries/0/999/proof", as: .citizenA, fixture: fixture)
            let noLedger = try await client.get("/v1/me/entries/7/0/proof", as: .citizenA, fixture: fixture)
            #expect(others.status == .forbidden)
            #expect(String(buffer: others.body) == String(buffer: missing.body))
            #expect(String(buffer: others.body) == String(buffer: noLedger.body))
        }
    }

    /// A token's claims as JSON, for the tests that build tokens no `APIToken` would.
    static func token(_ claims: [String: Any], kid: String?, key: Curve25519.Signing.PrivateKey) throws -> String {
        func part(_ object: [String: Any]) throws -> String {
            try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        var header: [String: Any] = ["alg": "EdDSA", "typ": "JWT"]
        if let kid { header["kid"] = kid }
        let input = try part(header) + "." + part(claims)
        let signature = try key.signature(for: Array(input.utf8)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return input + "." + signature
    }

    @Test(
        "a token is refused with a 401 that says why: expired, another key, unknown kid, no aud, another iss, too long, not yet valid, malformed"
    )
    func badTokens() async throws {
        let fixture = try await APIFixture()
        let now = Int(Date().timeIntervalSince1970)
        let good: [String: Any] = [
            "sub": "auditor", "role": "regulator", "iss": "test", "aud": "consent-ledger", "iat": now, "nbf": now, "exp": now + 600,
        ]
        func claims(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var claims = good
            change(&claims)
            return claims
        }
        func bearer(
            kid: String? = "test-issuer", key: Curve25519.Signing.PrivateKey? = nil, _ change: (inout [String: Any]) -> Void = { _ in }
        )
            throws -> String
        {
            "Bearer " + (try Self.token(claims(change), kid: kid, key: key ?? fixture.issuerKey))
        }
        let cases: [(String, String)] = [
            (
                try bearer {
                    $0["iat"] = now - 700
                    $0["exp"] = now - 60
                }, "expired"
            ),
            (try bearer(key: .init()), "signature does not verify under key test-issuer"),
            // Signed by the trusted key, but naming another: once accepted through jwt-kit's default key.
            (try bearer(kid: "someone-else"), "key someone-else is not one this ledgerd trusts"),
            (try bearer(kid: nil), "names no key"),
            (try bearer { $0["aud"] = nil }, "has no aud"),
            (try bearer { $0["aud"] = "another-api" }, "not for this API"),
            // Documented as informational once, and refused with Swift decoder internals in the detail.
            (try bearer { $0["iss"] = nil }, "has no iss"),
            (try bearer { $0["iss"] = "idp" }, "issuer idp is not the one"),
            (try bearer { $0["exp"] = now + 7_200 }, "longer than the 3600 s"),
            (try bearer { $0["nbf"] = now + 600 }, "not valid yet"),
            // Times no calendar holds are numbers all the same: refused, never a trap.
            (try bearer { $0["exp"] = 1e300 }, "longer than the 3600 s"),
            (try bearer { $0["iat"] = -1e300 }, "longer than the 3600 s"),
            (try bearer { $0["iat"] = nil }, "has no iat"),
            (try bearer { $0["role"] = "root" }, "cannot be read"),
            ("Bearer not-a-jwt", "not a JWT"), ("Basic dXNlcjpwYXNz", "Bearer <token>"), ("Bearer", "Bearer <token>"),
        ]
        try await fixture.application.test(.router) { client in
            for (header, reason) in cases {
                try await client.execute(uri: "/v1/ledgers", method: .get, headers: [.authorization: header]) { response in
                    let body = String(buffer: response.body)
                    #expect(response.status == .unauthorized, "\(reason): \(body)")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    #expect(body.contains(reason), "\(reason): \(body)")
                    #expect(!body.contains("DecodingError") && !body.contains("CodingKeys"), "no decoder internals: \(body)")
                }
            }
        }
    }

    @Test("issuer keys given as a JSON Web Key Set are trusted by their kid for their iss, and only for the roles they list")
    func jsonWebKeySet() async throws {
        let fixture = try await APIFixture()
        let issuer = Curve25519.Signing.PrivateKey()
        let x = Data(issuer.publicKey.rawRepresentation).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let verifier = try await TokenVerifier(
            jwks: #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(x)","kid":"idp-2026","iss":"idp","roles":["citizen"]}]}"#)
        let citizen = try await TokenVerifier.sign(
            APIToken(role: .citizen, subject: "CI-A", issuer: "idp", lifetime: 600), with: issuer, kid: "idp-2026")
        let regulator = try await TokenVerifier.sign(
            APIToken(role: .regulator, subject: "auditor", issuer: "idp", lifetime: 600), with: issuer, kid: "idp-2026")
        let untrusted = try await TokenVerifier.sign(
            APIToken(role: .citizen, subject: "CI-A", issuer: "test", lifetime: 600), with: fixture.issuerKey, kid: "test-issuer")
        try await fixture.application(trusting: verifier).test(.router) { client in
            try await client.execute(uri: "/v1/me/accesses", method: .get, headers: [.authorization: "Bearer \(citizen)"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/ledgers", method: .get, headers: [.authorization: "Bearer \(regulator)"]) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("key idp-2026 may not issue regulator tokens"))
            }
            try await client.execute(uri: "/v1/me/accesses", method: .get, headers: [.authorization: "Bearer \(untrusted)"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("a token accepted once is refused after it expires, although accepted tokens are remembered")
    func rememberedTokenExpires() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            // Signed just before its first use (building the fixture can take seconds on a loaded machine), and with
            // seconds to spare: a JWT's times are whole seconds.
            let expiry = Date().addingTimeInterval(8)
            let token = try await TokenVerifier.sign(
                APIToken(role: .regulator, subject: "auditor", issuer: "test", lifetime: 8), with: fixture.issuerKey, kid: "test-issuer")
            try await client.execute(uri: "/v1/ledgers", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
            }
            try await Task.sleep(for: .seconds(expiry.timeIntervalSinceNow + 1))
            try await client.execute(uri: "/v1/ledgers", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
