import ConsentModel
import Foundation
import KafkaClient
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
        let coordinates = "\(origin)@\(entry.offset)"
        let summary = Summary(
            origin: origin, index: index, offset: entry.offset, leafHash: leafHash.hex,
            verdict: String(decoding: verdict.canonicalJSON, as: UTF8.self), eventId: eventID)
        // Cannot fail: only strings and integers.
        let summaryBytes = try! CanonicalJSON.encode(summary)
        var records = [
            KafkaProducerRecord(topic: configuration.receiptsTopic, key: Array((eventID ?? coordinates).utf8), value: summaryBytes)
        ]
        if verdict.rejection == nil, verdict.access?.isViolation == true || !verdict.findings.isEmpty {
            records.append(
                KafkaProducerRecord(topic: configuration.alertsTopic, key: Array((eventID ?? coordinates).utf8), value: summaryBytes))
        }
        if let rejection = verdict.rejection {
            let reason = KafkaHeader(name: "consent-ledger-rejection", value: Array("\(rejection.code): \(rejection.detail)".utf8))
            let leaf = KafkaHeader(name: "consent-ledger-leaf", value: Array("\(origin)/\(index)".utf8))
            records.append(
                KafkaProducerRecord(
                    topic: configuration.rejectedTopic, key: Array(coordinates.utf8), value: entry.value,
                    headers: entry.headers.map { KafkaHeader(name: $0.name, value: $0.value) } + [reason, leaf]))
        }
        return records
    }

    /// A receipt's (and an alert's) value.
    private struct Summary: Encodable {
        let origin: String
        let index: UInt64
        let offset: Int64
        let leafHash: String
        let verdict: String
        let eventId: String?
    }

    /// A checkpoint's two signed notes for the checkpoints topic: the log checkpoint keyed by origin, the
    /// subject-map checkpoint by `<origin>/subject-map`.
    func checkpoint(log: String, map: String, origin: String) -> [KafkaProducerRecord] {
        [(log, origin), (map, "\(origin)/subject-map")].map { note, key in
            KafkaProducerRecord(topic: configuration.checkpointsTopic, key: Array(key.utf8), value: Array(note.utf8))
        }
    }
}
