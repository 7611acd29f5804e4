import KafkaClient
import LedgerStore

/// A partition's outputs, in the order they are delivered, with the other background work of its ledger. One task of
/// the ingest's group drains each outbox (``Outboxes``): a partition's deliveries run one after another, while those of
/// different partitions overlap, and none holds up the next batch (librdkafka's bounded queue is the backpressure).
final class Outbox: Sendable {
    enum Job: Sendable {
        /// Records to publish. With `marking`, once they and every marked delivery before them are delivered, the
        /// ledger's leaves below `marking` have their outputs delivered; never past a delivery that failed.
        case publish([KafkaProducerRecord], marking: UInt64?)
        /// Witnesses' cosignatures read at start, to keep beside the ledger.
        case keep([Cosigned])
        /// Resumed once every job before it is done.
        case flush(CheckedContinuation<Void, Never>)
    }

    let ledger: PartitionLedger
    private let jobs: AsyncStream<Job>
    private let continuation: AsyncStream<Job>.Continuation

    init(ledger: PartitionLedger) {
        self.ledger = ledger
        (jobs, continuation) = AsyncStream.makeStream(of: Job.self)
    }

    func add(_ job: Job) {
        continuation.yield(job)
    }

    /// Waits for every job added so far, then takes no more.
    func close() async {
        await withCheckedContinuation { flushed in
            if case .terminated = continuation.yield(.flush(flushed)) { flushed.resume() }
        }
        continuation.finish()
    }

    /// Takes no more jobs, and leaves those added to be done without waiting for them: for a ledger in quarantine.
    func abandon() {
        continuation.finish()
    }

    /// Does each job in order until the outbox is closed or abandoned.
    func drain(_ work: (Job) async -> Void) async {
        for await job in jobs { await work(job) }
    }
}

/// Every outbox of the ingest, each drained by a task of one group that ``run()`` owns.
final class Outboxes: Sendable {
    private let opened: AsyncStream<Outbox>
    private let continuation: AsyncStream<Outbox>.Continuation

    init() {
        (opened, continuation) = AsyncStream.makeStream(of: Outbox.self)
    }

    /// A new outbox for `ledger`, drained from now on (after ``finish()``, one that takes nothing).
    func open(for ledger: PartitionLedger) -> Outbox {
        let outbox = Outbox(ledger: ledger)
        if case .terminated = continuation.yield(outbox) { outbox.abandon() }
        return outbox
    }

    /// Drains every outbox opened, until ``finish()`` and every outbox is closed or abandoned.
    func run(draining: @escaping @Sendable (Outbox) async -> Void) async {
        await withDiscardingTaskGroup { group in
            for await outbox in opened {
                group.addTask { await draining(outbox) }
            }
        }
    }

    /// No outbox is opened after this.
    func finish() {
        continuation.finish()
    }
}
