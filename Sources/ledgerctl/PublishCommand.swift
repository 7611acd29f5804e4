import ArgumentParser
import ConsentModel
import Foundation
import InstitutionPublisher
import KafkaClient
import Logging

/// An institution's events, from a JSON Lines file to the ledger's topic: numbered, signed, delivered.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Sign and publish an institution's events (one JSON object per line) to the events topic.",
        discussion: """
            Each line holds one event: at least "type", "subject" and "data" (see docs/events.md). The publisher \
            fills "specversion", "source", "dataschema", "datacontenttype", a new "id", the current "time" and the \
            next "producerseq" where absent, checks the event exactly as the ledger will, signs it with --key and \
            sends it keyed by subject. Invalid lines are reported with their number and not sent.
              ledgerctl keys generate --institution bank-a --role dataHolder
              ledgerctl publish --brokers 127.0.0.1:9092 --key keys/bank-a.key events.jsonl
              producer-app | ledgerctl publish --brokers kafka:9092 --key keys/bank-a.key --batch 1 -
            Producer sequence numbers are counted per partition and kept in --sequence-file, so the next run \
            continues them; a number is written down before its event is sent, and given back when the broker \
            certainly did not store the event.
            Standard output has one line per event sent (partition, offset and, with --await-receipt, the ledger \
            index and verdict) and ends with a summary; problems go to standard error. Exit code 0 when every \
            line was sent (and got its receipt), 1 otherwise.
            """
    )

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "The institution key file (from `ledgerctl keys generate --institution`).")
    var key: String

    @Option(help: "The institution the key must belong to; a safety check.")
    var institution: String?

    @Option(help: "Where the producer sequence numbers are kept. Default: beside the key, as NAME.sequence.json.")
    var sequenceFile: String?

    @Option(help: "The events topic.")
    var topic: String = EventPublisher.defaultTopic

    @Option(help: "Lines sent together; 1 sends each line as soon as it is read.")
    var batch: Int = 200

    @Option(help: "Seconds to wait for the broker to acknowledge an event.")
    var timeout: Int = 30

    @Flag(help: "Wait for ledgerd's receipt of each event and print its ledger index and verdict.")
    var awaitReceipt = false

    @Option(help: "Seconds to wait for the receipts of a batch, with --await-receipt.")
    var receiptTimeout: Int = 30

    @OptionGroup var logging: LoggingOptions

    @Argument(help: "The JSON Lines file to publish; - (the default) reads standard input.")
    var file: String = "-"

    func validate() throws {
        try kafka.requireBrokers()
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch is lines sent together, from 1 to 100,000") }
        guard (1...86_400).contains(timeout), (1...86_400).contains(receiptTimeout) else {
            throw ValidationError("--timeout and --receipt-timeout are seconds, from 1 to 86,400 (a day)")
        }
    }

    func run() async throws {
        let logger = logging.makeLogger(label: "ledgerctl.publish")
        let signingKey: InstitutionKey
        let lines: LineReader
        do {
            signingKey = try InstitutionKey.load(from: URL(fileURLWithPath: key))
            if let institution, institution != signingKey.institution {
                throw PublishError(.wrongInstitution, "\(key) is \(signingKey.institution)'s key, not \(institution)'s")
            }
            lines = try LineReader(path: file)
        } catch let error as PublishError {
            fail("\(error)")
        }
        var configuration = try kafka.producerConfiguration()
        configuration.deliveryTimeout = .seconds(timeout)
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        var tally = Tally(awaitsReceipts: awaitReceipt)
        do {
            let publisher = try await EventPublisher(
                producer: producer, key: signingKey, sequenceFile: URL(fileURLWithPath: sequenceFile ?? defaultSequenceFile), topic: topic)
            let receipts =
                awaitReceipt
                ? try await ReceiptWatcher(brokers: kafka.servers, properties: configuration.additionalProperties, logger: logger) : nil
            var pending: [(line: Int, draft: EventDraft)] = []
            while let (number, line) = lines.next() {
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                do {
                    pending.append((number, try EventDraft(json: line, institution: signingKey.institution, now: .now)))
                } catch {
                    report("line \(number): invalid, not sent: \(error)")
                    tally.invalid += 1
                }
                if pending.count == batch {
                    try await send(pending, with: publisher, receipts: receipts, tally: &tally)
                    pending = []
                }
            }
            try await send(pending, with: publisher, receipts: receipts, tally: &tally)
            try await receipts?.close()
        } catch let error as KafkaError {
            await producer.shutdown(timeout: .seconds(5))
            fail("\(error.reason); is a broker listening at \(kafka.servers.joined(separator: ","))? \(tally.summary)")
        } catch let error as PublishError {
            await producer.shutdown(timeout: .seconds(5))
            fail("\(error). \(tally.summary)")
        }
        await producer.shutdown()
        emit(tally.summary)
        if !tally.isComplete { throw ExitCode.failure }
    }

    private var defaultSequenceFile: String {
        let keyFile = URL(fileURLWithPath: key)
        return keyFile.deletingPathExtension().appendingPathExtension("sequence.json").path
    }

    private func send(
        _ pending: [(line: Int, draft: EventDraft)], with publisher: EventPublisher, receipts: ReceiptWatcher?, tally: inout Tally
    ) async throws {
        guard !pending.isEmpty else { return }
        let results = try await publisher.publish(pending.map(\.draft))
        let sent = Set(results.compactMap { try? $0.get().eventID })
        let found = try await receipts?.receipts(for: sent, timeout: .seconds(receiptTimeout)) ?? [:]
        for ((line, _), result) in zip(pending, results) {
            switch result {
            case .success(let publication):
                tally.sent += 1
                var text =
                    "line \(line): event \(publication.eventID) → partition \(publication.partition), offset \(publication.offset) (producerseq \(publication.producerSequence))"
                if receipts != nil {
                    if let receipt = found[publication.eventID] {
                        tally.receipts += 1
                        text += "; ledger \(receipt.origin) index \(receipt.index), verdict \(receipt.verdict)"
                    } else {
                        report("line \(line): no receipt for \(publication.eventID) within \(receiptTimeout) s: is ledgerd running?")
                    }
                }
                emit(text)
            case .failure(let error):
                tally.failed += 1
                report("line \(line): not delivered: \(error.reason)")
            }
        }
    }

    private func report(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func fail(_ message: String) -> Never {
        report("error: \(message)")
        Foundation.exit(ExitCode.failure.rawValue)
    }
}

/// What a run of `publish` did, for its last line and exit code.
private struct Tally {
    var sent = 0
    var failed = 0
    var invalid = 0
    var receipts = 0
    let awaitsReceipts: Bool

    var isComplete: Bool { failed == 0 && invalid == 0 && (!awaitsReceipts || receipts == sent) }

    var summary: String {
        let receipted = awaitsReceipts ? ", \(receipts) with a ledger receipt" : ""
        return "sent \(sent)\(receipted), failed \(failed), invalid \(invalid)"
    }
}

/// Reads a file, or standard input, a line at a time as raw bytes, numbering the lines from 1.
private final class LineReader {
    private let stream: UnsafeMutablePointer<FILE>
    private let isStandardInput: Bool
    private var number = 0

    init(path: String) throws {
        isStandardInput = path == "-"
        if isStandardInput, let opened = fdopen(STDIN_FILENO, "r") {
            stream = opened
        } else if !isStandardInput, let opened = fopen(path, "r") {
            stream = opened
        } else {
            throw PublishError(.inputUnreadable, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
    }

    func next() -> (number: Int, line: [UInt8])? {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        let length = getline(&buffer, &capacity, stream)
        guard length >= 0, let buffer else { return nil }
        number += 1
        var line = Array(UnsafeRawBufferPointer(start: buffer, count: length))
        if line.last == 0x0A { line.removeLast() }
        return (number, line)
    }

    deinit {
        if !isStandardInput { fclose(stream) }
    }
}
