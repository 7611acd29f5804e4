import Logging

/// Topic administration on a real cluster.
public final class KafkaAdmin: Sendable {
    /// How an existing cluster compares with one topic definition.
    public enum TopicState: Hashable, Sendable {
        /// The topic does not exist yet.
        case missing
        /// The topic exists with the defined partition count and configs.
        case matches
        /// The topic exists but differs; each line names one difference.
        case differs([String])
    }

    private let client: RDKafkaClient
    private let timeout: Duration

    /// `properties` are librdkafka properties applied after the bootstrap servers (security settings, for one).
    public init(bootstrapServers: [String], properties: [String: String] = [:], timeout: Duration = .seconds(10), logger: Logger) throws {
        client = try RDKafkaClient(
            kind: .producer,
            properties: ["bootstrap.servers": bootstrapServers.joined(separator: ",")].merging(properties) { _, given in given },
            callbacks: RDKafkaCallbacks(logger: logger)
        )
        self.timeout = timeout
    }

    /// librdkafka's mock cluster names itself `mockCluster…`; it implements no Admin API.
    private static let mockClusterPrefix = "mockCluster"

    /// Compares each definition with the cluster. Throws ``KafkaError/Code/unsupportedByCluster``
    /// for the embedded broker, which cannot describe or create topics.
    public func compare(_ definitions: [KafkaTopicDefinition]) async throws -> [(KafkaTopicDefinition, TopicState)] {
        let timeout = timeout
        return try await client.blocking { [client] in
            guard let clusterID = client.clusterID(timeout: timeout) else {
                throw KafkaError(
                    .timedOut, "no broker answered within \(timeout); check --brokers and that the cluster is up", isRetriable: true)
            }
            if clusterID.hasPrefix(Self.mockClusterPrefix) {
                throw KafkaError(
                    .unsupportedByCluster,
                    "this is the embedded broker (librdkafka 2.0.2's mock cluster, id \(clusterID)), which implements no Admin API (CreateTopics, DescribeConfigs); it already has every topic, created by `ledgerctl broker` or ledgerd when it started. Use `topics apply` against a real Kafka cluster."
                )
            }
            let layouts = try client.topicLayouts(timeout: timeout)
            let existing = definitions.filter { layouts[$0.name] != nil }
            let configs = existing.isEmpty ? [:] : try client.topicConfigs(existing.map(\.name), timeout: timeout)
            return definitions.map { definition in
                guard let layout = layouts[definition.name] else { return (definition, .missing) }
                let differences = Self.differences(
                    definition, partitions: layout.partitions, replicationFactor: layout.replicationFactor,
                    configs: configs[definition.name] ?? [:])
                return (definition, differences.isEmpty ? .matches : .differs(differences))
            }
        }
    }

    /// How an existing topic differs from its definition, one line per difference. Configs the
    /// definition does not name are the cluster's business and are not compared.
    public static func differences(
        _ definition: KafkaTopicDefinition,
        partitions: Int,
        replicationFactor: Int,
        configs: [String: String]
    ) -> [String] {
        var differences: [String] = []
        if partitions != definition.partitions {
            differences.append("partitions: defined \(definition.partitions), cluster has \(partitions)")
        }
        if replicationFactor != definition.replicationFactor {
            differences.append("replicationFactor: defined \(definition.replicationFactor), cluster has \(replicationFactor)")
        }
        for (name, value) in definition.configs.sorted(by: { $0.key < $1.key }) where configs[name] != value {
            differences.append("\(name): defined \(value), cluster has \(configs[name] ?? "nothing")")
        }
        return differences
    }

    /// Creates these topics with their partitions, replication factor and configs.
    public func create(_ definitions: [KafkaTopicDefinition]) async throws {
        let timeout = timeout
        try await client.blocking { [client] in try client.createTopics(definitions, timeout: timeout) }
    }
}
