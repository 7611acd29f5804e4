import Foundation

/// librdkafka properties from a file of `key=value` lines (blank lines and lines starting with `#` are skipped): how a
/// deployment gives `security.protocol`, `sasl.*` and `ssl.*` settings to every command that talks to Kafka. Each is
/// checked by librdkafka when a client is made, with its own message (``KafkaError/Code/invalidConfiguration``).
public enum KafkaProperties {
    public static func load(from file: URL) throws -> [String: String] {
        let text: String
        do { text = try String(contentsOf: file, encoding: .utf8) } catch {
            throw KafkaError(.invalidConfiguration, "\(file.path) cannot be read: \(error.localizedDescription)")
        }
        return try parse(text, file: file.path)
    }

    /// The properties of a file's text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws -> [String: String] {
        var properties: [String: String] = [:]
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            // librdkafka reads bytes: scalars, not Characters, so that an "=" or "#" followed by a combining mark still counts.
            let content = line.trimmingCharacters(in: .whitespaces).unicodeScalars
            guard let first = content.first, first != "#" else { continue }
            guard let equals = content.firstIndex(of: "=") else {
                throw KafkaError(.invalidConfiguration, "\(file):\(number + 1): \"\(String(content))\" is not key=value")
            }
            let key = String(content[..<equals]).trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw KafkaError(.invalidConfiguration, "\(file):\(number + 1): a property needs a name") }
            guard properties[key] == nil else {
                throw KafkaError(.invalidConfiguration, "\(file):\(number + 1): \(key) is set twice")
            }
            properties[key] = String(content[content.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        }
        return properties
    }
}
