import ArgumentParser

@main
struct Ledgerctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledgerctl",
        abstract:
            "Operate, feed and check a ConsentLedger: the embedded broker, topics, keys, publishing, API tokens, offline verification.",
        discussion: """
            Start an embedded Kafka broker with every topic created, for development and tests:
              ledgerctl broker
            Create the topics on a real cluster (idempotent; reports differences):
              ledgerctl topics apply --brokers kafka-1:9092,kafka-2:9092
            Check an event file as ledgerd will read it:
              ledgerctl validate event.json
            Give an institution a signing key, then publish its events (JSON Lines) signed:
              ledgerctl keys generate --institution bank-a --role dataHolder
              ledgerctl publish --brokers 127.0.0.1:9092 --key keys/bank-a.key events.jsonl
            Simulate MyData traffic (writes its own registry and keys to ./simulation first):
              ledgerctl simulate --brokers 127.0.0.1:9092 --rate 200 --duration 30
            Mint a development API token for a running ledgerd:
              ledgerctl token --role citizen --subject CI-1234
            Back up a running ledgerd's data directory, consistently:
              ledgerctl backup --data-dir data --out backups/today
            Check a data directory's ledgers offline, as a regulator does:
              ledgerctl verify --data-dir data --registry topics/registry/example-registry.json
            Witness a running ledgerd: replay the topic, check its leaves, cosign its checkpoints:
              ledgerctl witness --brokers … --url http://127.0.0.1:8080 --key w.witness.key --ledger-key … --registry … --once
            """,
        subcommands: [
            BrokerCommand.self, TopicsCommand.self, KeysCommand.self, ValidateCommand.self, PublishCommand.self, SimulateCommand.self,
            TokenCommand.self, RegistryCommand.self,
            HistoryCommand.self, CheckBundleCommand.self, VerifyCommand.self, BackupCommand.self, WitnessCommand.self,
        ]
    )
}
