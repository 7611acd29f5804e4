import ConsentModel
import Foundation
import KafkaClient

/// Publishes the registry authority's changes into every partition of the events topic, so that each partition's
/// ledger learns of each change at a point of its own log (docs/events.md, "Registry events").
///
/// Each change becomes one event (one id, every partition), numbered with each partition's next `producerseq` of the
/// authority (kept in the sequence file, as ``EventPublisher`` keeps an institution's), signed with the authority's
/// key and sent to that partition explicitly. A rules change is given the topic's partition count.
public struct RegistryPublisher: Sendable {
    public let topic: String
    public let key: InstitutionKey
    private let producer: KafkaProducer
    public let partitionCount: Int32
    private let sequenceFile: URL

    public init(producer: KafkaProducer, key: InstitutionKey, sequenceFile: URL, topic: String = EventPublisher.defaultTopic) async throws {
        self.producer = producer
        self.key = key
        self.topic = topic
        self.sequenceFile = sequenceFile
        partitionCount = Int32(try await producer.partitionCount(of: topic))
    }

    /// The rules change that moves every partition of this topic to rules/v2.
    public var rulesChange: RegistryChange { .rulesChanged(rules: Rules.v2, partitionCount: partitionCount) }

    /// Sends each change to every partition, in order; one publication per change and partition. Throws, having sent
    /// nothing, when the sequence file cannot be written, and when the broker did not take every record (a number
    /// drawn for a record not stored leaves a gap the ledger reports; publishing again is safe, as each change applies
    /// once and a repeat is recorded as a registry conflict).
    public func publish(_ changes: [RegistryChange], now: Timestamp = .now) async throws -> [Publication] {
        var sequences = try ProducerSequences(file: sequenceFile, institution: key.institution, topic: topic)
        let partitions = changes.flatMap { _ in Array(0..<partitionCount) }
        let numbers = try sequences.reserve(partitions)
        let ids = changes.map { _ in "\(key.institution)/\(UUID().uuidString.lowercased())" }
        var records: [KafkaProducerRecord] = []
        var events: [(id: String, sequence: Int64, partition: Int32)] = []
        for (index, (partition, number)) in zip(partitions, numbers).enumerated() {
            let change = index / Int(partitionCount)
            let value = changes[change].eventValue(id: ids[change], source: key.institution, time: now, producerSequence: number)
            let headers = try EventSignature.headers(for: value, keyID: key.keyID, privateKey: key.privateKey)
            records.append(
                KafkaProducerRecord(
                    topic: topic, partition: partition, value: value, headers: headers.map { KafkaHeader(name: $0.name, value: $0.value) }))
            events.append((ids[change], number, partition))
        }
        var publications: [Publication] = []
        for (event, result) in zip(events, await producer.send(records)) {
            let report = try result.get()
            publications.append(
                Publication(eventID: event.id, producerSequence: event.sequence, partition: event.partition, offset: report.offset))
        }
        return publications
    }
}
