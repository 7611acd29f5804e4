import APITokens
import ArgumentParser
import ConsentModel
import LedgerAPI
import LedgerIngest
import Logging

/// ledgerd's settings, resolved in one place: a flag, else the environment, else the default.
struct Settings {
    let brokers: String?
    let dataDirectory: String
    let registry: String?
    let registryAuthority: RegistryAuthority?
    let topics: String
    let ledgerName: String
    let group: String
    let httpHost: String
    let httpPort: Int
    /// Where `/metrics` is served on its own, for operators only; `nil` serves it with the API.
    let metrics: (host: String, port: Int)?
    let tokenKeys: String?
    let devTokens: Bool
    let tokenPolicy: TokenPolicy
    let signingKey: String?
    let masterKey: String?
    let witnesses: String?
    let kafkaConfig: String?
    let logLevel: Logger.Level

    init(_ flags: Ledgerd, environment: [String: String]) throws {
        func value(_ flag: String?, _ variable: String) -> String? {
            flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        brokers = value(flags.brokers, "LEDGERD_BROKERS")
        dataDirectory = value(flags.dataDir, "LEDGERD_DATA_DIR") ?? Default.dataDirectory
        registry = value(flags.registry, "LEDGERD_REGISTRY")
        do {
            registryAuthority = try value(flags.registryAuthority, "LEDGERD_REGISTRY_AUTHORITY").map(RegistryAuthority.init(parsing:))
        } catch {
            throw ValidationError("--registry-authority: \(error)")
        }
        topics = value(flags.topics, "LEDGERD_TOPICS") ?? Default.topics
        ledgerName = value(flags.ledgerName, "LEDGERD_LEDGER_NAME") ?? Default.ledgerName
        group = value(flags.group, "LEDGERD_GROUP") ?? Default.group
        (httpHost, httpPort) = try Self.address(value(flags.http, "LEDGERD_HTTP") ?? Default.http, flag: "--http")
        metrics = try value(flags.metricsHTTP, "LEDGERD_METRICS_HTTP").map { try Self.address($0, flag: "--metrics-http") }
        tokenKeys = value(flags.tokenKeys, "LEDGERD_TOKEN_KEYS")
        devTokens = flags.devTokens || ["1", "true", "yes"].contains(environment["LEDGERD_DEV_TOKENS"]?.lowercased() ?? "")
        // Anyone who can read the data directory (or a backup of it) could mint a regulator's token with the
        // development issuer: against a real cluster, it is trusted only when asked for by name.
        if brokers != nil, tokenKeys == nil, !devTokens {
            throw ValidationError(
                "with --brokers, give the API token issuers' public keys: --token-keys issuers.jwks.json (docs/api.md); for a test cluster, --dev-tokens trusts a development issuer in the data directory"
            )
        }
        var policy = Default.tokenPolicy
        if let audience = value(flags.tokenAudience, "LEDGERD_TOKEN_AUDIENCE") { policy.audience = audience }
        if let lifetime = value(flags.tokenMaxLifetime.map(String.init), "LEDGERD_TOKEN_MAX_LIFETIME") {
            guard let seconds = Int(lifetime), (60...31_622_400).contains(seconds) else {
                throw ValidationError("--token-max-lifetime is seconds, from 60 to 31,622,400 (366 days), not \(lifetime)")
            }
            policy.maximumLifetime = .seconds(seconds)
        }
        tokenPolicy = policy
        signingKey = value(flags.signingKey, "LEDGERD_SIGNING_KEY")
        masterKey = value(flags.masterKey, "LEDGERD_MASTER_KEY")
        witnesses = value(flags.witnesses, "LEDGERD_WITNESSES")
        kafkaConfig = value(flags.kafkaConfig, "LEDGERD_KAFKA_CONFIG")
        let level = value(flags.logLevel, "LEDGERD_LOG_LEVEL") ?? Default.logLevel.rawValue
        guard let parsed = Logger.Level(rawValue: level) else {
            throw ValidationError("log level \"\(level)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = parsed
    }

    /// What ledgerd uses where neither a flag nor the environment says: written here only, and quoted by `--help`.
    enum Default {
        static let dataDirectory = "data"
        static let topics = "topics"
        static let ledgerName = IngestConfiguration.defaultLedgerName
        static let group = "consent-ledger-ledgerd"
        static let http = "127.0.0.1:8080"
        static let logLevel = Logger.Level.info
        static let tokenPolicy = TokenPolicy()
    }

    private static func address(_ text: String, flag: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("\(flag) \"\(text)\" is not HOST:PORT, for example 127.0.0.1:8080")
        }
        return (String(text[..<colon]), port)
    }
}
