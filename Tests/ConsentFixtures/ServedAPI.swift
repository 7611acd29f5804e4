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
/// page hands its browser check (which runs only in a browser: tools/browser-test.py).
public func servingAPI<T>(
    _ ledgers: [PartitionLedger], registry: InstitutionRegistry, secret: SubjectSecret, subjectKeyStatement: String? = nil,
    ledgerKey: Curve25519.Signing.PublicKey = Curve25519.Signing.PrivateKey().publicKey,
    _ body: (URL, _ token: @Sendable (APIToken.Role, String) async throws -> String) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test-api")
    logger.logLevel = .critical
    let issuer = Curve25519.Signing.PrivateKey()
    let router = Router()
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
