import ArgumentParser
import KafkaClient
import Logging
import ServiceLifecycle

struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Host the embedded Kafka broker, with every topic of the topics directory created.",
        discussion: """
            The embedded broker is librdkafka's mock cluster: real Kafka on TCP ports of 127.0.0.1, held in \
            memory by this process, gone when it stops. Each partition keeps only about 5 MiB and drops the \
            oldest records beyond that without error: it is for development and tests, not production.

            The first line on standard output is the address to bootstrap from:
              bootstrap.servers=127.0.0.1:40123,127.0.0.1:40125,127.0.0.1:40127
            so a script can start it and read the address:
              ledgerctl broker > broker.out & sleep 1; sed -n 's/^bootstrap.servers=//p' broker.out
            Then any Kafka client can use it, for example:
              kcat -L -b 127.0.0.1:40123
            Stop it with Ctrl-C or SIGTERM.
            """
    )

    @Option(help: "Number of brokers in the embedded cluster (topics with replication factor 3 need 3).")
    var brokers: Int = 3

    @OptionGroup var topics: TopicDefinitionsOption

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...64).contains(brokers) else { throw ValidationError("--brokers is the number of embedded brokers, from 1 to 64") }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "ledgerctl.broker")
        try await reportingFailures {
            let definitions = try topics.load()
            let cluster = try KafkaMockCluster(brokers: brokers, topics: definitions, logger: logger)
            emit("bootstrap.servers=\(cluster.bootstrapServers)")
            logger.notice("embedded broker ready with \(brokers) brokers and \(definitions.count) topics; Ctrl-C stops it")
            let group = ServiceGroup(
                services: [EmbeddedBrokerService(cluster: cluster)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
            try await group.run()
            logger.notice("embedded broker stopped")
        }
    }
}

/// Keeps the embedded broker alive until graceful shutdown.
struct EmbeddedBrokerService: Service {
    let cluster: KafkaMockCluster

    func run() async throws {
        try? await gracefulShutdown()
        withExtendedLifetime(cluster) {}
    }
}
