import Foundation
import KafkaClient
import Logging
import Testing

@Suite("ledgerd as a service", .serialized, .timeLimit(.minutes(10)))
struct LedgerdServiceTests {
    @Test("on its embedded broker: prints both addresses, is healthy and ready, counts what it ingests, stops cleanly on SIGTERM")
    func embedded() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerd-\(UUID().uuidString)")
        let ledgerd = try ChildProcess(
            ledgerd,
            [
                "--data-dir", data.path, "--topics", packageRoot.appendingPathComponent("topics").path, "--http", "127.0.0.1:0",
                "--log-level", "warning",
            ])
        let bootstrap = try ledgerd.waitForLine(startingWith: "bootstrap.servers=")
        let http = try ledgerd.waitForLine(startingWith: "http=")
        #expect(try get("http://\(http)/healthz").status == 200)

        var logger = Logger(label: "test")
        logger.logLevel = .error
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: logger)
        _ = try await producer.send(KafkaProducerRecord(topic: "consent-ledger.events.v1", key: Array("CI-1".utf8), value: nil))
        await producer.shutdown()

        let deadline = ContinuousClock.now + .seconds(30)
        var metrics = ""
        while !metrics.contains(#"ledger_rejected_total{reason="tombstone"} 1"#), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            metrics = try get("http://\(http)/metrics").body
        }
        #expect(metrics.contains(#"ledger_rejected_total{reason="tombstone"} 1"#), "\(metrics)")
        #expect(metrics.contains("ledger_events_in_total 1"))
        let readiness = try get("http://\(http)/readyz")
        #expect(readiness.status == 200)
        // On the embedded broker the development token issuer is trusted, and readiness says so.
        #expect(readiness.body.contains("note: development API tokens are trusted"), "\(readiness.body)")

        ledgerd.process.terminate()
        let result = ledgerd.finish()
        #expect(result.status == 0)
        // Its Kafka clients close before the embedded broker does.
        #expect(!result.stderr.contains("Connection refused"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("checkpoint-signing.key").path))
    }

    @Test("--metrics-http serves /metrics apart from the API; under MyData traffic no subject identifier reaches a log line or a metric")
    func metricsApartAndNoPersonalData() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerd-\(UUID().uuidString)")
        let simulation = work.appendingPathComponent("sim").path
        #expect(try ChildProcess.run(ledgerctl, ["simulate", "--setup-only", "--out", simulation]).status == 0)
        let ledgerd = try ChildProcess(
            ledgerd,
            [
                "--data-dir", work.appendingPathComponent("data").path, "--topics", packageRoot.appendingPathComponent("topics").path,
                "--registry", "\(simulation)/registry.json", "--http", "127.0.0.1:0", "--metrics-http", "127.0.0.1:0", "--log-level",
                "debug",
            ])
        let bootstrap = try ledgerd.waitForLine(startingWith: "bootstrap.servers=")
        // The API and the metrics are two servers that start together: their lines come in either order.
        let addresses = try ledgerd.waitForLines(startingWith: ["metrics=", "http="])
        let (metricsAddress, http) = (addresses["metrics="]!, addresses["http="]!)
        let sent = try ChildProcess.run(
            ledgerctl, ["simulate", "--brokers", bootstrap, "--out", simulation, "--rate", "200", "--duration", "3", "--subjects", "50"])
        #expect(sent.status == 0, "\(sent.stderr)")
        var metrics = ""
        let deadline = ContinuousClock.now + .seconds(30)
        while !metrics.contains("ledger_verdicts_total"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
            metrics = try get("http://\(metricsAddress)/metrics").body
        }
        #expect(metrics.contains("ledger_events_in_total"))
        #expect(try get("http://\(http)/metrics").status == 404, "the API's address serves no metrics")
        ledgerd.process.terminate()
        let stopped = ledgerd.finish()
        #expect(stopped.status == 0)
        // The simulated citizens are CI-KR-0000000000001 … CI-KR-0000000000050; the ledger keeps only their keyed hashes.
        #expect(!metrics.contains("CI-KR-"), "a subject identifier in the metrics")
        #expect(!stopped.stderr.contains("CI-KR-"), "a subject identifier in the log")
        #expect(!stopped.stdout.contains("CI-KR-"))
    }

    @Test("against a real cluster without --token-keys, ledgerd refuses to start and says what to give it")
    func noTokenKeys() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("ledgerd-\(UUID().uuidString)")
        let result = try ChildProcess.run(ledgerd, ["--brokers", "127.0.0.1:1", "--data-dir", data.path, "--http", "127.0.0.1:0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("give the API token issuers' public keys: --token-keys"), "\(result.stderr)")
        #expect(result.stderr.contains("--dev-tokens"))
        #expect(!FileManager.default.fileExists(atPath: data.path), "nothing was made before refusing")
    }
}
