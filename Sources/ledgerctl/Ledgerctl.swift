import ArgumentParser

@main
struct Ledgerctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledgerctl",
        abstract: "Operate and check a ConsentLedger: the embedded broker, the Kafka topics, API tokens, offline verification.",
        discussion: """
            Start an embedded Kafka broker with every topic created, for development and tests:
              ledgerctl broker
            Create the topics on a real cluster (idempotent; reports differences):
              ledgerctl topics apply --brokers kafka-1:9092,kafka-2:9092
            Mint a development API token for a running ledgerd:
              ledgerctl token --role citizen --subject CI-1234
            Check a data directory's ledgers offline, as a regulator does:
              ledgerctl verify --data-dir data --registry topics/registry/example-registry.json
            """,
        subcommands: [BrokerCommand.self, TopicsCommand.self, TokenCommand.self, VerifyCommand.self]
    )
}
