import APITokens
import ArgumentParser
import ConsentModel
import Foundation
import Hummingbird
import KafkaClient
import LedgerAPI
import LedgerFormat
import LedgerIdentity
import LedgerIngest
import Logging
import MerkleLog
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
            Then the checkpoint public key (base64) that regulators and witnesses verify against, and the public key of \
            the subject references (RFC 9497 VOPRF, P-384) with which citizens check their own:
              ledger-key=3kF1…=
              subject-key=A2xN…
            Against a real cluster:
              ledgerd --brokers kafka-1:9092,kafka-2:9092 --data-dir /var/lib/consent-ledger --registry registry.json \\
                --signing-key /etc/consent-ledger/ledger.key --token-keys issuers.jwks.json

            Health, readiness and Prometheus metrics are served at http://<--http>/healthz, /readyz and /metrics (or \
            /metrics apart, for operators only, on --metrics-http); with port 0 the system picks one, and ledgerd prints \
            it as a line http=HOST:PORT (metrics=HOST:PORT).

            The API for citizens, institutions and regulators (docs/api.md, docs/openapi.yaml) is served at \
            http://<--http>/v1/… and takes bearer JWTs signed with EdDSA. Give the issuers' public keys as a JSON Web Key Set:
              ledgerd --brokers kafka-1:9092 --token-keys issuers.jwks.json
            With the embedded broker (or --dev-tokens), ledgerd trusts a development issuer key it keeps in the data \
            directory, and says so at start and in /readyz; mint tokens with:
              ledgerctl token --role citizen --subject CI-1234

            Every option can also come from the environment (LEDGERD_BROKERS, LEDGERD_DATA_DIR, LEDGERD_REGISTRY, \
            LEDGERD_TOPICS, LEDGERD_LEDGER_NAME, LEDGERD_GROUP, LEDGERD_HTTP, LEDGERD_METRICS_HTTP, LEDGERD_KAFKA_CONFIG, LEDGERD_TOKEN_KEYS, \
            LEDGERD_SIGNING_KEY, LEDGERD_WITNESSES, LEDGERD_DEV_TOKENS, LEDGERD_TOKEN_AUDIENCE, LEDGERD_TOKEN_MAX_LIFETIME, \
            LEDGERD_LOG_LEVEL); a flag wins over the environment.
            On first start ledgerd creates its checkpoint signing key (or --signing-key) and subject-reference VOPRF key, \
            owner-only; it never creates them beside ledgers that already exist: restore them from the backup instead.
            SIGINT or SIGTERM stops it cleanly; after a crash, just start it again.
            """
    )

    @Option(help: "Kafka bootstrap servers (host:port,…). Default: host an embedded broker.")
    var brokers: String?

    @Option(help: "Where the ledgers and the ledger's secrets live (made owner-only, 0700). Default: ./\(Settings.Default.dataDirectory)")
    var dataDir: String?

    @Option(
        help: """
            The checkpoint signing key file, kept apart from the ledgers it signs (the production layout; created \
            owner-only on first start). Default: \(LedgerIdentity.signingKeyFile) in the data directory
            """)
    var signingKey: String?

    @Option(
        help: """
            The payload master key file, which wraps the data keys records are sealed under at rest; keep it apart from \
            the data directory and its backups (created owner-only on first start; docs/privacy.md). Default: \
            \(LedgerIdentity.payloadMasterKeyFile) in the data directory
            """)
    var masterKey: String?

    @Option(
        help: """
            The institution registry file (JSON) that judges partitions still under rules/v1. Without one (and without \
            a registry authority) every event is rejected as signed by an unknown key.
            """)
    var registry: String?

    @Option(
        help: """
            The registry authority, ID+KEYID+BASE64KEY as `ledgerctl keys generate --registry-authority` prints it: the one \
            key whose signed registry events move a partition to rules/v2 and register institutions, keys and roles in \
            its log (docs/institutions.md).
            """)
    var registryAuthority: String?

    @Option(help: "Topic definitions, for the embedded broker. Default: ./\(Settings.Default.topics)")
    var topics: String?

    @Option(help: "First part of each ledger origin, <name>/<topic>/<partition>. Default: \(Settings.Default.ledgerName)")
    var ledgerName: String?

    @Option(
        help: """
            librdkafka properties, key=value lines (security.protocol, sasl.*, ssl.*, …), for a cluster that requires TLS \
            or SASL (docs/kafka.md); given to every Kafka client of ledgerd, and checked by librdkafka
            """)
    var kafkaConfig: String?

    @Option(help: "Consumer group shared by all ledgerd instances of one deployment. Default: \(Settings.Default.group)")
    var group: String?

    @Option(
        help:
            "Where the API (/v1/…) is served, with /healthz, /readyz and (without --metrics-http) /metrics (HOST:PORT; port 0 picks one). Default: \(Settings.Default.http)"
    )
    var http: String?

    @Option(
        name: .customLong("metrics-http"),
        help: "Serve /metrics on its own address, for operators only (HOST:PORT; port 0 picks one). Default: with the API on --http")
    var metricsHTTP: String?

    @Option(
        help: """
            API token issuers' public keys: a JWKS file of Ed25519 keys, each with a kid, an iss and optionally the roles \
            it may mint. Required with --brokers (unless --dev-tokens); with the embedded broker, a development issuer \
            in the data directory is trusted instead
            """)
    var tokenKeys: String?

    @Option(
        help: """
            The witnesses whose cosignatures ledgerd keeps beside its ledgers: a policy file of "witness VKEY" lines \
            (docs/ledger-format.md §7). Cosignatures of any other key are counted and not kept. Default: none kept
            """)
    var witnesses: String?

    @Flag(help: "Trust the development token issuer in the data directory even with --brokers: for test clusters only.")
    var devTokens = false

    @Option(help: "The aud every API token must name. Default: \(Settings.Default.tokenPolicy.audience)")
    var tokenAudience: String?

    @Option(
        help:
            "The longest API token lifetime accepted (exp − iat), in seconds. Default: \(Settings.Default.tokenPolicy.maximumLifetime.components.seconds)"
    )
    var tokenMaxLifetime: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical. Default: \(Settings.Default.logLevel)")
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
        } catch {
            logger.critical("\(error)")
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
        }
        if let authority = settings.registryAuthority {
            logger.notice(
                "registry authority \(authority.id) (key \(authority.keyID)): its signed rules change moves a partition to \(Rules.v2)")
        } else if settings.registry == nil {
            logger.warning(
                "no --registry-authority and no --registry: every signed event will be rejected as signed by an unknown key")
        }
        let trust = RegistryTrust(bootstrap: registry, authority: settings.registryAuthority)
        let dataDirectory = URL(fileURLWithPath: settings.dataDirectory, isDirectory: true)
        if embedded != nil { try setAsideStaleLedgers(in: dataDirectory, logger: logger) }
        try await runServices(
            settings, bootstrap: bootstrap, trust: trust, dataDirectory: dataDirectory, metrics: metrics, logger: logger)
        // (settings.tokenKeys is required with --brokers unless --dev-tokens: Settings refuses otherwise.)
        // Every Kafka client was made and let go of in there: the embedded broker goes last, so that no client
        // outlives it to log the connections it refuses.
        withExtendedLifetime(embedded) {}
    }

    /// The ingest pipeline and the HTTP API, until SIGTERM or SIGINT.
    private func runServices(
        _ settings: Settings, bootstrap: String, trust: RegistryTrust, dataDirectory: URL, metrics: PrometheusCollectorRegistry,
        logger: Logger
    ) async throws {
        let identity = try LedgerIdentity.loadOrCreate(
            in: dataDirectory, signingKeyFile: settings.signingKey.map { URL(fileURLWithPath: $0) },
            masterKeyFile: settings.masterKey.map { URL(fileURLWithPath: $0) }, logger: logger)
        // The key regulators, witnesses and citizens check checkpoints against: published, never secret.
        FileHandle.standardOutput.write(
            Data("ledger-key=\(Data(identity.signingKey.publicKey.rawRepresentation).base64EncodedString())\n".utf8))
        // And the subject key, with which citizens check that their subject reference is the one their answers are about.
        if let key = identity.subjectSecret.oprfKey {
            FileHandle.standardOutput.write(Data("subject-key=\(Data(key.publicKey.bytes).base64EncodedString())\n".utf8))
        }
        var configuration = IngestConfiguration(dataDirectory: dataDirectory)
        configuration.ledgerName = settings.ledgerName
        if let path = settings.witnesses {
            do {
                configuration.witnesses = try TrustPolicy.witnesses(inPolicy: String(contentsOfFile: path, encoding: .utf8))
            } catch {
                throw ValidationError("--witnesses \(path): \(error)")
            }
            logger.info("keeping the cosignatures of \(configuration.witnesses.map(\.name).joined(separator: ", "))")
        }
        let kafkaProperties = try settings.kafkaConfig.map { try KafkaProperties.load(from: URL(fileURLWithPath: $0)) } ?? [:]
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        producerConfiguration.maximumRecordBytes = IngestConfiguration.maximumOutputBytes
        producerConfiguration.additionalProperties = kafkaProperties
        var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: settings.group)
        consumerConfiguration.additionalProperties = kafkaProperties
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let ingest = try LedgerIngest(
            configuration: configuration, consumer: consumerConfiguration,
            producer: producer, trust: trust, identity: identity, logger: logger)
        let router = Router()
        let (tokens, tokenNotice, developmentSignIn) = try await tokenVerifier(settings, dataDirectory: dataDirectory, logger: logger)
        OperationsRoutes.add(
            to: router,
            readiness: {
                let readiness = ingest.readiness
                return Readiness(
                    isRunning: readiness.isRunning, quarantined: readiness.quarantined, notices: tokenNotice.map { [$0] } ?? [])
            })
        var services: [any Service] = [ingest]
        if let address = settings.metrics {
            // Operators' figures, apart from the API that citizens and institutions reach.
            let metricsRouter = Router()
            OperationsRoutes.addMetrics(to: metricsRouter, metrics: metrics)
            services.append(
                Application(
                    router: metricsRouter, configuration: .init(address: .hostname(address.host, port: address.port)),
                    onServerRunning: { channel in
                        FileHandle.standardOutput.write(
                            Data("metrics=\(address.host):\(channel.localAddress?.port ?? address.port)\n".utf8))
                    }, logger: logger))
        } else {
            OperationsRoutes.addMetrics(to: router, metrics: metrics)
        }
        try LedgerRoutes.add(
            to: router, ledgers: { ingest.servedLedgers }, unserved: { ingest.unservedOrigins },
            names: InstitutionNames(ingest.institutionName),
            subjectSecret: identity.subjectSecret,
            subjectKeyStatement: try identity.subjectSecret.oprfKey.map {
                try SubjectKeyStatement(ledger: settings.ledgerName, key: $0.publicKey).signed(with: identity.signingKey)
            }, portalKeys: PortalKeys(ledgerKey: identity.signingKey.publicKey, witnesses: configuration.witnesses), tokens: tokens,
            developmentSignIn: developmentSignIn, logger: logger)
        let http = Application(
            router: router, configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.httpPort
                FileHandle.standardOutput.write(Data("http=\(settings.httpHost):\(port)\n".utf8))
            }, logger: logger)
        services.append(http)
        let group = ServiceGroup(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
        await producer.shutdown()
    }

    /// The production issuers' keys if configured, else the development issuer's (created on first use), with the
    /// notice `/readyz` repeats and the citizen's page's sign-in (an hour's citizen token) when development tokens are
    /// trusted.
    private func tokenVerifier(_ settings: Settings, dataDirectory: URL, logger: Logger) async throws -> (
        TokenVerifier, notice: String?, developmentSignIn: (@Sendable (String) async throws -> String)?
    ) {
        if let path = settings.tokenKeys {
            logger.info("API tokens: trusting the issuer keys of \(path), audience \(settings.tokenPolicy.audience)")
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw ValidationError("--token-keys \(path) cannot be read: \(error.localizedDescription)")
            }
            do {
                return (try await TokenVerifier(jwks: text, policy: settings.tokenPolicy), nil, nil)
            } catch {
                throw ValidationError("--token-keys \(path) \(error)")
            }
        }
        let key = try LedgerIdentity.developmentTokenIssuer(in: dataDirectory, create: true, logger: logger)
        let notice =
            "development API tokens are trusted: anyone who can read \(dataDirectory.appendingPathComponent(LedgerIdentity.developmentTokenIssuerFile).path) can mint any role (ledgerctl token); give --token-keys in production"
        logger.warning("\(notice)")
        let issuer = TokenIssuer(
            keyID: LedgerIdentity.developmentTokenKeyID, publicKey: key.publicKey, issuer: LedgerIdentity.developmentTokenIssuerName)
        let signIn: @Sendable (String) async throws -> String = { [audience = settings.tokenPolicy.audience] subject in
            let token = APIToken(
                role: .citizen, subject: subject, issuer: LedgerIdentity.developmentTokenIssuerName, audience: audience, lifetime: 3600)
            return try await TokenVerifier.sign(token, with: key, kid: LedgerIdentity.developmentTokenKeyID)
        }
        return (await TokenVerifier(issuers: [issuer], policy: settings.tokenPolicy), notice, signIn)
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
