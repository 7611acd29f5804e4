import ArgumentParser

@main
struct Ledgerctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledgerctl",
        abstract: "Operate a ConsentLedger: the embedded broker, the Kafka topics it needs, and API tokens.",
        discussion: """
            Start an embedded Kafka broker with every topic created, for development and tests:
              ledgerctl broker
            Create the topics on a real cluster (idempotent; reports differences):
              ledgerctl topics apply --brokers kafka-1:9092,kafka-2:9092
            Mint a development API token for a running ledgerd:
              ledgerctl token --role citizen --subject CI-1234
            """,
        subcommands: [BrokerCommand.self, TopicsCommand.self, TokenCommand.self]
    )
}
