import APITokens
import ConsentModel
import Crypto
import Foundation
import Hummingbird
import LedgerAPI
import LedgerStore
import Logging

/// Serves `ledgers` through the real API on a free port of 127.0.0.1 for the duration of `body`, which
/// gets the base URL and a way to mint tokens from the test issuer the server trusts. `ledgerKey` is what the citizen's
/// page hands its browser check (which runs only in a browser: tools/browser-test.py). With `rewrite`, the server lies:
/// every answer's body is what `rewrite` makes of it, for the tests of what a client must notice.
public func servingAPI<T>(
    _ ledgers: [PartitionLedger], registry: InstitutionRegistry, secret: SubjectSecret, subjectKeyStatement: String? = nil,
    ledgerKey: Curve25519.Signing.PublicKey = Curve25519.Signing.PrivateKey().publicKey,
    rewrite: (@Sendable (_ path: String, _ body: String) -> String)? = nil,
    _ body: (URL, _ token: @Sendable (APIToken.Role, String) async throws -> String) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test-api")
    logger.logLevel = .critical
    let issuer = Curve25519.Signing.PrivateKey()
    let router = Router()
    if let rewrite { router.add(middleware: LyingMiddleware(rewrite: rewrite)) }
    try LedgerRoutes.add(
        to: router, ledgers: { ledgers }, names: InstitutionNames(registry: registry), subjectSecret: secret,
        subjectKeyStatement: subjectKeyStatement, portalKeys: PortalKeys(ledgerKey: ledgerKey, witnesses: []),
        tokens: await TokenVerifier(issuers: [TokenIssuer(keyID: "test", publicKey: issuer.publicKey, issuer: "test")]), logger: logger)
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let app = Application(
        router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { portSink.yield($0.localAddress?.port ?? 0) }, logger: logger)
    let server = Task { try await app.runService() }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
    return try await body(URL(string: "http://127.0.0.1:\(port)")!) { role, subject in
        try await TokenVerifier.sign(
            APIToken(role: role, subject: subject, issuer: "test", lifetime: 600), with: issuer, kid: "test")
    }
}

/// Rewrites every answer's body, as a dishonest server would.
struct LyingMiddleware<Context: RequestContext>: RouterMiddleware {
    let rewrite: @Sendable (_ path: String, _ body: String) -> String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let collected = CollectedBody()
        try await response.body.write(collected)
        response.body = ResponseBody(byteBuffer: ByteBuffer(string: rewrite(request.uri.path, String(buffer: collected.buffer))))
        return response
    }
}

/// Where a response body is written, to be read back.
final class CollectedBody: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ buffer: ByteBuffer) async throws {
        self.buffer.writeImmutableBuffer(buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
