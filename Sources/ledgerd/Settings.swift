import ArgumentParser
import Logging

/// ledgerd's settings, resolved in one place: a flag, else the environment, else the default.
struct Settings {
    let brokers: String?
    let dataDirectory: String
    let registry: String?
    let topics: String
    let ledgerName: String
    let group: String
    let httpHost: String
    let httpPort: Int
    let tokenKeys: String?
    let logLevel: Logger.Level

    init(_ flags: Ledgerd, environment: [String: String]) throws {
        func value(_ flag: String?, _ variable: String) -> String? {
            flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        brokers = value(flags.brokers, "LEDGERD_BROKERS")
        dataDirectory = value(flags.dataDir, "LEDGERD_DATA_DIR") ?? "data"
        registry = value(flags.registry, "LEDGERD_REGISTRY")
        topics = value(flags.topics, "LEDGERD_TOPICS") ?? "topics"
        ledgerName = value(flags.ledgerName, "LEDGERD_LEDGER_NAME") ?? "consent-ledger.local"
        group = value(flags.group, "LEDGERD_GROUP") ?? "consent-ledger-ledgerd"
        let http = value(flags.http, "LEDGERD_HTTP") ?? "127.0.0.1:8080"
        guard let colon = http.lastIndex(of: ":"), let port = Int(http[http.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--http \"\(http)\" is not HOST:PORT, for example 127.0.0.1:8080")
        }
        httpHost = String(http[..<colon])
        httpPort = port
        tokenKeys = value(flags.tokenKeys, "LEDGERD_TOKEN_KEYS")
        let level = value(flags.logLevel, "LEDGERD_LOG_LEVEL") ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else {
            throw ValidationError("log level \"\(level)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = parsed
    }
}
