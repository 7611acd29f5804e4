import ArgumentParser
import KafkaClient

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Manage the Kafka topics the ledger uses.",
        subcommands: [Apply.self]
    )

    struct Apply: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the defined topics on a Kafka cluster; report any existing topic that differs.",
            discussion: """
                Idempotent: topics that exist as defined are left alone, missing ones are created with their \
                partitions, replication factor and configs. An existing topic whose partition count or configs \
                differ from its definition is reported line by line and the command exits 1 without touching it: \
                changing a partition count would change which ledger each subject belongs to.

                Example:
                  ledgerctl topics apply --brokers kafka-1:9092,kafka-2:9092

                The embedded broker (`ledgerctl broker`, or ledgerd without --brokers) already has every topic and \
                implements no Admin API; this command says so and exits 1 when pointed at it.
                """
        )

        @OptionGroup var kafka: KafkaOptions

        @Option(help: "Seconds to wait for the cluster's answers.")
        var timeout: Int = 10

        @OptionGroup var topics: TopicDefinitionsOption

        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            try kafka.requireBrokers()
            guard (1...3_600).contains(timeout) else { throw ValidationError("--timeout is seconds, from 1 to 3,600") }
        }

        func run() async throws {
            let logger = logging.makeLogger(label: "ledgerctl.topics")
            try await reportingFailures {
                let definitions = try topics.load()
                let admin = try KafkaAdmin(
                    bootstrapServers: kafka.servers, properties: try kafka.properties(),
                    timeout: .seconds(timeout),
                    logger: logger
                )
                let states = try await admin.compare(definitions)
                let missing = states.filter { $0.1 == .missing }.map(\.0)
                if !missing.isEmpty { try await admin.create(missing) }
                var differing = 0
                for (definition, state) in states {
                    switch state {
                    case .missing: emit("created  \(definition.name) (\(definition.partitions) partitions)")
                    case .matches: emit("ok       \(definition.name)")
                    case .differs(let differences):
                        differing += 1
                        emit("DIFFERS  \(definition.name)")
                        for difference in differences { emit("         \(difference)") }
                    }
                }
                emit("\(missing.count) created, \(states.count - missing.count - differing) unchanged, \(differing) differ")
                if differing > 0 { throw ExitCode.failure }
            }
        }
    }
}
