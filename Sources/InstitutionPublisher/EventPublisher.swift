import ConsentModel
import Foundation
import KafkaClient
import LedgerFormat

/// Where a published event went.
public struct Publication: Sendable, Hashable {
    public let eventID: String
    public let producerSequence: Int64
    public let partition: Int32
    public let offset: Int64
}

/// Publishes an institution's events to the ledger's events topic: numbers each event per partition,
/// signs its exact bytes, sends it keyed by subject, and waits for the broker's acknowledgement.
///
/// Embed it in a service, or use it through `ledgerctl publish`:
///
///     let publisher = try await EventPublisher(producer: producer, key: key, sequenceFile: url)
///     let draft = try EventDraft(json: line, institution: key.institution, now: .now)
///     let results = try await publisher.publish([draft])
public actor EventPublisher {
    public static let defaultTopic = LedgerTopic.events

    public let topic: String
    public nonisolated let key: InstitutionKey
    private let producer: KafkaProducer
    private let partitionCount: Int
    private var sequences: ProducerSequences

    /// Reads the topic's partition count from the cluster and the producer sequences from `sequenceFile`.
    public init(producer: KafkaProducer, key: InstitutionKey, sequenceFile: URL, topic: String = defaultTopic) async throws {
        self.producer = producer
        self.key = key
        self.topic = topic
        partitionCount = try await producer.partitionCount(of: topic)
        sequences = try ProducerSequences(file: sequenceFile, institution: key.institution, topic: topic)
    }

    /// The partition an event about `subject` goes to: the one the broker's default partitioner picks
    /// for the key, so every institution's events about one citizen meet in one ledger.
    private func partition(ofSubject subject: String) -> Int32 {
        KafkaPartitioner.partition(ofKey: Array(subject.utf8), partitionCount: partitionCount)
    }

    /// Numbers, signs and sends `drafts`, in order; one result per draft, in the same order.
    ///
    /// Throws, sending nothing, when the sequence file cannot be written or an event cannot be signed.
    /// A number drawn for an event the broker certainly did not store is given back when no later number
    /// of its partition was stored, so a retry continues without a gap.
    public func publish(_ drafts: [EventDraft]) async throws -> [Result<Publication, KafkaError>] {
        let partitions = drafts.map { partition(ofSubject: $0.subject) }
        let unnumbered = drafts.indices.filter { drafts[$0].givenSequence == nil }
        var numbers = drafts.map { $0.givenSequence ?? 0 }
        for (index, number) in zip(unnumbered, try sequences.reserve(unnumbered.map { partitions[$0] })) { numbers[index] = number }

        let records = try drafts.indices.map { index in
            let value = drafts[index].value(producerSequence: numbers[index])
            let headers = try EventSignature.headers(for: value, keyID: key.keyID, privateKey: key.privateKey)
            return KafkaProducerRecord(
                topic: topic, partition: partitions[index], key: Array(drafts[index].subject.utf8), value: value,
                headers: headers.map { KafkaHeader(name: $0.name, value: $0.value) })
        }
        let results = await producer.send(records).enumerated().map { index, result in
            result.map {
                Publication(eventID: drafts[index].id, producerSequence: numbers[index], partition: partitions[index], offset: $0.offset)
            }
        }
        try giveBackUnused(numbered: unnumbered, partitions: partitions, numbers: numbers, results: results)
        return results
    }

    private func giveBackUnused(numbered: [Int], partitions: [Int32], numbers: [Int64], results: [Result<Publication, KafkaError>]) throws {
        let byPartition = Dictionary(grouping: numbered) { partitions[$0] }
        for (partition, indices) in byPartition {
            let drawn = indices.map { numbers[$0] }
            let stored = indices.filter { index in
                switch results[index] {
                case .success: true
                case .failure(let error): error.mayHaveBeenStored
                }
            }
            try sequences.giveBack(partition: partition, drawn: drawn.max()!, kept: stored.map { numbers[$0] }.max() ?? drawn.min()! - 1)
        }
    }
}
