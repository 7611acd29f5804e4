import ConsentModel
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The citizen's page over HTTP, on the API fixture's ledgers (the browser test, `make test-browser`, drives it in
/// Chromium): who may see it, what it echoes, which language it speaks.
@Suite("The citizen's page", .timeLimit(.minutes(5)))
struct PortalTests {
    /// GETs `uri` with the session cookie of `caller`'s token, and any more headers.
    func page(_ client: some TestClientProtocol, _ uri: String, as caller: TestCaller, fixture: APIFixture, headers more: HTTPFields = [:])
        async throws -> (status: HTTPResponse.Status, body: String)
    {
        var headers = more
        if let token = try await fixture.token(caller) { headers[.cookie] = "ledger-session=\(token)" }
        return try await client.execute(uri: uri, method: .get, headers: headers) { ($0.status, String(buffer: $0.body)) }
    }

    @Test("a citizen sees their accesses, violations set apart; without a citizen's token, only the sign-in page")
    func whoSeesWhat() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let mine = try await page(client, "/accesses?lang=en", as: .citizenA, fixture: fixture)
            #expect(mine.status == .ok)
            #expect(mine.body.contains("<section class=\"violations\""), "citizen A has accesses no consent covered")
            #expect(mine.body.contains("data-verdict=\"purpose-not-covered\"") && mine.body.contains("data-verdict=\"covered\""))
            #expect(mine.body.contains("<strong id=\"signed-in-as\">CI-A</strong>"), "every page names who is signed in")
            // Dates as the reader's language writes them, times with the fraction the event gave.
            #expect(mine.body.contains(">1 May 2026, 00:00:00.52 UTC<"))
            let korean = try await page(client, "/accesses?lang=ko", as: .citizenA, fixture: fixture)
            #expect(korean.body.contains(">2026년 5월 1일 00:00:00.52 UTC<") && korean.body.contains(">2026년 4월 1일 00:00:00 UTC<"))
            for caller in [TestCaller.none, .institutionX, .regulator] {
                let refused = try await page(client, "/accesses", as: caller, fixture: fixture)
                #expect(refused.status == .unauthorized && !refused.body.contains("data-verdict"), "\(caller)")
            }
            // The proof view lists every ledger; the bundle downloads as a file, for the signed-in citizen only.
            let proof = try await page(client, "/proof", as: .citizenA, fixture: fixture)
            #expect(proof.body.contains("data-ledger=\"test-ledger/events/0\"") && proof.body.contains("href=\"/bundle\""))
            let bundle = try await client.execute(
                uri: "/bundle", method: .get, headers: [.cookie: "ledger-session=\(try #require(try await fixture.token(.citizenA)))"]
            ) { ($0.status, $0.headers[.contentDisposition], String(buffer: $0.body)) }
            #expect(bundle.0 == .ok && bundle.1?.hasPrefix("attachment;") == true)
            #expect(bundle.2.contains("\"format\":\"consent-ledger/history-bundle/v1\"") && bundle.2.contains("\"subject\":\"CI-A\""))
            #expect(try await page(client, "/bundle", as: .none, fixture: fixture).status == .unauthorized)
            // No development sign-in here: the form is not offered, and posting to it finds nothing.
            let start = try await page(client, "/", as: .none, fixture: fixture)
            #expect(start.status == .ok && !start.body.contains("/sign-in"))
            let signIn = try await client.execute(uri: "/sign-in", method: .post, body: ByteBuffer(string: "subject=CI-A")) { $0.status }
            #expect(signIn == .notFound)
        }
    }

    @Test("an erased access is shown with what its leaf proves, and who asked for the erasure and when, in both languages")
    func erasedAccess() async throws {
        let fixture = try await APIFixture()
        // As the leaf at index 4 (citizen A's access of 1 May, from mydata-op-1) ordering A's records erased: the page
        // shows what the API serves, whichever leaf that is (ledgerctl verify holds the erasure to the leaves).
        let subject = SubjectReference(subject: APIFixture.citizenA, secret: fixture.subjectSecret)
        let erasure = try fixture.ledgers[0].erase(orderedBy: 4, subject: subject, scope: .all)
        #expect(erasure.erased == 5)
        try await fixture.application.test(.router) { client in
            let english = try await page(client, "/accesses?lang=en", as: .citizenA, fixture: fixture)
            #expect(
                english.body.contains("Erased at mydata-op-1&#39;s request on 1 May 2026, 00:00:00.52 UTC (recorded at #4)"),
                "\(english.body)")
            #expect(english.body.contains("data-verdict=\"purpose-not-covered\""), "the verdict stays, from the leaf")
            let korean = try await page(client, "/accesses?lang=ko", as: .citizenA, fixture: fixture)
            #expect(korean.body.contains("삭제됨: mydata-op-1의 요청으로 2026년 5월 1일 00:00:00.52 UTC에 내용을 지웠습니다 (기록 위치 #4)"))
        }
    }

    @Test("the proof view runs the offline verifier's own checks in the browser, with the ledger's key, from the page's own scripts")
    func browserCheck() async throws {
        let fixture = try await APIFixture()
        let page = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appending(path: "../../docs/verify.html")
        let verifier = try String(contentsOf: page, encoding: .utf8)
        let checks = try #require(verifier.split(separator: "<script id=\"checks\">\n").last?.split(separator: "</script>").first)
        try await fixture.application.test(.router) { client in
            let headers: HTTPFields = [.cookie: "ledger-session=\(try #require(try await fixture.token(.citizenA)))"]
            let proof = try await client.execute(uri: "/proof", method: .get, headers: headers) { $0 }
            let body = String(buffer: proof.body)
            let key = Data(fixture.signingKey.publicKey.rawRepresentation).base64EncodedString()
            #expect(body.contains("data-ledger-key=\"\(key)\"") && body.contains("<script src=\"/checks.js\"></script>"))
            #expect(body.contains("<p id=\"witnesses\">이 원장의 체크포인트에 공동 서명하는 감시자: 없음"), "the fixture's ledger has no witnesses")
            #expect(proof.headers[.contentSecurityPolicy]?.contains("script-src 'self';") == true)
            let served = try await client.execute(uri: "/checks.js", method: .get) { ($0.headers[.contentType], String(buffer: $0.body)) }
            #expect(served.0 == "text/javascript; charset=utf-8")
            #expect(served.1 == checks, "/checks.js is not docs/verify.html's checks as they are now")
            let script = try await client.execute(uri: "/proof.js", method: .get) { String(buffer: $0.body) }
            #expect(script.contains("checkBundle(") && script.contains("fetch(\"/bundle\""))
        }
    }

    @Test("a token handed over by an identity provider becomes an HttpOnly session; a bad one is refused")
    func session() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let token = try #require(try await fixture.token(.citizenA))
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let good = try await client.execute(uri: "/session", method: .post, headers: form, body: ByteBuffer(string: "token=\(token)")) {
                ($0.status, $0.headers[.location], $0.headers[.setCookie])
            }
            #expect(good.0 == .seeOther && good.1 == "/accesses")
            #expect(good.2?.contains("HttpOnly") == true && good.2?.contains("SameSite=Strict") == true)
            let institution = try #require(try await fixture.token(.institutionX))
            for bad in ["not-a-token", institution] {
                let status = try await client.execute(
                    uri: "/session", method: .post, headers: form, body: ByteBuffer(string: "token=\(bad)")
                ) {
                    $0.status
                }
                #expect(status == .unauthorized)
            }
            // A browser's sign-in posted by another site (login CSRF) is refused, and sets no session; from the page's
            // own origin it is taken.
            let host = "localhost"  // the authority of the test client's requests
            let site = try #require(HTTPField.Name("Sec-Fetch-Site"))
            for (header, value, status) in [
                (site, "cross-site", HTTPResponse.Status.forbidden), (.origin, "https://elsewhere.example", .forbidden),
                (site, "same-origin", .seeOther), (.origin, "http://\(host)", .seeOther),
            ] {
                var headers = form
                headers[header] = value
                let answer = try await client.execute(
                    uri: "/session", method: .post, headers: headers, body: ByteBuffer(string: "token=\(token)")
                ) {
                    ($0.status, $0.headers[.setCookie], String(buffer: $0.body))
                }
                #expect(answer.0 == status, "\(header): \(value)")
                #expect((answer.1 != nil) == (status == .seeOther), "\(header): \(value)")
                #expect(status != .forbidden || answer.2.contains("다른 사이트에서 보낸 로그인 요청은 받지 않습니다"))
            }
        }
    }

    @Test("what a request brings is escaped, a bad filter is a 400 in words, and the language follows lang, then Accept-Language")
    func hostileAndLanguages() async throws {
        let fixture = try await APIFixture()
        try await fixture.application.test(.router) { client in
            let echoed = try await page(
                client, "/accesses?institution=%3Cscript%3Ealert(1)%3C%2Fscript%3E", as: .citizenA, fixture: fixture)
            #expect(!echoed.body.contains("<script>") && echoed.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let badVerdict = try await page(client, "/accesses?verdict=fine", as: .citizenA, fixture: fixture)
            #expect(badVerdict.status == .badRequest && badVerdict.body.contains("verdict: fine is not one"))
            let badCursor = try await page(client, "/accesses?cursor=99999999999999999999", as: .citizenA, fixture: fixture)
            #expect(badCursor.status == .badRequest && badCursor.body.contains("role=\"alert\""))

            let korean = try await page(client, "/accesses", as: .citizenA, fixture: fixture)
            #expect(korean.body.contains("<html lang=\"ko\">") && korean.body.contains("내 정보 접근 내역"))
            let english = try await page(client, "/consents", as: .citizenA, fixture: fixture, headers: [.acceptLanguage: "en-GB,en;q=0.8"])
            #expect(english.body.contains("<html lang=\"en\">") && english.body.contains("My consents"))
            #expect(english.body.contains("data-status=\"revoked\""), "citizen A's consent c-1 was revoked")
            let chosen = try await page(client, "/institutions?lang=ko", as: .citizenA, fixture: fixture, headers: [.acceptLanguage: "en"])
            #expect(chosen.body.contains("<html lang=\"ko\">") && chosen.body.contains("접근 횟수"))
        }
    }
}
