import Foundation
import Testing

@Suite("ledgerctl keys and publish, as an institution uses them", .serialized, .timeLimit(.minutes(10)))
struct PublishCommandTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("publish-\(UUID().uuidString)")

    /// A key for bank-a, and a registry that lists it.
    func onboard() throws -> (key: String, registry: String) {
        let keys = directory.appendingPathComponent("keys").path
        let generated = try ChildProcess.run(
            ledgerctl, ["keys", "generate", "--institution", "bank-a", "--role", "dataHolder", "--out", keys])
        #expect(generated.status == 0, "\(generated.stderr)")
        let key = "\(keys)/bank-a.key"
        let permissions = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(permissions == 0o600, "the key file is the owner's alone")
        let again = try ChildProcess.run(ledgerctl, ["keys", "generate", "--institution", "bank-a", "--out", keys])
        #expect(again.status != 0 && again.stderr.contains("already exists"), "a key is never overwritten: \(again.stderr)")

        let registry = directory.appendingPathComponent("registry.json")
        try Data("{\"institutions\": [\(generated.stdout)]}".utf8).write(to: registry)
        return (key, registry.path)
    }

    func write(_ lines: [String], to name: String) throws -> String {
        let file = directory.appendingPathComponent(name)
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        return file.path
    }

    func grant(_ consent: String, subject: String) -> String {
        #"{"type":"consent.granted","subject":"\#(subject)","data":{"consentId":"\#(consent)","dataHolder":"bank-a","recipients":["op-1"],"purposes":["service-provision"],"dataCategories":["finance.account.balance"],"legalBasis":"consent","validFrom":"2026-01-01T00:00:00Z","validUntil":"2027-01-01T00:00:00Z","notice":{"uri":"https://bank-a.example/notice","sha256":"\#(String(repeating: "ab", count: 32))"}}}"#
    }

    @Test("every command that reaches Kafka says what a broker address is, and that one is needed, before it tries")
    func brokerAddresses() throws {
        for command in [
            ["publish", "--key", "k"], ["witness", "--url", "http://x", "--key", "k", "--ledger-key", "l", "--registry", "r"],
        ] {
            let missing = try ChildProcess.run(ledgerctl, command)
            #expect(missing.status == 64 && missing.stderr.contains("--brokers is required"), "\(command): \(missing.stderr)")
            let malformed = try ChildProcess.run(ledgerctl, command + ["--brokers", "127.0.0.1:9092,kafka-2"])
            #expect(
                malformed.status == 64
                    && malformed.stderr.contains(#"--brokers takes host:port, such as 127.0.0.1:9092; "kafka-2" is not one"#),
                "\(command): \(malformed.stderr)")
        }
        let setupOnly = try ChildProcess.run(
            ledgerctl, ["simulate", "--setup-only", "--out", directory.appendingPathComponent("sim").path])
        #expect(setupOnly.status == 0, "simulate --setup-only needs no broker: \(setupOnly.stderr)")
    }

    @Test("publishes the valid lines of a file with receipts, reports the invalid ones by line, and a second run continues the numbering")
    func publishWithReceipts() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (key, registry) = try onboard()
        let ledgerd = try ChildProcess(
            ledgerd,
            [
                "--data-dir", directory.appendingPathComponent("data").path, "--registry", registry, "--topics",
                packageRoot.appendingPathComponent("topics").path, "--http", "127.0.0.1:0", "--log-level", "warning",
            ])
        let brokers = try ledgerd.waitForLine(startingWith: "bootstrap.servers=")

        let file = try write(
            [
                grant("c-1", subject: "CI-1"), "not json", "", grant("c-2", subject: "CI-2"),
                #"{"source":"bank-b","type":"consent.revoked","subject":"CI-1","data":{}}"#, grant("c-3", subject: "CI-1"),
            ], to: "first.jsonl")
        let first = try ChildProcess.run(ledgerctl, ["publish", "--brokers", brokers, "--key", key, "--await-receipt", file])
        #expect(first.status == 1, "invalid lines make the run fail")
        #expect(first.stderr.contains("line 2: invalid, not sent"), "\(first.stderr)")
        #expect(first.stderr.contains("line 5: invalid, not sent: source: is bank-b"), "\(first.stderr)")
        let sent = first.stdout.split(separator: "\n").filter { $0.hasPrefix("line ") }
        #expect(sent.map { $0.prefix(7) } == ["line 1:", "line 4:", "line 6:"])
        #expect(sent.allSatisfy { $0.contains("; ledger ") && $0.contains(" index ") }, "\(first.stdout)")
        #expect(first.stdout.hasSuffix("sent 3, 3 with a ledger receipt, failed 0, invalid 2\n"), "\(first.stdout)")

        let second = try ChildProcess.run(
            ledgerctl,
            [
                "publish", "--brokers", brokers, "--key", key, "--await-receipt",
                try write([grant("c-4", subject: "CI-1")], to: "second.jsonl"),
            ])
        #expect(second.status == 0, "\(second.stderr)")
        let lastOfCI1 = try #require(
            sent.last.flatMap { $0.firstRange(of: "(producerseq ") }.map { sent.last![$0.upperBound...].prefix { $0.isNumber } })
        #expect(
            second.stdout.contains("(producerseq \(Int(lastOfCI1)! + 1))"), "continues CI-1's partition: \(first.stdout)\(second.stdout)")
        #expect(!(first.stdout + second.stdout).contains("sequence-"), "no gap or replay found by the ledger")

        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)
    }

    @Test(
        "the registry authority onboards through the log: a bad change is refused by line with nothing sent, and the first event of a registered key is judged under rules/v2"
    )
    func registryThroughTheLog() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (key, registry) = try onboard()
        let keys = directory.appendingPathComponent("authority").path
        let generated = try ChildProcess.run(ledgerctl, ["keys", "generate", "--registry-authority", "--out", keys])
        #expect(generated.status == 0, "\(generated.stderr)")
        let authority = generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(authority.hasPrefix("registry-authority+registry-authority/2") && authority.split(separator: "+").count >= 3)
        let ledgerd = try ChildProcess(
            ledgerd,
            [
                "--data-dir", directory.appendingPathComponent("data").path, "--registry-authority", authority, "--topics",
                packageRoot.appendingPathComponent("topics").path, "--http", "127.0.0.1:0", "--log-level", "warning",
            ])
        let brokers = try ledgerd.waitForLine(startingWith: "bootstrap.servers=")
        func publishRegistry(_ file: String) throws -> (status: Int32, stdout: String, stderr: String) {
            try ChildProcess.run(ledgerctl, ["registry", "publish", "--brokers", brokers, "--key", "\(keys)/registry-authority.key", file])
        }

        let operatorRegistered =
            #"{"type": "registry.institution-registered", "data": {"institution": "op-1", "name": "Operator", "roles": ["recipient"]}}"#
        let refused = try publishRegistry(
            try write([operatorRegistered, #"{"type": "registry.key-retired", "data": {"keyId": "bank a key"}}"#], to: "bad.jsonl"))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("bad.jsonl line 2: data.keyId: \"bank a key\" is not an identifier"), "\(refused.stderr)")

        let bootstrap = try publishRegistry(registry)
        #expect(bootstrap.status == 0, "\(bootstrap.stderr)")
        #expect(bootstrap.stdout.contains("registry.rules-changed rules/v2, "), "\(bootstrap.stdout)")
        #expect(bootstrap.stdout.contains("published 3 registry events into each of "), "\(bootstrap.stdout)")
        let onboarded = try publishRegistry(try write([operatorRegistered], to: "op-1.jsonl"))
        #expect(onboarded.status == 0 && onboarded.stdout.contains("published 1 registry events"), "\(onboarded.stderr)")

        // Index 4: after the rules change, bank-a, its key and op-1, and nothing of the refused run.
        let published = try ChildProcess.run(
            ledgerctl,
            ["publish", "--brokers", brokers, "--key", key, "--await-receipt", try write([grant("c-1", subject: "CI-1")], to: "g.jsonl")])
        #expect(published.status == 0, "\(published.stderr)")
        #expect(published.stdout.contains(#"index 4, verdict {"rules":"rules/v2"}"#), "\(published.stdout)")
        ledgerd.process.terminate()
        #expect(ledgerd.finish().status == 0)
    }

    @Test("--kafka-config reaches librdkafka: TLS against the plaintext embedded broker fails to connect, and says so")
    func kafkaConfig() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (key, _) = try onboard()
        let broker = try ChildProcess(
            ledgerctl, ["broker", "--topics", packageRoot.appendingPathComponent("topics").path, "--log-level", "warning"])
        defer { broker.process.terminate() }
        let bootstrap = try broker.waitForLine(startingWith: "bootstrap.servers=")
        let properties = directory.appendingPathComponent("tls.properties")
        try Data("security.protocol=ssl\n".utf8).write(to: properties)
        let result = try ChildProcess.run(
            ledgerctl,
            [
                "publish", "--brokers", bootstrap, "--key", key, "--timeout", "3", "--kafka-config", properties.path,
                try write([grant("c-1", subject: "CI-1")], to: "e.jsonl"),
            ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("SSL handshake failed"), "\(result.stderr)")
        #expect(result.stderr.contains("PLAINTEXT broker listener"), "\(result.stderr)")
    }

    @Test("with no broker listening: a clear error, nothing sent, the sequence file untouched")
    func nothingListening() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (key, _) = try onboard()
        let result = try ChildProcess.run(
            ledgerctl,
            [
                "publish", "--brokers", "127.0.0.1:1", "--key", key, "--timeout", "2",
                try write([grant("c-1", subject: "CI-1")], to: "e.jsonl"),
            ])
        #expect(result.status == 1)
        #expect(result.stderr.contains("is a broker listening at 127.0.0.1:1?"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("keys/bank-a.sequence.json").path))
    }
}
