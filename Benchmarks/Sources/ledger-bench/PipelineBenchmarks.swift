import ConsentModel
import Crypto
import Foundation
import KafkaClient
import LedgerFormat
import LedgerIdentity
import LedgerIngest
import LedgerStore
import Logging

/// The pipeline's figures: events/s from the embedded broker into committed SQLite ledgers, with every
/// signature verified and (for headroom) with none to verify, beside the Ed25519 limit of this machine.
struct PipelineBenchmarks {
    let events: Int
    let command: String
    let topic = LedgerTopic.events
    let partitions = 8

    func run() async throws -> [Figure] {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let key = Curve25519.Signing.PrivateKey()
        var figures: [Figure] = []

        // Limits: Ed25519 verification on one core and on all.
        let message = [UInt8](repeating: 7, count: 560)
        let signature = try key.signature(for: message)
        let verifications = 3_000
        let oneCore = rate(operations: verifications) {
            for _ in 0..<verifications { precondition(key.publicKey.isValidSignature(signature, for: message)) }
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let allCores = await measureAsync(operations: verifications * cores) {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<cores {
                    group.addTask { for _ in 0..<verifications { precondition(key.publicKey.isValidSignature(signature, for: message)) } }
                }
            }
        }
        figures.append(
            Figure(name: "Ed25519 verify, one core", value: oneCore, unit: "verifications/s", limit: nil, limitName: nil, command: command))
        figures.append(
            Figure(
                name: "Ed25519 verify, \(cores) cores", value: allCores, unit: "verifications/s", limit: nil, limitName: nil,
                command: command))
        say("ed25519: \(Int(oneCore))/s on one core, \(Int(allCores))/s on \(cores)")
        // Limits: SQLite inserts on this disk, and the embedded broker's consume rate.
        let sqlite = try StorageAndBrokerLimits.sqliteInsertRate(rows: events * 5 / 2)
        let consume = try await StorageAndBrokerLimits.kafkaConsumeRate(records: events * 5 / 2, logger: logger)
        figures.append(
            Figure(
                name: "SQLite inserts of 300-byte rows, 500 per transaction, WAL, synchronous=NORMAL", value: sqlite, unit: "rows/s",
                limit: nil, limitName: nil, command: command))
        figures.append(
            Figure(
                name: "Kafka consume from the embedded broker, 300-byte records, 8 partitions", value: consume, unit: "records/s",
                limit: nil, limitName: nil, command: command))
        say("sqlite: \(Int(sqlite)) rows/s; kafka consume: \(Int(consume)) records/s")

        let signed = try await ingestRate(signedBy: key, logger: logger)
        figures.append(
            Figure(
                name: "ingest \(events) signed events, \(partitions) partitions", value: signed, unit: "events/s", limit: allCores,
                limitName: "Ed25519 verify, all cores", command: command))
        let unsigned = try await ingestRate(signedBy: nil, logger: logger)
        figures.append(
            Figure(
                name: "ingest \(events) unsigned events (rejected, no verification)", value: unsigned, unit: "events/s",
                limit: min(sqlite, consume), limitName: "SQLite inserts or Kafka consume, whichever is lower", command: command))
        // The signed ingest does roughly what the unsigned one does (which publishes each rejected record too,
        // but keeps no consent state) plus one check per event, on the same cores. Without stalls its rate is
        // where those per-event costs add up: a ratio well below 1 means cores sat idle.
        let summedCosts = 1 / (1 / unsigned + 1 / allCores)
        figures.append(
            Figure(
                name: "ingest \(events) signed events, against the sum of its costs", value: signed, unit: "events/s", limit: summedCosts,
                limitName: "1 / (1 / unsigned ingest + 1 / Ed25519 verify, all cores)", command: command))
        // The target rate, and a lighter one for comparison; as many events as the throughput runs, so each
        // partition stays within the embedded broker's retention.
        for rate in [1_000, 5_000] {
            let (p50, p99) = try await latency(rate: rate, signedBy: key, logger: logger)
            figures.append(
                Figure(
                    name: "produce → receipt latency at \(rate)/s, p50", value: p50 * 1000, unit: "ms", limit: nil, limitName: nil,
                    command: command))
            figures.append(
                Figure(
                    name: "produce → receipt latency at \(rate)/s, p99", value: p99 * 1000, unit: "ms", limit: 1000,
                    limitName: "target p99 < 1 s (at 5,000/s)", command: command))
        }
        return figures
    }

    /// Publishes `events` signed events at a fixed rate into a running ledgerd pipeline and times each from its
    /// send to the arrival of its receipt: an upper bound on produce-to-commit, since receipts follow the commit.
    /// Events are signed beforehand, as on the institutions' own machines, not on the two cores ledgerd uses.
    private func latency(rate: Int, signedBy key: Curve25519.Signing.PrivateKey, logger: Logger) async throws -> (
        Double, Double
    ) {
        let cluster = try makeCluster(logger: logger)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        let registry = try benchRegistry(trusting: key)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("latency-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var consumer = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "latency")
        consumer.sessionTimeout = .seconds(6)
        // librdkafka waits up to fetch.wait.max.ms (500 ms) for data; the mock broker does not answer early.
        consumer.additionalProperties["fetch.wait.max.ms"] = "10"
        let ingest = try LedgerIngest(
            configuration: IngestConfiguration(dataDirectory: directory), consumer: consumer, producer: producer,
            trust: RegistryTrust(bootstrap: registry, authority: nil),
            identity: try LedgerIdentity.loadOrCreate(in: directory, logger: logger), logger: logger)
        let task = Task { try await ingest.run() }
        // Wait until the group has handed ledgerd its partitions.
        while ingest.ledgerSizes.count < partitions { try await Task.sleep(for: .milliseconds(50)) }

        var receiptsConfiguration = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers])
        receiptsConfiguration.additionalProperties["fetch.wait.max.ms"] = "10"
        let receipts = try KafkaConsumer(configuration: receiptsConfiguration, logger: logger)
        try await receipts.assign([KafkaTopicPartition(topic: LedgerTopic.receipts, partition: 0): .end])
        let total = events
        let sequences = 2...(total + 1)
        let records = try Dictionary(uniqueKeysWithValues: sequences.map { ($0, try record($0, signedBy: key)) })
        let clock = ContinuousClock()
        // One event first, timed apart: the consumers' first fetches and connections are start-up, not latency.
        let warming = clock.now
        _ = try await producer.send(try record(1, signedBy: key))
        var arrivals = receipts.records.makeAsyncIterator()
        while let receipt = try await arrivals.next(), receipt.key != Array("e1".utf8) {}
        say("first receipt \(Int((clock.now - warming).seconds * 1000)) ms after the first event (start-up)")
        say("latency: \(total) signed events at \(rate)/s…")
        let start = clock.now
        func due(_ sequence: Int) -> ContinuousClock.Instant {
            start + .microseconds(Int64(sequence - 1) * 1_000_000 / Int64(rate))
        }
        // Sends are not awaited one by one (each waits for its acknowledgement); they are started on schedule.
        let sending = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for sequence in sequences {
                    if due(sequence) > clock.now { try await Task.sleep(until: due(sequence), clock: clock) }
                    let record = records[sequence]!
                    group.addTask { _ = try await producer.send(record) }
                }
                try await group.waitForAll()
            }
        }
        let sentAt = Dictionary(uniqueKeysWithValues: sequences.map { ("e\($0)", due($0)) })
        var delays: [Double] = []
        while let receipt = try await arrivals.next() {
            let now = clock.now
            guard let key = receipt.key.map({ String(decoding: $0, as: UTF8.self) }), let sent = sentAt[key] else { continue }
            delays.append((now - sent).seconds)
            if delays.count == total { break }
        }
        try await sending.value
        task.cancel()
        try await task.value
        await producer.shutdown()
        delays.sort()
        let p50 = delays[delays.count / 2]
        let p99 = delays[min(delays.count - 1, delays.count * 99 / 100)]
        say("latency at \(rate)/s: p50 \(Int(p50 * 1000)) ms, p99 \(Int(p99 * 1000)) ms")
        return (p50, p99)
    }

    private func makeCluster(logger: Logger) throws -> KafkaMockCluster {
        let cluster = try KafkaMockCluster(brokers: 1, logger: logger)
        for name in [
            topic, LedgerTopic.checkpoints, LedgerTopic.alerts, LedgerTopic.rejected, LedgerTopic.receipts,
        ] {
            try cluster.createTopic(name, partitions: name == topic ? partitions : 1)
        }
        return cluster
    }

    /// Event number `sequence` keyed by its subject, signed when a key is given.
    private func record(_ sequence: Int, signedBy key: Curve25519.Signing.PrivateKey?) throws -> KafkaProducerRecord {
        let value = event(sequence)
        let headers =
            try key.map { key in
                [
                    KafkaHeader(name: EventSignature.keyHeader, value: Array("op/1".utf8)),
                    KafkaHeader(
                        name: EventSignature.signatureHeader, value: Array(Data(try key.signature(for: value)).base64EncodedString().utf8)),
                ]
            } ?? []
        return KafkaProducerRecord(topic: topic, key: Array("CI-\(sequence % 5_000)".utf8), value: value, headers: headers)
    }

    private func event(_ sequence: Int) -> [UInt8] {
        Array(
            """
            {"specversion":"1.0","id":"e\(sequence)","source":"op","type":"consent.granted","time":"2026-05-01T00:00:00Z","subject":"CI-\(sequence % 5_000)","dataschema":"urn:consent-ledger:schema:consent.granted:v1","datacontenttype":"application/json","producerseq":\(sequence),"data":{"consentId":"c\(sequence)","dataHolder":"bank","recipients":["op"],"purposes":["service-provision"],"dataCategories":["finance.account.transactions"],"legalBasis":"consent","validFrom":"2026-01-01T00:00:00Z","validUntil":"2027-01-01T00:00:00Z","notice":{"uri":"https://op.example/notice","sha256":"\(String(repeating: "a", count: 64))"}}}
            """.utf8)
    }

    /// Pre-fills the topic, then times the ingest from its first leaf to its last.
    private func ingestRate(signedBy key: Curve25519.Signing.PrivateKey?, logger: Logger) async throws -> Double {
        let cluster = try makeCluster(logger: logger)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger)
        say("producing \(events) \(key == nil ? "unsigned" : "signed") events…")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sequence in 1...events {
                let record = try record(sequence, signedBy: key)
                group.addTask { _ = try await producer.send(record) }
                if sequence % 10_000 == 0 { try await group.waitForAll() }
            }
            try await group.waitForAll()
        }
        // Unsigned events meet a registry that trusts some other key: decoded, then rejected, never verified.
        let registry = try benchRegistry(trusting: key ?? Curve25519.Signing.PrivateKey())
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var consumer = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "bench")
        consumer.sessionTimeout = .seconds(6)
        let ingest = try LedgerIngest(
            configuration: IngestConfiguration(dataDirectory: directory), consumer: consumer, producer: producer,
            trust: RegistryTrust(bootstrap: registry, authority: nil),
            identity: try LedgerIdentity.loadOrCreate(in: directory, logger: logger), logger: logger)
        let task = Task { try await ingest.run() }
        var first: (ContinuousClock.Instant, UInt64)?
        var last = ContinuousClock.now
        while true {
            let total = ingest.ledgerSizes.values.reduce(0, +)
            if total > 0, first == nil { first = (.now, total) }
            if total >= UInt64(events) {
                last = .now
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        try await task.value
        await producer.shutdown()
        let (start, startCount) = first!
        let rate = Double(UInt64(events) - startCount) / (last - start).seconds
        say("ingest (\(key == nil ? "unsigned" : "signed")): \(Int(rate)) events/s")
        return rate
    }
}

func measureAsync(operations: Int, _ body: () async -> Void) async -> Double {
    let clock = ContinuousClock()
    let elapsed = await clock.measure { await body() }
    return Double(operations) / elapsed.seconds
}
