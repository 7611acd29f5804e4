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
        let level = value(flags.logLevel, "LEDGERD_LOG_LEVEL") ?? "info"
        guard let parsed = Logger.Level(rawValue: level) else {
            throw ValidationError("log level \"\(level)\" is not one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = parsed
    }
}
