import Foundation
import KafkaClient
import Logging
import Testing

@Suite("ledgerd as a service", .serialized)
struct LedgerdServiceTests {
    func get(_ url: String) throws -> (status: Int32, body: String) {
        let result = try ChildProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-s", "-o", "-", "-w", "\n%{http_code}", url])
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int32(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

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
        #expect(try get("http://\(http)/readyz").status == 200)

        ledgerd.process.terminate()
        let result = ledgerd.finish()
        #expect(result.status == 0)
        // Its Kafka clients close before the embedded broker does.
        #expect(!result.stderr.contains("Connection refused"), "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("checkpoint-signing.key").path))
    }
}
