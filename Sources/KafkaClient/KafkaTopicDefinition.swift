import Foundation

/// A topic as the system needs it: one JSON file per topic under `topics/`.
///
/// ```json
/// { "name": "consent-ledger.events.v1", "purpose": "…", "partitions": 8,
///   "replicationFactor": 3, "configs": { "retention.ms": "-1" } }
/// ```
public struct KafkaTopicDefinition: Hashable, Sendable, Codable {
    public var name: String
    /// One line saying what the topic carries and who reads it.
    public var purpose: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Topic-level broker configs, as Kafka spells them (`retention.ms`, `cleanup.policy`, …).
    public var configs: [String: String]

    public init(name: String, purpose: String, partitions: Int, replicationFactor: Int, configs: [String: String]) {
        self.name = name
        self.purpose = purpose
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }

    private static let fields: Set<String> = ["name", "purpose", "partitions", "replicationFactor", "configs"]

    /// Reads and checks one definition file; every problem names the file and the field.
    public static func load(from file: URL) throws -> KafkaTopicDefinition {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw KafkaError(.invalidTopicDefinition, "\(file.path): cannot be read: \(error.localizedDescription)")
        }
        return try load(data, fileName: file.lastPathComponent)
    }

    /// Checks the bytes of one definition file; every problem names `fileName` and the field.
    public static func load(_ data: Data, fileName: String) throws -> KafkaTopicDefinition {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw KafkaError(.invalidTopicDefinition, "\(fileName): not a JSON object")
        }
        if let unknown = Set(object.keys).subtracting(fields).sorted().first {
            throw KafkaError(
                .invalidTopicDefinition, "\(fileName): unknown field \"\(unknown)\"; fields are \(fields.sorted().joined(separator: ", "))")
        }
        let definition: KafkaTopicDefinition
        do { definition = try JSONDecoder().decode(KafkaTopicDefinition.self, from: data) } catch let error as DecodingError {
            throw KafkaError(.invalidTopicDefinition, "\(fileName): \(error.fieldDescription)")
        }
        guard !definition.name.isEmpty, definition.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) })
        else {
            throw KafkaError(
                .invalidTopicDefinition, "\(fileName): name \"\(definition.name)\" must be non-empty ASCII letters, digits, '.', '_' or '-'"
            )
        }
        // Kafka's protocol carries a partition index in 32 bits and a replication factor in 16.
        guard (1...100_000).contains(definition.partitions), (1...Int(Int16.max)).contains(definition.replicationFactor) else {
            throw KafkaError(
                .invalidTopicDefinition, "\(fileName): partitions must be from 1 to 100,000 and replicationFactor from 1 to 32,767")
        }
        return definition
    }

    /// Every `*.json` definition in a directory, sorted by topic name; names must be unique.
    public static func loadAll(from directory: URL) throws -> [KafkaTopicDefinition] {
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "json" }
        } catch {
            throw KafkaError(.invalidTopicDefinition, "cannot list topic definitions in \(directory.path): \(error.localizedDescription)")
        }
        let definitions = try files.map(load(from:)).sorted { $0.name < $1.name }
        guard !definitions.isEmpty else {
            throw KafkaError(.invalidTopicDefinition, "\(directory.path) holds no topic definitions (*.json)")
        }
        for (a, b) in zip(definitions, definitions.dropFirst()) where a.name == b.name {
            throw KafkaError(.invalidTopicDefinition, "topic \(a.name) is defined twice in \(directory.path)")
        }
        return definitions
    }
}

extension DecodingError {
    /// "partitions: expected Int" rather than Foundation's nested description.
    fileprivate var fieldDescription: String {
        func path(_ context: Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch self {
        case .keyNotFound(let key, let context):
            return "missing field \"\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))\""
        case .typeMismatch(let type, let context), .valueNotFound(let type, let context):
            return "field \"\(path(context))\" must be \(type == String.self ? "a string" : type == Int.self ? "an integer" : "\(type)")"
        case .dataCorrupted(let context):
            return "field \"\(path(context))\": \(context.debugDescription)"
        @unknown default:
            return "\(self)"
        }
    }
}
