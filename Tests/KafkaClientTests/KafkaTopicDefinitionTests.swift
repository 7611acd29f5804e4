import Foundation
import KafkaClient
import Testing

@Suite("Topic definitions", .timeLimit(.minutes(10)))
struct KafkaTopicDefinitionTests {
    static let repositoryTopics = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("topics")

    @Test("the repository's topics load, each with a purpose, and include the five the system needs")
    func repositoryTopicsLoad() throws {
        let definitions = try KafkaTopicDefinition.loadAll(from: Self.repositoryTopics)
        #expect(
            Set(definitions.map(\.name)).isSuperset(of: [
                "consent-ledger.events.v1", "consent-ledger.checkpoints.v1", "consent-ledger.alerts.v1",
                "consent-ledger.rejected.v1", "consent-ledger.receipts.v1",
            ]))
        #expect(definitions.allSatisfy { !$0.purpose.isEmpty })
        // The events topic is the ledger's source of truth: it must never expire.
        let events = try #require(definitions.first { $0.name == "consent-ledger.events.v1" })
        #expect(events.configs["retention.ms"] == "-1")
        #expect(events.configs["cleanup.policy"] == "delete")
    }

    @Test("the repository's topics can all be created on a three-broker embedded cluster")
    func creatable() throws {
        let cluster = try KafkaMockCluster(brokers: 3, logger: testLogger)
        for definition in try KafkaTopicDefinition.loadAll(from: Self.repositoryTopics) {
            try cluster.createTopic(definition.name, partitions: definition.partitions, replicationFactor: definition.replicationFactor)
        }
    }

    @Test(
        "malformed definitions are refused with the file and the field",
        arguments: [
            (#"{"name":"a","purpose":"p","partitions":0,"replicationFactor":1,"configs":{}}"#, "partitions must be from 1 to 100,000"),
            // Would not fit the 32 bits librdkafka takes a partition count in.
            (#"{"name":"a","purpose":"p","partitions":4294967296,"replicationFactor":1,"configs":{}}"#, "partitions must be from 1"),
            (#"{"name":"a","purpose":"p","partitions":1,"replicationFactor":1}"#, "missing field \"configs\""),
            (#"{"name":"a","purpose":"p","partitions":"8","replicationFactor":1,"configs":{}}"#, "\"partitions\" must be an integer"),
            (#"{"name":"a b","purpose":"p","partitions":1,"replicationFactor":1,"configs":{}}"#, "name \"a b\""),
            (#"{"name":"a","purpose":"p","partition":1,"partitions":1,"replicationFactor":1,"configs":{}}"#, "unknown field \"partition\""),
            (
                #"{"name":"a","purpose":"p","partitions":1,"replicationFactor":1,"configs":{"retention.ms":-1}}"#,
                "\"configs.retention.ms\" must be a string"
            ),
            ("[1]", "not a JSON object"),
        ])
    func malformed(json: String, expected: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).json")
        try Data(json.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = try #require(throws: KafkaError.self) { try KafkaTopicDefinition.load(from: file) }
        #expect(error.code == .invalidTopicDefinition)
        #expect(error.reason.contains(file.lastPathComponent))
        #expect(error.reason.contains(expected), "\(error.reason)")
    }

    @Test("the embedded cluster refuses a replication factor above its broker count, saying how to fix it")
    func replicationAboveBrokers() throws {
        let cluster = try KafkaMockCluster(brokers: 1, logger: testLogger)
        let error = try #require(throws: KafkaError.self) { try cluster.createTopic("t", partitions: 1, replicationFactor: 3) }
        #expect(error.reason.contains("start it with more brokers"))
    }
}

@Suite("Topic comparison", .timeLimit(.minutes(10)))
struct KafkaTopicComparisonTests {
    let definition = KafkaTopicDefinition(
        name: "t", purpose: "p", partitions: 8, replicationFactor: 3,
        configs: ["retention.ms": "-1", "cleanup.policy": "delete"])

    @Test("a topic as defined has no differences, whatever other configs the cluster sets")
    func matches() {
        let differences = KafkaAdmin.differences(
            definition, partitions: 8, replicationFactor: 3,
            configs: ["retention.ms": "-1", "cleanup.policy": "delete", "segment.bytes": "1073741824"])
        #expect(differences.isEmpty)
    }

    @Test("each difference is one line naming the setting, the definition and the cluster")
    func differs() {
        let differences = KafkaAdmin.differences(
            definition, partitions: 12, replicationFactor: 1, configs: ["retention.ms": "604800000"])
        #expect(
            differences == [
                "partitions: defined 8, cluster has 12",
                "replicationFactor: defined 3, cluster has 1",
                "cleanup.policy: defined delete, cluster has nothing",
                "retention.ms: defined -1, cluster has 604800000",
            ])
    }
}
