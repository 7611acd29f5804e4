import Foundation
import LedgerFormat
import MerkleLog

/// How ``LedgerIngest`` consumes, batches, checkpoints and names its ledgers.
public struct IngestConfiguration: Sendable {
    /// Topic names, as in `topics/`.
    public var eventsTopic = LedgerTopic.events
    public var checkpointsTopic = LedgerTopic.checkpoints
    public var alertsTopic = LedgerTopic.alerts
    public var rejectedTopic = LedgerTopic.rejected
    public var receiptsTopic = LedgerTopic.receipts
    /// The largest output record ledgerd publishes: the rejected topic's `max.message.bytes` (topics/rejected.json),
    /// which holds a record of the events topic's largest (1 MiB) with its headers and the ledger's. Give it to the
    /// producer as its ``KafkaProducerConfiguration/maximumRecordBytes``.
    public static let maximumOutputBytes = 2_097_152
    /// The witnesses whose cosignatures are kept beside the ledgers (`--witnesses`): a cosignature is kept only if it
    /// verifies under one of these keys, by the name it is published under. Default none: none is kept.
    public var witnesses: [NoteVerifier] = []
    /// Where each partition's SQLite ledger lives (`<topic>-<partition>.sqlite`).
    public var dataDirectory: URL
    /// The first part of every ledger origin: `<ledgerName>/<topic>/<partition>`. Default ``defaultLedgerName``.
    public var ledgerName = Self.defaultLedgerName
    public static let defaultLedgerName = "consent-ledger.local"
    /// A batch ends at this many records… Default 1,000.
    public var batchSize = 1_000
    /// …or when no record arrives for this long. Default 50 ms.
    public var batchTimeout: Duration = .milliseconds(50)
    /// Sign a checkpoint once a partition has grown by this many leaves… Default 1,000.
    public var checkpointEveryLeaves: UInt64 = 1_000
    /// …or when this much time has passed since its last checkpoint and it has grown. Default 10 s.
    public var checkpointInterval: Duration = .seconds(10)

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    func origin(partition: Int32) -> String { LedgerOrigin.of(ledgerName: ledgerName, topic: eventsTopic, partition: partition) }

    func databasePath(partition: Int32) -> String {
        dataDirectory.appendingPathComponent("\(eventsTopic)-\(partition).sqlite").path
    }
}
