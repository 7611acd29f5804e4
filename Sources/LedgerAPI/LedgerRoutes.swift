import APITokens
import ConsentModel
import Hummingbird
import LedgerStore
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime

/// The API of openapi.yaml, for citizens, institutions and regulators, and the citizen's page, on a Hummingbird router.
public enum LedgerRoutes {
    /// - Parameters:
    ///   - ledgers: the partition ledgers this process serves now, by partition (asked per request, as
    ///     partitions come and go with the consumer group).
    ///   - unserved: the origins of ledgers this process holds but cannot serve now (quarantined), which an
    ///     answer about every ledger (a citizen's completeness) lists as pending.
    ///   - subjectSecret: turns a citizen token's subject into the reference the ledgers index.
    ///   - subjectKeyStatement: the ledger's signed subject key statement (LedgerFormat's `SubjectKeyStatement`), when
    ///     its subject secret is a VOPRF key.
    ///   - portalKeys: the ledger's keys, against which the citizen's page checks a bundle in the browser.
    ///   - developmentSignIn: mints a citizen's token for an identifier, for the citizen's page's development sign-in;
    ///     only when development tokens are trusted.
    public static func add(
        to router: Router<some RequestContext>, ledgers: @escaping @Sendable () -> [PartitionLedger],
        unserved: @escaping @Sendable () -> [String] = { [] }, names: InstitutionNames, subjectSecret: SubjectSecret,
        subjectKeyStatement: String? = nil, portalKeys: PortalKeys, tokens: TokenVerifier,
        developmentSignIn: (@Sendable (String) async throws -> String)? = nil, logger: Logger
    ) throws {
        let handler = LedgerAPIHandler(
            ledgers: ledgers, unserved: unserved, names: names, subjectSecret: subjectSecret, subjectKeyStatement: subjectKeyStatement)
        try handler.registerHandlers(
            on: router, configuration: Configuration(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]),
            middlewares: [
                ProblemMiddleware(logger: logger), AuthenticationMiddleware(verifier: tokens), ParameterLengthMiddleware(),
                BodySizeMiddleware(),
            ])
        PortalRoutes(handler: handler, keys: portalKeys, tokens: tokens, developmentSignIn: developmentSignIn).add(to: router)
    }
}
