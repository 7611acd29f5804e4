import ArgumentParser
import Foundation
import KafkaClient
import Logging

/// Options every subcommand takes.
struct CommonOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Directory of topic definitions (one JSON file per topic).")
    var topics: String = "topics"

    /// Logs go to standard error, so standard output stays for lines that scripts read.
    func makeLogger(label: String) -> Logger {
        Self.makeLogger(label: label, level: logLevel)
    }

    static func makeLogger(label: String, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }

    func topicDefinitions() throws -> [KafkaTopicDefinition] {
        try KafkaTopicDefinition.loadAll(from: URL(fileURLWithPath: topics, isDirectory: true))
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

/// librdkafka properties for talking to a real cluster (TLS, SASL): every command that reaches Kafka takes them.
struct KafkaConfigOption: ParsableArguments {
    @Option(
        help: """
            librdkafka properties, key=value lines (security.protocol, sasl.*, ssl.*, …), for a cluster that requires TLS \
            or SASL (docs/kafka.md). librdkafka checks each one.
            """)
    var kafkaConfig: String?

    /// The file's properties; none without the option.
    func properties() throws -> [String: String] {
        try kafkaConfig.map { try KafkaProperties.load(from: URL(fileURLWithPath: $0)) } ?? [:]
    }
}
