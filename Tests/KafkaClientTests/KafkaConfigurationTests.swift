import KafkaClient
import Testing

@Suite("Configuration")
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
