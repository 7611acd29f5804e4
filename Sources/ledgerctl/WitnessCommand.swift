import ArgumentParser
import ConsentModel
import Crypto
import Foundation
import KafkaClient
import LedgerFormat
import LedgerWitness
import Logging
import MerkleLog

/// An independent witness of a running ledgerd.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Replay the events topic, check a ledgerd's leaves and checkpoints against it, and cosign what matches.",
        discussion: """
            The witness reads every record of the events topic itself and fetches the ledger's leaves from the API. \
            Each leaf must commit to the record at its offset (bytes, timestamp), carry the verdict the rules give \
            that record (rules/v1 under --registry, rules/v2 from a signed rules change under --registry-authority), and give \
            each citizen one subject reference: with --subject-key, the one the blinded protocol gives for that citizen \
            under the ledger's published subject key, as the citizen would obtain it. The tree the leaves build must have the root \
            of the ledger's latest signed checkpoint, and extend every checkpoint this witness cosigned before \
            (kept in --state). Then the witness adds its cosignature (C2SP cosignature/v1) and publishes the \
            cosigned checkpoint to consent-ledger.checkpoints.v1, keyed <origin>/cosigned-by/<witness name>.
            Anything else is an alarm: logged, published to consent-ledger.alerts.v1 (keyed witness/<name>/<origin>), \
            the ledger is never cosigned again by this process, and the exit code is 1.
              ledgerctl keys generate --witness --name witness.example.org --out keys
              ledgerctl witness --brokers 127.0.0.1:40123 --url http://127.0.0.1:8080 --key keys/witness.example.org.witness.key \\
                --ledger-key 3kF1…= --subject-key A2xN… --registry registry.json \
                --token "$(ledgerctl token --role regulator --subject witness)" --once
            Without --once it checks again every --interval seconds until stopped.
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "The ledgerd API's base URL.")
    var url: String

    @Option(help: "The witness's signer key file (from `ledgerctl keys generate --witness`).")
    var key: String

    @Option(help: "The ledger's checkpoint public key (base64), as ledgerd prints it (ledger-key=…).")
    var ledgerKey: String

    @Option(
        help:
            "The ledger's subject key (base64), as ledgerd prints it (subject-key=…): every citizen's leaves must carry the reference the blinded protocol gives under it."
    )
    var subjectKey: String?

    @OptionGroup var trust: RegistryTrustOptions

    @Option(help: "A regulator API token. Default: the environment variable LEDGER_API_TOKEN.")
    var token: String?

    @Option(help: "Where the checkpoints this witness cosigned are kept. Default: beside --key, as NAME.state.json.")
    var state: String?

    @Flag(help: "Check once and stop, instead of watching.")
    var once = false

    @Option(help: "Seconds between checks when watching.")
    var interval: Int = 10

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        try kafka.requireBrokers()
        guard trust.isGiven else {
            throw ValidationError("\(RegistryTrustOptions.required) is required: verdicts are recomputed under them")
        }
        guard (1...86_400).contains(interval) else { throw ValidationError("--interval is seconds, from 1 to 86,400 (a day)") }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "ledgerctl.witness")
        guard let token = token ?? ProcessInfo.processInfo.environment["LEDGER_API_TOKEN"] else {
            throw ValidationError("a regulator token is needed: --token, or LEDGER_API_TOKEN")
        }
        guard let api = URL(string: url), api.scheme != nil else {
            throw ValidationError("--url must be a URL such as http://127.0.0.1:8080")
        }
        let publicKey = try ledgerPublicKey(base64: ledgerKey)
        let publishedSubjectKey = try subjectKey.map(subjectPublicKey(base64:))
        let signer: NoteSigner
        let trust = try self.trust.load()
        do {
            signer = try NoteSigner(
                skey: try String(contentsOfFile: key, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), kind: .cosignatureV1
            )
        } catch {
            throw ValidationError("cannot read --key: \(error)")
        }
        let consumer = try KafkaConsumer(configuration: try kafka.consumerConfiguration(), logger: logger)
        let producer = try KafkaProducer(configuration: try kafka.producerConfiguration(), logger: logger)
        let stateFile = state ?? URL(fileURLWithPath: key).deletingPathExtension().appendingPathExtension("state.json").path
        let witness = try Witness(
            api: api, token: token, consumer: consumer, trust: trust, ledgerKey: publicKey, subjectKey: publishedSubjectKey, signer: signer,
            stateFile: URL(fileURLWithPath: stateFile))
        let name = signer.verifier.name
        var alarmed = false
        var reported: Set<String> = []
        repeat {
            let outcomes: [WitnessOutcome]
            do {
                outcomes = try await witness.round(now: UInt64(Date().timeIntervalSince1970))
            } catch {
                logger.error("could not check the ledgers: \(error)")
                if once { throw ExitCode.failure }
                try await Task.sleep(for: .seconds(interval))
                continue
            }
            var records: [KafkaProducerRecord] = []
            for outcome in outcomes {
                switch outcome {
                case .cosigned(let origin, let size, let note):
                    emit("cosigned \(origin) at \(size) leaves")
                    records.append(
                        KafkaProducerRecord(
                            topic: LedgerTopic.checkpoints,
                            key: Array(CheckpointsTopicKey.cosignature(origin: origin, witness: name).key.utf8),
                            value: Array(note.utf8)))
                case .unchanged(let origin, let size):
                    if once { emit("unchanged \(origin) at \(size) leaves (cosigned before)") }
                case .alarm(let alarm):
                    alarmed = true
                    guard reported.insert(alarm.origin).inserted else { continue }
                    emit("ALARM \(alarm)")
                    logger.critical("\(alarm)")
                    let value: [String: Any] = [
                        "witness": name, "origin": alarm.origin, "reason": alarm.reason, "index": alarm.index.map { Int($0) } ?? NSNull(),
                    ]
                    records.append(
                        KafkaProducerRecord(
                            topic: LedgerTopic.alerts, key: Array(LedgerOrigin.witnessAlarmKey(witness: name, origin: alarm.origin).utf8),
                            value: Array(
                                try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]))))
                }
            }
            for result in await producer.send(records) {
                if case .failure(let error) = result { logger.error("could not publish: \(error.reason)") }
            }
            if !once { try await Task.sleep(for: .seconds(interval)) }
        } while !once
        await producer.shutdown()
        try await consumer.close()
        if alarmed { throw ExitCode.failure }
    }
}
