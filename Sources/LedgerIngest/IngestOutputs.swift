import ConsentModel
import Foundation
import KafkaClient
import LedgerFormat
import LedgerStore
import MerkleLog

/// The records ledgerd publishes after a batch is committed. Keys are stable (event id, ledger
/// coordinates, checkpoint origin), so a consumer can drop the duplicates that at-least-once delivery allows.
struct IngestOutputs {
    let configuration: IngestConfiguration

    /// One receipt per leaf; an alert for a violation or a producer finding; the raw record for a rejection.
    func records(index: UInt64, leafHash: SHA256Hash, entry: PartitionLedger.Entry, origin: String) -> [KafkaProducerRecord] {
        let verdict = entry.judgement.verdict
        let eventID = entry.judgement.event?.id
        let coordinates = LedgerOrigin.coordinates(origin: origin, offset: entry.offset)
        let receipt = Receipt(
            origin: origin, index: index, offset: entry.offset, leafHash: leafHash.hex,
            verdict: String(decoding: verdict.canonicalJSON, as: UTF8.self), eventId: eventID)
        // Cannot fail: only strings and integers.
        let summaryBytes = try! CanonicalJSON.encode(receipt)
        var records = [
            KafkaProducerRecord(topic: configuration.receiptsTopic, key: Array((eventID ?? coordinates).utf8), value: summaryBytes)
        ]
        if verdict.rejection == nil, verdict.access?.isViolation == true || !verdict.findings.isEmpty {
            records.append(
                KafkaProducerRecord(topic: configuration.alertsTopic, key: Array((eventID ?? coordinates).utf8), value: summaryBytes))
        }
        if let rejection = verdict.rejection {
            let reason = KafkaHeader(name: RejectedRecordHeader.reason, value: Array("\(rejection.code): \(rejection.detail)".utf8))
            let leaf = KafkaHeader(name: RejectedRecordHeader.leaf, value: Array("\(origin)/\(index)".utf8))
            records.append(
                KafkaProducerRecord(
                    topic: configuration.rejectedTopic, key: Array(coordinates.utf8), value: entry.value,
                    headers: entry.headers.map { KafkaHeader(name: $0.name, value: $0.value) } + [reason, leaf]))
        }
        return records
    }

    /// A checkpoint's two signed notes for the checkpoints topic: the log checkpoint and the subject-map checkpoint.
    func checkpoint(log: String, map: String, origin: String) -> [KafkaProducerRecord] {
        [(log, CheckpointsTopicKey.log(origin: origin)), (map, .subjectMap(origin: origin))].map { note, key in
            KafkaProducerRecord(topic: configuration.checkpointsTopic, key: Array(key.key.utf8), value: Array(note.utf8))
        }
    }
}
