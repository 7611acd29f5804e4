import Foundation
import KafkaClient
import Testing

@Suite("Configuration", .timeLimit(.minutes(10)))
struct KafkaConfigurationTests {
    @Test("an unknown property fails at construction with librdkafka's own message")
    func unknownProperty() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.additionalProperties["no.such.property"] = "1"
        let error = try #require(throws: KafkaError.self) { try KafkaProducer(configuration: configuration, logger: testLogger) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.contains("no.such.property"))
        #expect(error.reason.contains("No such configuration property"))
    }

    @Test("an invalid value fails at construction and names the property")
    func invalidValue() throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: ["127.0.0.1:1"], groupID: "g")
        configuration.additionalProperties["fetch.wait.max.ms"] = "soon"
        let error = try #require(throws: KafkaError.self) { try KafkaConsumer(configuration: configuration, logger: testLogger) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.contains("fetch.wait.max.ms=soon"))
    }

    @Test("a properties file gives key=value lines to librdkafka, which checks them; a line that is not one is named")
    func propertiesFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-\(UUID().uuidString).properties")
        try Data("# TLS and SASL\nsecurity.protocol = sasl_ssl\nsasl.mechanisms=SCRAM-SHA-512\n\nsasl.username=ledgerd\n".utf8).write(
            to: file)
        #expect(
            try KafkaProperties.load(from: file) == [
                "security.protocol": "sasl_ssl", "sasl.mechanisms": "SCRAM-SHA-512", "sasl.username": "ledgerd",
            ])
        // Lines end as an editor ends them: a file written on Windows reads the same.
        #expect(
            try KafkaProperties.parse("security.protocol=ssl\r\nsasl.username=ledgerd\r\n", file: "f") == [
                "security.protocol": "ssl", "sasl.username": "ledgerd",
            ])
        try Data("security.protocol=ssl\nsecurity.protocol=plaintext\n".utf8).write(to: file)
        #expect((try? KafkaProperties.load(from: file)) == nil)
        try Data("ssl.ca.location\n".utf8).write(to: file)
        let error = try #require(throws: KafkaError.self) { try KafkaProperties.load(from: file) }
        #expect(error.reason == "\(file.path):1: \"ssl.ca.location\" is not key=value")
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.additionalProperties = ["security.protocol": "tls-please"]
        let refused = try #require(throws: KafkaError.self) { try KafkaProducer(configuration: configuration, logger: testLogger) }
        #expect(refused.reason.contains(#"Invalid value "tls-please" for configuration property "security.protocol""#))
    }

    @Test("additional properties override the typed fields")
    func overrides() throws {
        var configuration = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        configuration.isIdempotent = true
        // Idempotence requires acks=all; overriding acks must reach librdkafka and be refused by it.
        configuration.additionalProperties["acks"] = "1"
        let error = try #require(throws: KafkaError.self) { try KafkaProducer(configuration: configuration, logger: testLogger) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.lowercased().contains("acks"))
    }
}
