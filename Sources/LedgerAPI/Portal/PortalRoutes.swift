import APITokens
import Foundation
import HTTPTypes
import Hummingbird

/// The citizen's page (docs/portal.md): server-rendered HTML at `/`, in Korean or English, readable without script (which
/// adds only the proof view's check of the bundle in the browser, and the sign-in by a token in the fragment).
/// It signs the citizen in with a cookie that holds their API token (HttpOnly, SameSite=Strict, never in a URL), and
/// answers each view from the API's own handler, as the citizen's token would: nothing here reads a ledger itself.
struct PortalRoutes {
    let handler: LedgerAPIHandler
    let keys: PortalKeys
    let tokens: TokenVerifier
    /// Mints a citizen's token for an identifier; only when development tokens are trusted.
    let developmentSignIn: (@Sendable (String) async throws -> String)?

    static let sessionCookie = "ledger-session"
    static let languageCookie = "lang"

    func add(to router: Router<some RequestContext>) {
        router.get("/") { request, _ in
            let language = Self.language(of: request)
            if (try? await caller(of: request)) != nil { return Self.redirect(to: PortalView.accesses.path) }
            return page(signInPage(language, problem: nil), language: language, frame: .signedOut, request: request)
        }
        router.post("/sign-in") { request, _ in
            let language = Self.language(of: request)
            guard let developmentSignIn else { throw HTTPError(.notFound) }
            guard Self.isFromThisSite(request) else { return crossSite(request) }
            let subject = try await Self.formField("subject", of: request) ?? ""
            guard (1...128).contains(subject.count) else {
                return page(
                    signInPage(language, problem: language(.subjectIdentifier)), language: language, frame: .signedOut, request: request)
            }
            return Self.signedIn(token: try await developmentSignIn(subject))
        }
        router.post("/session") { request, _ in
            guard Self.isFromThisSite(request) else { return crossSite(request) }
            let token = try await Self.formField("token", of: request) ?? ""
            guard
                (try? await tokens.caller(authorization: "Bearer \(token)")).map({ if case .citizen = $0 { true } else { false } }) == true
            else { return refused(request) }
            return Self.signedIn(token: token)
        }
        router.post("/sign-out") { _, _ in
            var response = Self.redirect(to: "/")
            response.setCookie(Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/bundle") { request, _ in
            guard let caller = try? await self.caller(of: request) else { return refused(request) }
            let bundle = try await Caller.$current.withValue(caller) { try await handler.getMyBundle(.init()) }
            guard case .ok(let ok) = bundle, case .json(let content) = ok.body else { throw HTTPError(.internalServerError) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            headers[.contentDisposition] = "attachment; filename=\"consent-ledger-history.json\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(data: try encoder.encode(content))))
        }
        for (path, script) in PortalScripts.all {
            router.get(RouterPath(stringLiteral: path)) { _, _ in
                var headers = HTTPFields()
                headers[.contentType] = "text/javascript; charset=utf-8"
                headers[.xContentTypeOptions] = "nosniff"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: script)))
            }
        }
        for view in PortalView.allCases {
            router.get(RouterPath(stringLiteral: view.path)) { request, _ in
                let language = Self.language(of: request)
                guard let caller = try? await self.caller(of: request), case .citizen(let subject) = caller else { return refused(request) }
                let body: String
                do {
                    body = try await Caller.$current.withValue(caller) {
                        let views = PortalViews(handler: handler, keys: keys, language: language)
                        return try await views.render(view, query: request.uri.queryParameters)
                    }
                } catch let problem as Problem {
                    var response = page(
                        "<p class=\"problem\" role=\"alert\">\(problem.detail.escaped)</p>", language: language,
                        frame: .signedIn(subject, view), request: request)
                    response.status = problem.status
                    return response
                }
                return page(body, language: language, frame: .signedIn(subject, view), request: request)
            }
        }
    }

    /// The citizen the session cookie's token names; anything else is refused.
    private func caller(of request: Request) async throws -> Caller {
        let caller = try await tokens.caller(authorization: request.cookies[Self.sessionCookie].map { "Bearer \($0.value)" })
        guard case .citizen = caller else { throw Problem.forbidden }
        return caller
    }

    /// A browser's sign-in posted from another site is refused: it would sign the citizen in as whoever's token the
    /// other site chose (login CSRF). The page's own form and script post from this origin; clients that are not
    /// browsers send neither header, and are no such risk.
    static func isFromThisSite(_ request: Request) -> Bool {
        if let site = request.headers[Self.secFetchSite] { return site == "same-origin" }
        guard let origin = request.headers[.origin] else { return true }
        let authority = request.head.authority ?? ""  // HTTP/1's Host header, once received
        return origin == "http://\(authority)" || origin == "https://\(authority)"
    }

    static let secFetchSite = HTTPField.Name("Sec-Fetch-Site")!

    /// The sign-in page, with a 403, for a sign-in posted from another site.
    private func crossSite(_ request: Request) -> Response {
        let language = Self.language(of: request)
        var response = page(signInPage(language, problem: language(.crossSite)), language: language, frame: .signedOut, request: request)
        response.status = .forbidden
        return response
    }

    /// The sign-in page, with a 401, for a request without a citizen's session.
    private func refused(_ request: Request) -> Response {
        let language = Self.language(of: request)
        var response = page(signInPage(language, problem: language(.tokenRefused)), language: language, frame: .signedOut, request: request)
        response.status = .unauthorized
        return response
    }

    private func page(_ body: String, language: PortalLanguage, frame: HTMLPage.Frame, request: Request) -> Response {
        var here = URLComponents()
        here.path = request.uri.path
        let query = request.uri.queryParameters.filter { $0.key != "lang" }.map {
            URLQueryItem(name: String($0.key), value: String($0.value))
        }
        here.queryItems = query.isEmpty ? nil : query
        let html = HTMLPage(language: language, frame: frame, path: here.string ?? "/", body: body).text
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        // Script only the page's own files (the proof view's check), which fetch only from here; no frames around the
        // page, no guessing of types.
        headers[.contentSecurityPolicy] =
            "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        headers[.xContentTypeOptions] = "nosniff"
        var response = Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: html)))
        if request.uri.queryParameters.get("lang") != nil {
            response.setCookie(Cookie(name: Self.languageCookie, value: language.rawValue, path: "/", httpOnly: true, sameSite: .lax))
        }
        return response
    }

    private func signInPage(_ t: PortalLanguage, problem: String?) -> String {
        let alert = problem.map { "<p class=\"problem\" role=\"alert\">\($0.escaped)</p>" } ?? ""
        guard developmentSignIn != nil else { return alert + "<h2>\(t(.signIn).escaped)</h2><p>\(t(.signInProduction).escaped)</p>" }
        return """
            \(alert)
            <h2>\(t(.signIn).escaped)</h2>
            <p>\(t(.signInDevelopment).escaped)</p>
            <form method="post" action="/sign-in">
            <label>\(t(.subjectIdentifier).escaped)<input name="subject" required maxlength="128" autocomplete="off"></label>
            <button type="submit">\(t(.signInButton).escaped)</button>
            </form>
            """
    }

    static func language(of request: Request) -> PortalLanguage {
        PortalLanguage(
            choice: request.uri.queryParameters.get("lang") ?? request.cookies[languageCookie]?.value,
            acceptLanguage: request.headers[.acceptLanguage])
    }

    static func redirect(to path: String) -> Response {
        Response(status: .seeOther, headers: [.location: path])
    }

    static func signedIn(token: String) -> Response {
        var response = redirect(to: PortalView.accesses.path)
        if let cookie = try? Cookie.validated(name: sessionCookie, value: token, path: "/", httpOnly: true, sameSite: .strict) {
            response.setCookie(cookie)
        }
        return response
    }

    /// One field of an `application/x-www-form-urlencoded` body of at most 4 KiB.
    static func formField(_ name: String, of request: Request) async throws -> String? {
        let body = try await request.body.collect(upTo: 4096)
        var components = URLComponents()
        components.percentEncodedQuery = String(buffer: body).replacingOccurrences(of: "+", with: "%20")
        return components.queryItems?.first { $0.name == name }?.value
    }
}
