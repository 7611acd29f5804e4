import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import LedgerAPI
import Testing

@Suite("Who may ask what")
struct AuthorizationTests {
    typealias Status = HTTPResponse.Status

    /// Every route of openapi.yaml, with an example request and the status each caller gets. A route
    /// added to the document without rows here fails `everyRouteHasRows`.
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
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            for (_, example, expect) in Self.table {
                for caller in TestCaller.allCases {
                    let response = try await client.get(example, as: caller, fixture: fixture)
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

    @Test("expired tokens, tokens from an unknown issuer key and malformed headers are refused with 401")
    func badTokens() async throws {
        let fixture = try await APIFixture()
        let expired = try await TokenVerifier.sign(
            APIToken(role: .regulator, subject: "auditor", issuer: "test", expires: Date().addingTimeInterval(-60)),
            with: fixture.issuerKey,
            kid: "test-issuer")
        let stranger = try await TokenVerifier.sign(
            APIToken(role: .regulator, subject: "auditor", issuer: "test", expires: Date().addingTimeInterval(600)),
            with: .init(), kid: "test-issuer")
        try await fixture.application.test(.router) { client in
            for header in ["Bearer \(expired)", "Bearer \(stranger)", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer"] {
                try await client.execute(uri: "/v1/ledgers", method: .get, headers: [.authorization: header]) { response in
                    #expect(response.status == .unauthorized, "\(header.prefix(20))")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    #expect(String(buffer: response.body).contains("\"detail\""))
                }
            }
        }
    }

    @Test("issuer keys given as a JSON Web Key Set are trusted by their kid, and no other key is")
    func jsonWebKeySet() async throws {
        let fixture = try await APIFixture()
        let issuer = Curve25519.Signing.PrivateKey()
        let x = Data(issuer.publicKey.rawRepresentation).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let verifier = try await TokenVerifier(jwks: #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(x)","kid":"idp-2026"}]}"#)
        let claims = APIToken(role: .regulator, subject: "auditor", issuer: "idp", expires: Date().addingTimeInterval(600))
        let trusted = try await TokenVerifier.sign(claims, with: issuer, kid: "idp-2026")
        let untrusted = try await TokenVerifier.sign(claims, with: fixture.issuerKey, kid: "test-issuer")
        try await fixture.application(trusting: verifier).test(.router) { client in
            try await client.execute(uri: "/v1/ledgers", method: .get, headers: [.authorization: "Bearer \(trusted)"]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v1/ledgers", method: .get, headers: [.authorization: "Bearer \(untrusted)"]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("a token accepted once is refused after it expires, although accepted tokens are remembered")
    func rememberedTokenExpires() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            // Signed just before its first use (building the fixture can take seconds on a loaded machine).
            let expiry = Date().addingTimeInterval(4)
            let token = try await TokenVerifier.sign(
                APIToken(role: .regulator, subject: "auditor", issuer: "test", expires: expiry), with: fixture.issuerKey, kid: "test-issuer"
            )
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
