import APITokens
import ConsentModel
import Crypto
import Foundation
import Hummingbird
import LedgerAPI
import LedgerAudit
import LedgerClient
import LedgerStore
import Logging
import MerkleLog

/// The API's and the verifier's figures, measured at two sizes of one ledger (a tenth of `subjects`, then all of
/// them) to show how cost grows: a citizen's history page and an inclusion proof, p50 and p99 under wrk on
/// loopback; proof generation straight from SQLite; `ledgerctl verify`. Each subject has ten leaves (a consent
/// and nine accesses), written through the real rules and store, a thousand subjects' events interleaved, and
/// checkpointed every 1,000 leaves as ledgerd does. The checks bounded by something other than the ledger's
/// size (verdicts by Ed25519, the API's by JSON) run at the smaller size only.
struct APIBenchmarks {
    let subjects: Int
    let seconds: Int
    let command: String
    let leavesPerSubject = 10

    func run() async throws -> [Figure] {
        guard Self.which("wrk") else {
            say("api: wrk is not installed (apt-get install wrk); skipping the API figures")
            return []
        }
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("api-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let institution = Curve25519.Signing.PrivateKey()
        let secret = SubjectSecret.generate()
        let registry = try benchRegistry(trusting: institution)
        let path = directory.appendingPathComponent("0.sqlite").path
        // The verifier opens the sealed records with the same key store, as a regulator given it does.
        let keys = try PayloadKeys(path: directory.appendingPathComponent("keys.db").path, masterKey: SymmetricKey(size: .bits256))
        let ledger = try PartitionLedger(path: path, origin: "bench/events/0", topic: "events", partition: 0, keys: keys)
        let ledgerKey = Curve25519.Signing.PrivateKey()
        let signer = try NoteSigner(name: ledger.origin, kind: .ed25519, privateKey: ledgerKey)

        let issuer = Curve25519.Signing.PrivateKey()
        let tokens = await TokenVerifier(issuers: [TokenIssuer(keyID: "bench", publicKey: issuer.publicKey, issuer: "bench")])
        func token(_ role: APIToken.Role, _ subject: String) async throws -> String {
            try await TokenVerifier.sign(
                APIToken(role: role, subject: subject, issuer: "bench", lifetime: 3600), with: issuer,
                kid: "bench")
        }
        let router = Router()
        try LedgerRoutes.add(
            to: router, ledgers: { [ledger] }, names: InstitutionNames(registry: registry), subjectSecret: secret,
            portalKeys: PortalKeys(ledgerKey: ledgerKey.publicKey, witnesses: []), tokens: tokens, logger: logger)
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portSink.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next() else { throw BenchError("the API server did not start") }
        let regulator = try await token(.regulator, "bench")

        var figures: [Figure] = []
        var rules = Rules(trust: RegistryTrust(bootstrap: registry, authority: nil), partition: 0, secret: secret)
        var written = 0
        for (stage, upTo) in [subjects / 10, subjects].enumerated() {
            try await fill(ledger, subjects: written..<upTo, judgedBy: &rules, signedBy: institution, checkpointedBy: signer)
            if stage == 0 {
                say("api: writing two citizens with 100 and 10,000 entries…")
                try await write(Self.bundleCitizens, to: ledger, judgedBy: &rules, signedBy: institution, checkpointedBy: signer)
            }
            written = upTo
            let size = ledger.size
            let shape = "\(size) leaves, \(upTo) subjects"

            // wrk picks a random citizen (of 200 tokens) or a random leaf per request.
            var citizens: [String] = []
            for _ in 0..<200 { citizens.append(try await token(.citizen, "CI-\(Int.random(in: 0..<upTo))")) }
            let history = """
                local tokens = {\(citizens.map { "\"Bearer \($0)\"" }.joined(separator: ","))}
                request = function()
                  return wrk.format("GET", "/v1/me/accesses", {["Authorization"] = tokens[math.random(#tokens)]})
                end
                """
            let page = """
                local cookies = {\(citizens.map { "\"ledger-session=\($0)\"" }.joined(separator: ","))}
                request = function()
                  return wrk.format("GET", "/accesses", {["Cookie"] = cookies[math.random(#cookies)]})
                end
                """
            let proof = """
                request = function()
                  return wrk.format("GET", "/v1/ledgers/0/proofs/inclusion?index=" .. math.random(0, \(size - 1)),
                    {["Authorization"] = "Bearer \(regulator)"})
                end
                """
            let loads = [
                ("citizen history page (9 accesses)", history, 20.0), ("citizen's HTML page, accesses view (9 accesses)", page, 300.0),
                ("inclusion proof", proof, 5.0),
            ]
            for (name, script, target) in loads {
                let (p50, p99, rate) = try load(script: script, port: port, directory: directory)
                say("api \(name) at \(size) leaves: p50 \(p50) ms, p99 \(p99) ms, \(Int(rate)) requests/s")
                figures.append(
                    Figure(name: "API \(name), \(shape), p50", value: p50, unit: "ms", limit: nil, limitName: nil, command: command))
                figures.append(
                    Figure(
                        name: "API \(name), \(shape), p99", value: p99, unit: "ms", limit: target,
                        limitName: "target p99 < \(Int(target)) ms", command: command))
                figures.append(
                    Figure(
                        name: "API \(name), \(shape), throughput", value: rate, unit: "requests/s", limit: nil, limitName: nil,
                        command: command))
            }
            figures += try await proofGeneration(ledger, shape: shape)
            figures += try await citizensChecks(
                url: URL(string: "http://127.0.0.1:\(port)")!, ledgerKey: ledgerKey.publicKey, subjects: upTo, shape: shape, token: token)

            // The regulator's check of the same ledger: everything but the verdicts, bounded by hashing; then in
            // full (bounded by Ed25519) and through the API (bounded by JSON), at the smaller size.
            let structural = try verifyRate(path: path, LedgerAudit(trust: nil, ledgerKey: ledgerKey.publicKey, keys: keys))
            let hashBound = Self.hashingRatePerLeaf()
            say("verify --no-verdicts at \(size) leaves: \(Int(structural)) leaves/s; hashing alone \(Int(hashBound)) leaves/s")
            figures.append(
                Figure(
                    name: "ledgerctl verify --no-verdicts, \(shape) (target ≥ 200,000 leaves/s)", value: structural, unit: "leaves/s",
                    limit: hashBound, limitName: "SHA-256 work per leaf alone", command: command))
            guard stage == 0 else { continue }
            let verified = try verifyRate(
                path: path,
                LedgerAudit(trust: RegistryTrust(bootstrap: registry, authority: nil), ledgerKey: ledgerKey.publicKey, keys: keys), runs: 1)
            let api = LedgerAPIClient(url: URL(string: "http://127.0.0.1:\(port)")!, token: regulator)
            let served = try await api.ledgers()[0]
            let servedStart = ContinuousClock.now
            let servedLeaves = try await LedgerAudit(trust: nil, ledgerKey: ledgerKey.publicKey).verify(served, servedBy: api).leaves
            let overAPI = Double(servedLeaves) / (ContinuousClock.now - servedStart).seconds
            say("verify at \(size) leaves: \(Int(verified)) leaves/s, \(Int(overAPI)) without verdicts through the API")
            figures.append(
                Figure(
                    name: "ledgerctl verify (LedgerAudit), \(shape), verdicts recomputed", value: verified, unit: "leaves/s", limit: nil,
                    limitName: nil, command: command))
            figures.append(
                Figure(
                    name: "ledgerctl verify --url --no-verdicts (through the API on loopback), \(shape)", value: overAPI,
                    unit: "leaves/s", limit: structural, limitName: "the same check from the file", command: command))
        }
        return figures
    }

    /// Two citizens beside the others, written at once: one with 100 entries, one with 10,000 (a consent, then accesses).
    static let bundleCitizens: [(subject: Int, step: Int)] = [100, 10_000].flatMap { entries in
        (0..<entries).map { (subject: -entries, step: $0 == 0 ? 0 : 1 + ($0 - 1) % 9) }
    }

    /// A citizen's own checks, end to end over HTTP with every fact read from its record: `ledgerctl history` for
    /// random citizens with ten entries (median of 20), and the bundle of the citizens with 100 and 10,000 entries,
    /// fetched and checked (median of 3), its size, and its check alone, offline.
    private func citizensChecks(
        url: URL, ledgerKey: Curve25519.Signing.PublicKey, subjects: Int, shape: String,
        token: (APIToken.Role, String) async throws -> String
    ) async throws -> [Figure] {
        var histories: [Duration] = []
        for _ in 0..<20 {
            let citizen = try await token(.citizen, "CI-\(Int.random(in: 0..<subjects))")
            let start = ContinuousClock.now
            let history = try await CitizenHistory.fetch(from: url, token: citizen, ledgerKey: ledgerKey)
            histories.append(ContinuousClock.now - start)
            guard history.accesses.count == leavesPerSubject - 1 else { throw BenchError("a citizen's history is not nine accesses") }
        }
        let history = histories.percentile(0.5).seconds * 1_000
        say("ledgerctl history at \(shape): \(history) ms (median of 20)")
        var figures = [
            Figure(
                name: "ledgerctl history end to end, 10 entries, facts checked, \(shape), median", value: history, unit: "ms", limit: nil,
                limitName: nil, command: command)
        ]
        for entries in [100, 10_000] {
            let citizen = try await token(.citizen, "CI-\(-entries)")
            var fetched: [Duration] = []
            var bundle: HistoryBundle?
            for _ in 0..<3 {
                let start = ContinuousClock.now
                bundle = try await CitizenHistory.fetchBundle(from: url, token: citizen, ledgerKey: ledgerKey).bundle
                fetched.append(ContinuousClock.now - start)
            }
            let json = bundle!.json
            let checked = try (0..<3).map { _ in
                try ContinuousClock().measure {
                    let history = try HistoryBundle(json: json).check(ledgerKey: ledgerKey, witnessPolicy: nil, subjectKey: nil)
                    guard history.accesses.count == entries - 1 else { preconditionFailure("the bundle lost accesses") }
                }
            }
            let fetch = fetched.percentile(0.5).seconds * 1_000
            let check = checked.percentile(0.5).seconds * 1_000
            say(
                "bundle of \(entries) entries at \(shape): \(json.count) bytes, fetched and checked in \(fetch) ms, checked offline in \(check) ms"
            )
            figures += [
                Figure(
                    name: "bundle of \(entries) entries, \(shape): size", value: Double(json.count) / 1_000_000, unit: "MB", limit: nil,
                    limitName: nil, command: command),
                Figure(
                    name: "bundle of \(entries) entries, \(shape): GET /v1/me/bundle fetched and checked, median of 3", value: fetch,
                    unit: "ms", limit: nil, limitName: nil, command: command),
                Figure(
                    name: "bundle of \(entries) entries, \(shape): check-bundle offline, median of 3", value: check, unit: "ms", limit: nil,
                    limitName: nil, command: command),
            ]
        }
        return figures
    }

    /// Inclusion and consistency proofs straight from the SQLite ledger (stored subtree hashes), without HTTP or
    /// JSON: 2,000 random ones each, p50.
    private func proofGeneration(_ ledger: PartitionLedger, shape: String) async throws -> [Figure] {
        let size = ledger.size
        let (inclusion, consistency) = try await ledger.read { reader in
            var generator = SystemRandomNumberGenerator()
            let clock = ContinuousClock()
            let inclusion = try (0..<2_000).map { _ in
                let index = UInt64.random(in: 0..<size, using: &generator)
                return try clock.measure { _ = try reader.inclusionProof(index: index, size: size) }
            }
            let consistency = try (0..<2_000).map { _ in
                let old = UInt64.random(in: 1..<size, using: &generator)
                return try clock.measure { _ = try reader.consistencyProof(from: old, to: size) }
            }
            return (inclusion, consistency)
        }
        say(
            "proofs from SQLite at \(size) leaves: inclusion p50 \(inclusion.percentile(0.5)), consistency p50 \(consistency.percentile(0.5))"
        )
        return [("inclusion", inclusion), ("consistency", consistency)].map { name, times in
            Figure(
                name: "\(name) proof generation from SQLite, \(shape), p50", value: times.percentile(0.5).microseconds, unit: "µs",
                limit: nil, limitName: nil, command: command)
        }
    }

    /// The median of `runs` timed checks of the ledger at `path`, started once all that was written is on disk: a
    /// regulator checks a ledger at rest, while the kernel writing back a ledger just filled takes a core of two.
    private func verifyRate(path: String, _ audit: LedgerAudit, runs: Int = 3) throws -> Double {
        sync()
        let rates = try (0..<runs).map { _ in
            var checked: UInt64 = 0
            let elapsed = try ContinuousClock().measure { checked = try audit.verify(path: path).leaves }
            return Double(checked) / elapsed.seconds
        }.sorted()
        if runs > 1 { say("verify runs: " + rates.map { "\(Int($0))" }.joined(separator: ", ") + " leaves/s") }
        return rates[runs / 2]
    }

    /// The hashing a verifier cannot skip per leaf, measured here: the leaf (~300 bytes) and its record
    /// (~700 bytes), then three 65-byte nodes (chain link, amortised tree node, subject chain head).
    private static func hashingRatePerLeaf() -> Double {
        let leaves = 100_000
        let leaf = [UInt8](repeating: 0x5a, count: 300)
        let record = [UInt8](repeating: 0x7b, count: 700)
        return rate(operations: leaves) {
            var sink = SHA256Hash.zero
            for _ in 0..<leaves {
                let leafHash = RFC6962.leafHash(leaf)
                let recordHash = SHA256Hash.of(record)
                sink = RFC6962.nodeHash(RFC6962.nodeHash(RFC6962.nodeHash(sink, leafHash), recordHash), leafHash)
            }
            precondition(sink != .zero)
        }
    }

    /// Writes, for each of `subjects`, a consent then nine accesses it covers. A thousand subjects at a time, their
    /// events interleaved (each one's consent, then each one's first access, …), as real traffic mixes citizens: so
    /// each checkpoint's subject map changes for as many subjects as it has new leaves.
    private func fill(
        _ ledger: PartitionLedger, subjects: Range<Int>, judgedBy rules: inout Rules, signedBy key: Curve25519.Signing.PrivateKey,
        checkpointedBy signer: NoteSigner
    ) async throws {
        say("api: writing \(subjects.count * leavesPerSubject) leaves for \(subjects.count) more subjects…")
        let events = stride(from: subjects.lowerBound, to: subjects.upperBound, by: 1_000).flatMap { first in
            (0..<leavesPerSubject).flatMap { step in (first..<min(first + 1_000, subjects.upperBound)).map { (subject: $0, step: step) } }
        }
        try await write(events, to: ledger, judgedBy: &rules, signedBy: key, checkpointedBy: signer)
    }

    /// Writes `events` (a subject's step 0 is its consent, any other an access it covers) in order, judged by rules/v1
    /// with every signature checked (prepared on all cores), with a checkpoint every 1,000 leaves, ledgerd's default.
    func write(
        _ events: [(subject: Int, step: Int)], to ledger: PartitionLedger, judgedBy rules: inout Rules,
        signedBy key: Curve25519.Signing.PrivateKey, checkpointedBy signer: NoteSigner
    ) async throws {
        var sequence = Int64(ledger.size)
        for batchStart in stride(from: 0, to: events.count, by: 10_000) {
            var records: [IncomingRecord] = []
            for event in events[batchStart..<min(batchStart + 10_000, events.count)] {
                sequence += 1
                records.append(try Self.record(subject: event.subject, step: event.step, sequence: sequence, key: key))
            }
            let prepared = await withTaskGroup(of: (Int, [PreparedRecord]).self) { group in
                let cores = ProcessInfo.processInfo.activeProcessorCount
                let chunk = (records.count + cores - 1) / cores
                for (n, start) in stride(from: 0, to: records.count, by: chunk).enumerated() {
                    let slice = Array(records[start..<min(start + chunk, records.count)])
                    group.addTask { [keys = rules.signingKeys] in (n, slice.map { PreparedRecord($0, keys: keys) }) }
                }
                var parts: [(Int, [PreparedRecord])] = []
                for await part in group { parts.append(part) }
                return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
            }
            let offset = ledger.nextOffset
            let entries = zip(records, prepared).enumerated().map { n, pair in
                PartitionLedger.Entry(
                    offset: offset + Int64(n), timestamp: pair.0.kafkaTimestamp, value: pair.0.value,
                    headers: pair.0.headers, judgement: rules.apply(pair.1))
            }
            for start in stride(from: 0, to: entries.count, by: 1_000) {
                let part = Array(entries[start..<min(start + 1_000, entries.count)])
                try await ledger.append(part, nextOffset: part[part.count - 1].offset + 1)
                try await ledger.signCheckpoint(with: signer)
            }
        }
    }

    static func record(subject: Int, step: Int, sequence: Int64, key: Curve25519.Signing.PrivateKey) throws -> IncomingRecord {
        let time = "2026-05-01T00:00:00Z"
        let data =
            step == 0
            ? """
            {"consentId":"c\(subject)","dataHolder":"bank","recipients":["op"],"purposes":["service-provision"],"dataCategories":["finance.account.transactions"],"legalBasis":"consent","validFrom":"2026-01-01T00:00:00Z","validUntil":"2027-01-01T00:00:00Z","notice":{"uri":"https://op.example/notice","sha256":"\(String(repeating: "a", count: 64))"}}
            """
            : """
            {"accessId":"a\(sequence)","accessor":"op","dataHolder":"bank","actor":"system:1","action":"read","purpose":"service-provision","dataCategories":["finance.account.transactions"],"recordCount":3,"dataForm":"identified","occurredAt":"2026-05-0\(step)T00:00:00Z"}
            """
        let type = step == 0 ? "consent.granted" : "access.performed"
        let value = Array(
            """
            {"specversion":"1.0","id":"e\(sequence)","source":"op","type":"\(type)","time":"\(time)","subject":"CI-\(subject)","dataschema":"urn:consent-ledger:schema:\(type):v1","datacontenttype":"application/json","producerseq":\(sequence),"data":\(data)}
            """.utf8)
        let headers = try EventSignature.headers(for: value, keyID: "op/1", privateKey: key)
        return IncomingRecord(
            value: value, headers: headers.map { ($0.name, $0.value) },
            kafkaTimestamp: Timestamp(rfc3339: time).map { $0.nanoseconds / 1_000_000 })
    }

    /// Runs wrk with `script` and returns p50 and p99 in milliseconds, and requests per second.
    private func load(script: String, port: Int, directory: URL) throws -> (Double, Double, Double) {
        let file = directory.appendingPathComponent("load.lua")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let wrk = Process()
        wrk.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        wrk.arguments = ["wrk", "-t1", "-c4", "-d\(seconds)s", "--latency", "-s", file.path, "http://127.0.0.1:\(port)"]
        let output = Pipe()
        wrk.standardOutput = output
        try wrk.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        wrk.waitUntilExit()
        guard let p50 = Self.milliseconds(after: "50%", in: text), let p99 = Self.milliseconds(after: "99%", in: text),
            let rateLine = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
            let rate = Double(rateLine.split(separator: " ").last ?? "")
        else { throw BenchError("could not read wrk's output:\n\(text)") }
        if text.contains("Non-2xx") { throw BenchError("the API answered errors under load:\n\(text)") }
        return (p50, p99, rate)
    }

    /// Reads a wrk latency line such as `     99%    4.21ms`.
    private static func milliseconds(after label: String, in text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }),
            let field = line.split(separator: " ").last
        else { return nil }
        for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where field.hasSuffix(unit) {
            return Double(field.dropLast(unit.count)).map { $0 * scale }
        }
        return nil
    }

    private static func which(_ program: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(program)")
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
