import ArgumentParser
import ConsentModel
import Foundation
import Hummingbird
import KafkaClient
import LedgerAPI
import LedgerIngest
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

@main
struct Ledgerd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledgerd",
        abstract: "Turn the consent events topic into verifiable per-partition ledgers.",
        discussion: """
            Consumes consent-ledger.events.v1, judges every record with rules/v1, appends it to its partition's \
            SQLite ledger (offsets in the same transaction), and publishes receipts, alerts, rejected records and \
            signed checkpoints.

            Without --brokers, ledgerd hosts an embedded Kafka broker (librdkafka's mock cluster, in memory) with \
            every topic of --topics, and prints its address first:
              bootstrap.servers=127.0.0.1:40123,…
            Then the checkpoint public key (base64) that regulators and witnesses verify against:
              ledger-key=3kF1…=
            Against a real cluster:
              ledgerd --brokers kafka-1:9092,kafka-2:9092 --data-dir /var/lib/consent-ledger --registry registry.json

            Health, readiness and Prometheus metrics are served at http://<--http>/healthz, /readyz and /metrics; with \
            port 0 the system picks one, and ledgerd prints it as a line http=HOST:PORT.

            The API for citizens, institutions and regulators (docs/api.md, docs/openapi.yaml) is served at \
            http://<--http>/v1/… and takes bearer JWTs signed with EdDSA. Give the issuers' public keys as a JSON Web Key Set:
              ledgerd --token-keys issuers.jwks.json
            Without --token-keys, ledgerd trusts a development issuer key it keeps in the data directory; mint tokens with:
              ledgerctl token --role citizen --subject CI-1234

            Every option can also come from the environment (LEDGERD_BROKERS, LEDGERD_DATA_DIR, LEDGERD_REGISTRY, \
            LEDGERD_TOPICS, LEDGERD_LEDGER_NAME, LEDGERD_GROUP, LEDGERD_HTTP, LEDGERD_TOKEN_KEYS, \
            LEDGERD_LOG_LEVEL); a flag wins over the environment.
            On first start ledgerd creates its checkpoint signing key and subject-reference secret in the data directory.
            SIGINT or SIGTERM stops it cleanly; after a crash, just start it again.
            """
    )

    @Option(help: "Kafka bootstrap servers (host:port,…). Default: host an embedded broker.")
    var brokers: String?

    @Option(help: "Where the ledgers and the ledger's secrets live. Default: ./data")
    var dataDir: String?

    @Option(help: "The institution registry (JSON). Without one, every event is rejected as signed by an unknown key.")
    var registry: String?

    @Option(help: "Topic definitions, for the embedded broker. Default: ./topics")
    var topics: String?

    @Option(help: "First part of each ledger origin, <name>/<topic>/<partition>. Default: consent-ledger.local")
    var ledgerName: String?

    @Option(help: "Consumer group shared by all ledgerd instances of one deployment. Default: consent-ledger-ledgerd")
    var group: String?

    @Option(help: "Where to serve /healthz, /readyz and /metrics (HOST:PORT; port 0 picks one). Default: 127.0.0.1:8080")
    var http: String?

    @Option(help: "API token issuers' public keys (a JWKS file of Ed25519 keys). Default: a development issuer in the data directory")
    var tokenKeys: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical. Default: info")
    var logLevel: String?

    func run() async throws {
        let settings = try Settings(self, environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let logger = Logger(label: "ledgerd")
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        do {
            try await serve(settings, metrics: metrics, logger: logger)
        } catch let error as KafkaError {
            logger.critical("\(error.reason)")
            throw ExitCode.failure
        } catch let error as ConsentModelError {
            logger.critical("registry \(settings.registry ?? ""): \(error)")
            throw ExitCode.failure
        }
    }

    private func serve(_ settings: Settings, metrics: PrometheusCollectorRegistry, logger: Logger) async throws {
        var embedded: KafkaMockCluster?
        let bootstrap: String
        if let brokers = settings.brokers {
            bootstrap = brokers
        } else {
            let definitions = try KafkaTopicDefinition.loadAll(from: URL(fileURLWithPath: settings.topics, isDirectory: true))
            let cluster = try KafkaMockCluster(brokers: 3, topics: definitions, logger: logger)
            embedded = cluster
            bootstrap = cluster.bootstrapServers
            FileHandle.standardOutput.write(Data("bootstrap.servers=\(bootstrap)\n".utf8))
            logger.notice("embedded broker (in memory, ~5 MiB per partition) with \(definitions.count) topics at \(bootstrap)")
        }
        let registry: InstitutionRegistry
        if let path = settings.registry {
            registry = try InstitutionRegistry.load(from: Data(contentsOf: URL(fileURLWithPath: path)))
            logger.info("registry \(path): \(registry.institutions.count) institutions")
        } else {
            registry = try InstitutionRegistry(institutions: [])
            logger.warning("no --registry: every signed event will be rejected as signed by an unknown key")
        }
        let dataDirectory = URL(fileURLWithPath: settings.dataDirectory, isDirectory: true)
        if embedded != nil { try setAsideStaleLedgers(in: dataDirectory, logger: logger) }
        try await runServices(
            settings, bootstrap: bootstrap, registry: registry, dataDirectory: dataDirectory, metrics: metrics, logger: logger)
        // Every Kafka client was made and let go of in there: the embedded broker goes last, so that no client
        // outlives it to log the connections it refuses.
        withExtendedLifetime(embedded) {}
    }

    /// The ingest pipeline and the HTTP API, until SIGTERM or SIGINT.
    private func runServices(
        _ settings: Settings, bootstrap: String, registry: InstitutionRegistry, dataDirectory: URL, metrics: PrometheusCollectorRegistry,
        logger: Logger
    ) async throws {
        let identity = try LedgerIdentity.loadOrCreate(in: dataDirectory, logger: logger)
        // The key regulators, witnesses and citizens check checkpoints against: published, never secret.
        FileHandle.standardOutput.write(
            Data("ledger-key=\(Data(identity.signingKey.publicKey.rawRepresentation).base64EncodedString())\n".utf8))
        var configuration = IngestConfiguration(dataDirectory: dataDirectory)
        configuration.ledgerName = settings.ledgerName
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        producerConfiguration.maximumRecordBytes = IngestConfiguration.maximumOutputBytes
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let ingest = LedgerIngest(
            configuration: configuration, consumer: KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: settings.group),
            producer: producer, registry: registry, identity: identity, logger: logger)
        let router = Router()
        OperationsRoutes.add(
            to: router,
            readiness: {
                let readiness = ingest.readiness
                return Readiness(isRunning: readiness.isRunning, quarantined: readiness.quarantined)
            }, metrics: metrics)
        try LedgerRoutes.add(
            to: router, ledgers: { ingest.servedLedgers }, unserved: { ingest.unservedOrigins }, registry: registry,
            subjectSecret: identity.subjectSecret,
            tokens: try await tokenVerifier(settings, dataDirectory: dataDirectory, logger: logger), logger: logger)
        let http = Application(
            router: router, configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.httpPort
                FileHandle.standardOutput.write(Data("http=\(settings.httpHost):\(port)\n".utf8))
            }, logger: logger)
        let group = ServiceGroup(services: [ingest, http], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        await producer.shutdown()
    }

    /// The production issuers' keys if configured, else the development issuer's (created on first use).
    private func tokenVerifier(_ settings: Settings, dataDirectory: URL, logger: Logger) async throws -> TokenVerifier {
        if let path = settings.tokenKeys {
            logger.info("API tokens: trusting the issuer keys of \(path)")
            do {
                return try await TokenVerifier(jwks: String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw IngestError("--token-keys \(path) is not a readable JSON Web Key Set: \(error)")
            }
        }
        let key = try LedgerIdentity.developmentTokenIssuer(in: dataDirectory, create: true, logger: logger)
        logger.notice(
            "API tokens: trusting the development issuer key in \(dataDirectory.path) (mint tokens with ledgerctl token); use --token-keys in production"
        )
        return await TokenVerifier(publicKeys: [LedgerIdentity.developmentTokenKeyID: key.publicKey])
    }

    /// The embedded broker starts empty, so ledgers left by an earlier embedded run describe records
    /// that no longer exist and cannot be continued. Move them aside (never delete) and start afresh.
    private func setAsideStaleLedgers(in directory: URL, logger: Logger) throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        guard files.contains(where: { $0.hasSuffix(".sqlite") }) else { return }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let aside = directory.deletingLastPathComponent().appendingPathComponent("\(directory.lastPathComponent).previous-\(stamp)")
        try FileManager.default.moveItem(at: directory, to: aside)
        logger.notice("the embedded broker starts empty: moved the earlier run's ledgers to \(aside.path)")
    }
}
