import ConsentModel
import Crypto
import Foundation
import LedgerStore

/// The pipeline's stages one by one, without Kafka: where an event's time goes.
struct StageBenchmarks {
    let events: Int
    let command: String

    func run() async throws -> [Figure] {
        let key = Curve25519.Signing.PrivateKey()
        let registry = try benchRegistry(trusting: key)
        let records = try (1...events).map { sequence in
            let value = Array(
                """
                {"specversion":"1.0","id":"e\(sequence)","source":"op","type":"consent.granted","time":"2026-05-01T00:00:00Z","subject":"CI-\(sequence % 5_000)","dataschema":"urn:consent-ledger:schema:consent.granted:v1","datacontenttype":"application/json","producerseq":\(sequence),"data":{"consentId":"c\(sequence)","dataHolder":"bank","recipients":["op"],"purposes":["service-provision"],"dataCategories":["finance.account.transactions"],"legalBasis":"consent","validFrom":"2026-01-01T00:00:00Z","validUntil":"2027-01-01T00:00:00Z","notice":{"uri":"https://op.example/notice","sha256":"\(String(repeating: "a", count: 64))"}}}
                """.utf8)
            let headers = try EventSignature.headers(for: value, keyID: "op/1", privateKey: key)
            return IncomingRecord(
                value: value, headers: headers.map { ($0.name, $0.value) }, kafkaTimestamp: 1_777_593_600_000)
        }
        var rules = Rules(trust: RegistryTrust(bootstrap: registry, authority: nil), partition: 0, secret: SubjectSecret.generate())
        var figures: [Figure] = []
        func add(_ name: String, _ value: Double) {
            figures.append(Figure(name: name, value: value, unit: "events/s", limit: nil, limitName: nil, command: command))
            say("\(name): \(Int(value)) events/s")
        }
        let clock = ContinuousClock()
        var decoded = 0
        add(
            "stage: strict JSON decode",
            Double(events) / clock.measure { decoded = records.filter { (try? Event.decode($0.value!)) != nil }.count }.seconds)
        precondition(decoded == events)
        var prepared: [PreparedRecord] = []
        add(
            "stage: decode + Ed25519 verify, one core",
            Double(events)
                / clock.measure { prepared = records.map { [keys = rules.signingKeys] in PreparedRecord($0, keys: keys) } }.seconds)
        var judgements: [Judgement] = []
        add(
            "stage: apply rules in order, verdict encoding included",
            Double(events) / clock.measure { judgements = prepared.map { rules.apply($0) } }.seconds)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try PartitionLedger(
            path: directory.appendingPathComponent("p.sqlite").path, origin: "bench/0", topic: "t", partition: 0)
        let entries = zip(records, judgements).enumerated().map { index, pair in
            PartitionLedger.Entry(offset: Int64(index), timestamp: 0, value: pair.0.value, headers: pair.0.headers, judgement: pair.1)
        }
        let start = clock.now
        for batch in stride(from: 0, to: entries.count, by: 500) {
            let slice = Array(entries[batch..<min(batch + 500, entries.count)])
            try await ledger.append(slice, nextOffset: slice.last!.offset + 1)
        }
        add("stage: append to the SQLite ledger, batches of 500", Double(events) / (clock.now - start).seconds)
        return figures
    }
}
