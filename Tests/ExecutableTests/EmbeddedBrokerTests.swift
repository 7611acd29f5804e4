import Foundation
import KafkaClient
import Logging
import Testing

@Suite("ledgerctl broker", .serialized, .timeLimit(.minutes(10)))
struct EmbeddedBrokerTests {
    let topicsDirectory = packageRoot.appendingPathComponent("topics").path
    let topic = "consent-ledger.events.v1"

    func startBroker() throws -> (ChildProcess, String) {
        let broker = try ChildProcess(ledgerctl, ["broker", "--topics", topicsDirectory, "--log-level", "warning"])
        let bootstrap = try broker.waitForLine(startingWith: "bootstrap.servers=")
        return (broker, bootstrap)
    }

    @Test("prints a bootstrap address that kcat can list every defined topic from")
    func kcatListsTopics() throws {
        let (broker, bootstrap) = try startBroker()
        let listing = try ChildProcess.run(kcat, ["-L", "-b", bootstrap, "-m", "10"])
        #expect(listing.status == 0, "\(listing.stderr)")
        for definition in try KafkaTopicDefinition.loadAll(from: URL(fileURLWithPath: topicsDirectory)) {
            #expect(listing.stdout.contains("topic \"\(definition.name)\" with \(definition.partitions) partitions"))
        }
        broker.process.terminate()
        #expect(broker.finish().status == 0, "SIGTERM is a clean stop")
    }

    @Test("a record produced by kcat is consumed by KafkaClient, and the other way round")
    func kcatInterop() async throws {
        let (broker, bootstrap) = try startBroker()
        defer { broker.process.terminate() }
        var logger = Logger(label: "test")
        logger.logLevel = .error

        // kcat → KafkaClient, to an explicit partition with a key and a header.
        let echo = try shell("printf 'from-kcat' | kcat -P -b \(bootstrap) -t \(topic) -p 3 -k subject-1 -H ce-source=kcat")
        #expect(echo.status == 0, "\(echo.stderr)")
        var configuration = KafkaConsumerConfiguration(bootstrapServers: [bootstrap])
        configuration.sessionTimeout = .seconds(6)
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try await consumer.assign([KafkaTopicPartition(topic: topic, partition: 3): .beginning])
        var iterator = consumer.records.makeAsyncIterator()
        let record = try #require(try await iterator.next())
        #expect(record.value == Array("from-kcat".utf8))
        #expect(record.key == Array("subject-1".utf8))
        #expect(record.headers.first(named: "ce-source") == Array("kcat".utf8))

        // KafkaClient → kcat.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: logger)
        let report = try await producer.send(
            KafkaProducerRecord(topic: topic, partition: 5, key: Array("subject-2".utf8), value: Array("from-swift".utf8)))
        await producer.shutdown()
        let read = try ChildProcess.run(
            kcat, ["-C", "-b", bootstrap, "-t", topic, "-p", "5", "-o", "\(report.offset)", "-c", "1", "-e", "-f", "%k=%s"])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout == "subject-2=from-swift")
    }

    @Test("topics apply against the embedded broker fails and says it has no Admin API")
    func topicsApplyRefusesEmbeddedBroker() throws {
        let (broker, bootstrap) = try startBroker()
        defer { broker.process.terminate() }
        let result = try ChildProcess.run(ledgerctl, ["topics", "apply", "--brokers", bootstrap, "--topics", topicsDirectory])
        #expect(result.status == 1)
        #expect(result.stderr.contains("embedded broker"))
        #expect(result.stderr.contains("implements no Admin API"))
    }

    @Test("topics apply where no broker listens fails within its timeout and says what to check")
    func topicsApplyNothingListening() throws {
        let result = try ChildProcess.run(
            ledgerctl,
            ["topics", "apply", "--brokers", "127.0.0.1:1", "--timeout", "2", "--topics", topicsDirectory, "--log-level", "critical"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no broker answered within 2"))
        #expect(result.stderr.contains("--brokers"))
    }

    @Test("a malformed topics directory stops the broker with the file and field named")
    func brokerRejectsBadDefinitions() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(#"{"name":"x","purpose":"p","partitions":1,"configs":{}}"#.utf8).write(to: directory.appendingPathComponent("x.json"))
        let result = try ChildProcess.run(ledgerctl, ["broker", "--topics", directory.path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("x.json: missing field \"replicationFactor\""))
        #expect(!result.stdout.contains("bootstrap.servers"))
    }

    private func shell(_ command: String) throws -> (status: Int32, stdout: String, stderr: String) {
        try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", command])
    }
}
