import ArgumentParser
import ConsentModel
import Foundation
import KafkaClient
import Logging

/// How much a command logs, to standard error (standard output stays for lines that scripts read). Every command has
/// the same default.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .notice

    func makeLogger(label: String) -> Logger {
        LoggingSystem.bootstrap { [logLevel] label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        return Logger(label: label)
    }
}

/// The topic definitions a command creates or checks.
struct TopicDefinitionsOption: ParsableArguments {
    @Option(help: "Directory of topic definitions (one JSON file per topic).")
    var topics: String = "topics"

    func load() throws -> [KafkaTopicDefinition] {
        try KafkaTopicDefinition.loadAll(from: URL(fileURLWithPath: topics, isDirectory: true))
    }
}

/// Where the Kafka cluster is and how to reach it: every command that talks to one takes these.
struct KafkaOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A bootstrap server of the cluster; repeat the option or separate servers with commas (ledgerd prints the embedded broker's address).",
            valueName: "host:port"))
    var brokers: [String] = []

    @Option(
        help: """
            librdkafka properties, key=value lines (security.protocol, sasl.*, ssl.*, …), for a cluster that requires TLS \
            or SASL (docs/kafka.md). librdkafka checks each one.
            """)
    var kafkaConfig: String?

    /// Every server given, each a `host:port`.
    var servers: [String] {
        brokers.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    func validate() throws {
        for server in servers {
            guard let colon = server.lastIndex(of: ":"), colon != server.startIndex,
                let port = UInt16(server[server.index(after: colon)...]), port > 0
            else {
                throw ValidationError("--brokers takes host:port, such as 127.0.0.1:9092; \"\(EchoedText.capped(server))\" is not one")
            }
        }
    }

    /// For a command that cannot work without a cluster: says what to give when none was.
    func requireBrokers() throws {
        guard !servers.isEmpty else {
            throw ValidationError("--brokers is required: the cluster's bootstrap servers (ledgerd prints the embedded broker's address)")
        }
    }

    /// The file's properties; none without the option.
    func properties() throws -> [String: String] {
        try kafkaConfig.map { try KafkaProperties.load(from: URL(fileURLWithPath: $0)) } ?? [:]
    }

    func producerConfiguration() throws -> KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(bootstrapServers: servers)
        configuration.additionalProperties = try properties()
        return configuration
    }

    func consumerConfiguration() throws -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: servers)
        configuration.additionalProperties = try properties()
        return configuration
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Writes one line to standard output and flushes it, so a script reading a pipe sees it at once.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Says `message` on standard error as `error: …` and returns the exit code to throw: how a command fails in words.
func failure(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    return ExitCode.failure
}

/// Runs a command body, turning a ``KafkaError`` into its reason on standard error and exit code 1.
func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as KafkaError {
        throw failure(error.reason)
    }
}

/// What verdicts are judged under: the registry file (rules/v1) and the registry authority (rules/v2), as ledgerd was
/// given them.
struct RegistryTrustOptions: ParsableArguments {
    @Option(help: "The institution registry file ledgerd was given (JSON): partitions under rules/v1 are judged with it.")
    var registry: String?

    @Option(help: "The registry authority ledgerd was given (ID+KEYID+BASE64KEY): partitions it moved to rules/v2 are judged with it.")
    var registryAuthority: String?

    var isGiven: Bool { registry != nil || registryAuthority != nil }

    static let required = "--registry or --registry-authority (as ledgerd was given them)"

    func load() throws -> RegistryTrust {
        let bootstrap: InstitutionRegistry
        do {
            bootstrap =
                try registry.map { try InstitutionRegistry.load(from: Data(contentsOf: URL(fileURLWithPath: $0))) }
                ?? InstitutionRegistry(institutions: [])
        } catch {
            throw ValidationError("cannot read the registry \(registry ?? ""): \(error)")
        }
        do {
            return RegistryTrust(bootstrap: bootstrap, authority: try registryAuthority.map(RegistryAuthority.init(parsing:)))
        } catch {
            throw ValidationError("--registry-authority: \(error)")
        }
    }
}
