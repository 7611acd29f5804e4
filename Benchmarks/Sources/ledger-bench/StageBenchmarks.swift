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
        // The same with VOPRF subject references, as every data directory made since 2026-12-07 derives them: each of
        // the 5,000 subjects is evaluated once (~0.4 ms), then found in the cache.
        var voprfRules = Rules(
            trust: RegistryTrust(bootstrap: registry, authority: nil), partition: 0, secret: SubjectSecret(voprf: SubjectOPRF.Key()))
        add(
            "stage: apply rules in order, VOPRF subject references (5,000 subjects)",
            Double(events) / clock.measure { _ = prepared.map { voprfRules.apply($0) } }.seconds)
        let subjectKey = SubjectOPRF.Key()
        let evaluations = min(events, 2_000)
        func perOperation(_ name: String, _ body: (Int) throws -> Void) throws {
            let seconds = try clock.measure { for n in 0..<evaluations { try body(n) } }.seconds
            figures.append(
                Figure(name: name, value: Double(evaluations) / seconds, unit: "ops/s", limit: nil, limitName: nil, command: command))
            say(
                "\(name): \(Int(Double(evaluations) / seconds)) ops/s (\(String(format: "%.2f", seconds / Double(evaluations) * 1000)) ms each)"
            )
        }
        try perOperation("subject key: direct VOPRF evaluation (the ledger's own, per new subject)") { n in
            _ = subjectKey.reference(of: "CI-\(n)")
        }
        try perOperation("subject key: blinded protocol, blind + evaluate with proof + check and finalize") { n in
            let request = try SubjectOPRF.Request(subject: "CI-\(n)", publicKey: subjectKey.publicKey)
            _ = try request.reference(from: try subjectKey.evaluate(blindedElement: request.blindedElement))
        }

        // What sealing at rest adds to each append: the record's value and headers sealed under a data key, as
        // LedgerStore's SealedPayload does (AES-256-GCM, associated data naming the place).
        let dataKey = SymmetricKey(size: .bits256)
        var start = clock.now
        for (index, record) in records.enumerated() {
            let context = Data("consent-ledger payload\nbench/0\n\(index)\nvalue".utf8)
            _ = try AES.GCM.seal(record.value ?? [], using: dataKey, authenticating: context)
            _ = try AES.GCM.seal(Array(repeating: 0, count: 120), using: dataKey, authenticating: context)
        }
        add("stage: seal value and headers (AES-256-GCM), one data key", Double(events) / (clock.now - start).seconds)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledger = try PartitionLedger(
            path: directory.appendingPathComponent("p.sqlite").path, origin: "bench/0", topic: "t", partition: 0,
            keys: try PayloadKeys(path: directory.appendingPathComponent("keys.db").path, masterKey: SymmetricKey(size: .bits256)))
        let entries = zip(records, judgements).enumerated().map { index, pair in
            PartitionLedger.Entry(offset: Int64(index), timestamp: 0, value: pair.0.value, headers: pair.0.headers, judgement: pair.1)
        }
        start = clock.now
        for batch in stride(from: 0, to: entries.count, by: 500) {
            let slice = Array(entries[batch..<min(batch + 500, entries.count)])
            try await ledger.append(slice, nextOffset: slice.last!.offset + 1)
        }
        add("stage: append to the SQLite ledger, batches of 500", Double(events) / (clock.now - start).seconds)
        try await figures.append(erasure(in: directory, clock: clock))
        return figures
    }

    /// Erasing one subject whose records are half of a ledger's (10,000 of 20,000 in a full run): each payload
    /// overwritten and marked, its index row cleared, its key destroyed. Unsigned records: rules/v1 still names
    /// their subject, and sealing and erasing do not look at the verdict.
    private func erasure(in directory: URL, clock: ContinuousClock) async throws -> Figure {
        let secret = SubjectSecret.generate()
        var rules = Rules(
            trust: RegistryTrust(bootstrap: try benchRegistry(trusting: Curve25519.Signing.PrivateKey()), authority: nil), partition: 1,
            secret: secret)
        let ledger = try PartitionLedger(
            path: directory.appendingPathComponent("erasure.sqlite").path, origin: "bench/1", topic: "t", partition: 1,
            keys: try PayloadKeys(path: directory.appendingPathComponent("erasure-keys.db").path, masterKey: SymmetricKey(size: .bits256)))
        let entries = (0..<events).map { n in
            let value = Array(
                #"{"specversion":"1.0","id":"x\#(n)","source":"op","type":"access.performed","time":"2026-05-01T00:00:00Z","subject":"\#(n % 2 == 0 ? "CI-erased" : "CI-\(n)")","dataschema":"urn:consent-ledger:schema:access.performed:v1","datacontenttype":"application/json","producerseq":\#(n + 1),"data":{"accessId":"a\#(n)","accessor":"op","dataHolder":"bank","actor":"sys","action":"read","purpose":"service-provision","dataCategories":["finance.account.transactions"],"recordCount":1,"dataForm":"identified","occurredAt":"2026-05-01T00:00:00Z"}}"#
                    .utf8)
            let record = IncomingRecord(value: value, headers: [], kafkaTimestamp: 1_777_593_600_000)
            return PartitionLedger.Entry(
                offset: Int64(n), timestamp: 1_777_593_600_000, value: value, headers: [], judgement: rules.judge(record))
        }
        for batch in stride(from: 0, to: entries.count, by: 1_000) {
            let slice = Array(entries[batch..<min(batch + 1_000, entries.count)])
            try await ledger.append(slice, nextOffset: slice.last!.offset + 1)
        }
        let subject = SubjectReference(subject: "CI-erased", secret: secret)
        var erased = 0
        let seconds = try clock.measure { erased = try ledger.erase(orderedBy: ledger.size - 1, subject: subject, scope: .all).erased }
            .seconds
        precondition(erased == events / 2)
        let name = "erase one subject's \(erased) records (of \(events)), keys destroyed"
        say("\(name): \(String(format: "%.0f", seconds * 1000)) ms")
        return Figure(name: name, value: seconds * 1000, unit: "ms", limit: nil, limitName: nil, command: command)
    }
}
