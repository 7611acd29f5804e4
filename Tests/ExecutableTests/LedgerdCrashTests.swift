import ConsentModel
import Crypto
import Foundation
import KafkaClient
import LedgerFormat
import LedgerStore
import Logging
import MerkleLog
import Testing

@Suite("ledgerd crash safety", .serialized, .timeLimit(.minutes(10)))
struct LedgerdCrashTests {
    let topic = "consent-ledger.events.v1"
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
    let key = Curve25519.Signing.PrivateKey()

    func writeRegistry() throws -> String {
        let registry = """
            {"institutions":[{"id":"op","name":"Operator","roles":["operator"],"keys":[{"id":"op/1","publicKey":"\(Data(key.publicKey.rawRepresentation).base64EncodedString())","validFrom":"2026-01-01T00:00:00Z"}]}]}
            """
        let path = directory.appendingPathComponent("registry.json")
        try Data(registry.utf8).write(to: path)
        return path.path
    }

    func signedGrant(_ sequence: Int) throws -> KafkaProducerRecord {
        let subject = "CI-\(sequence % 97)"
        let value = Array(
            """
            {"specversion":"1.0","id":"e\(sequence)","source":"op","type":"consent.granted","time":"2026-05-01T00:00:00Z","subject":"\(subject)","dataschema":"urn:consent-ledger:schema:consent.granted:v1","datacontenttype":"application/json","producerseq":\(sequence),"data":{"consentId":"c\(sequence)","dataHolder":"bank","recipients":["op"],"purposes":["p"],"dataCategories":["c"],"legalBasis":"consent","validFrom":"2026-01-01T00:00:00Z","validUntil":"2027-01-01T00:00:00Z","notice":{"uri":"u","sha256":"\(String(repeating: "a", count: 64))"}}}
            """.utf8)
        return KafkaProducerRecord(
            topic: topic, key: Array(subject.utf8), value: value,
            headers: [
                KafkaHeader(name: EventSignature.keyHeader, value: Array("op/1".utf8)),
                KafkaHeader(
                    name: EventSignature.signatureHeader, value: Array(Data(try key.signature(for: value)).base64EncodedString().utf8)),
            ])
    }

    @Test("killed with SIGKILL at random moments while events keep arriving, ledgerd loses and repeats nothing")
    func sigkill() async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let registry = try writeRegistry()
        let broker = try ChildProcess(
            ledgerctl, ["broker", "--topics", packageRoot.appendingPathComponent("topics").path, "--log-level", "warning"])
        let bootstrap = try broker.waitForLine(startingWith: "bootstrap.servers=")
        defer { broker.process.terminate() }
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: logger)

        // Publish continuously in the background, in order per subject.
        let total = 4_000
        let publisher = Task {
            var sent: [Int32: Set<Int64>] = [:]
            for sequence in 1...total {
                let report = try await producer.send(try signedGrant(sequence))
                sent[report.topicPartition.partition, default: []].insert(report.offset)
                if sequence % 200 == 0 { try await Task.sleep(for: .milliseconds(150)) }
            }
            return sent
        }
        let dataDir = directory.appendingPathComponent("data").path
        func start(_ run: Int) throws -> ChildProcess {
            // A fresh group each run: offsets live in SQLite, and a new group needs no wait for the killed member.
            try ChildProcess(
                ledgerd, ["--brokers", bootstrap, "--dev-tokens", "--data-dir", dataDir, "--registry", registry],
                environment: ["LEDGERD_GROUP": "crash-test-\(run)", "LEDGERD_LOG_LEVEL": "warning", "LEDGERD_HTTP": "127.0.0.1:0"])
        }
        var generator = SystemRandomNumberGenerator()
        for run in 0..<5 {
            let child = try start(run)
            try await Task.sleep(for: .milliseconds(Int.random(in: 3_500...5_500, using: &generator)))
            kill(child.process.processIdentifier, SIGKILL)
            child.process.waitUntilExit()
            #expect(child.process.terminationReason == .uncaughtSignal)
        }
        let sent = try await publisher.value
        await producer.shutdown()

        // A last run finishes the work; stop it cleanly once every partition holds all it was sent.
        let last = try start(99)
        let deadline = ContinuousClock.now + .seconds(90)
        func sizes() throws -> [Int32: UInt64] {
            var sizes: [Int32: UInt64] = [:]
            for partition in sent.keys {
                let path = "\(dataDir)/\(topic)-\(partition).sqlite"
                guard FileManager.default.fileExists(atPath: path) else { continue }
                let ledger = try PartitionLedger(
                    path: path, origin: "consent-ledger.local/\(topic)/\(partition)", topic: topic, partition: partition,
                    keys: dataDirectoryKeys(dataDir))
                sizes[partition] = ledger.size
            }
            return sizes
        }
        while try sent.allSatisfy({ try sizes()[$0.key] == UInt64($0.value.count) }) == false {
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        last.process.terminate()
        last.process.waitUntilExit()

        // Killed between commits and deliveries, still every event got its receipt: outputs are at least once.
        let reader = try KafkaConsumer(configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap]), logger: logger)
        var receipted: Set<String> = []
        for partition in 0..<Int32(try await reader.partitionCount(of: "consent-ledger.receipts.v1")) {
            for receipt in try await reader.readToEnd(KafkaTopicPartition(topic: "consent-ledger.receipts.v1", partition: partition)) {
                receipted.insert(String(decoding: receipt.key ?? [], as: UTF8.self))
            }
        }
        try await reader.close()
        let missing = (1...total).filter { !receipted.contains("e\($0)") }
        #expect(missing.isEmpty, "\(missing.count) events without a receipt, such as \(missing.prefix(5))")

        for (partition, offsets) in sent {
            let origin = "consent-ledger.local/\(topic)/\(partition)"
            let ledger = try PartitionLedger(
                path: "\(dataDir)/\(topic)-\(partition).sqlite", origin: origin, topic: topic, partition: partition,
                keys: dataDirectoryKeys(dataDir))
            let leaves = try await ledger.read { reader in try (0..<reader.size).map { try reader.leaf(at: $0) } }
            let stored = try leaves.map { try LedgerLeaf(decoding: $0).offset }
            #expect(
                stored == offsets.sorted(), "partition \(partition): \(stored.count) leaves for \(offsets.count) records, no gap, no repeat"
            )
            #expect(ledger.nextOffset == (offsets.max() ?? -1) + 1)
            var chain = ChainedLogVerifier(previousChainHash: LedgerLeaf.previousChainHash(in:))
            for leaf in leaves { try chain.append(leaf: leaf) }
            try chain.finish(size: UInt64(leaves.count), root: ledger.root, chainHead: ledger.chainHead)
        }
    }
}
